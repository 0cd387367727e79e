"""A day's work of every role against `outbreakhq serve` (issue 15), on loopback only.

Tracers (most users) work their follow-up worklist: the worklist page, a contact's page, the
contact list through the API, a follow-up recorded through the API (CSRF header, as the
browser's script would). Commanders read the case and contact lists, the chain page and the
API. Analysts export (CSV and XLSX: large ones are queued for the worker). An administrator
reads the audit trail and searches people. Everyone signs in through the login form first.

Users are the demo's (`outbreakhq demo`, password outbreak-demo): `bench/load/run.py` starts
the server on the demo data and runs this file headless; see docs/benchmarks.md.
"""

from __future__ import annotations

import random
import re
from datetime import date

from locust import HttpUser, between, events, task

PASSWORD = "outbreak-demo"
SAMPLES: list[tuple[str, float, int]] = []  # (name, ms, failed) of every request, for run.py


@events.request.add_listener
def _sample(name, response_time, exception=None, **_kwargs) -> None:
    SAMPLES.append((name, response_time, 1 if exception else 0))


@events.quitting.add_listener
def _write_samples(environment, **_kwargs) -> None:
    """Every request's time beside locust's CSV (<prefix>_samples.csv): run.py reports the
    percentiles of the day's work without the sign-in (once a day, a deliberately slow hash)."""
    prefix = getattr(environment.parsed_options, "csv_prefix", None)
    if prefix:
        with open(f"{prefix}_samples.csv", "w", encoding="utf-8") as out:
            out.writelines(f"{name}\t{ms:.1f}\t{failed}\n" for name, ms, failed in SAMPLES)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Worker(HttpUser):
    abstract = True
    wait_time = between(1, 4)  # a person reading the page before the next click
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/login/", name="/login/")
        token = CSRF.search(page.text)
        self.client.post("/login/", {"username": self.username, "password": PASSWORD,
                                     "csrfmiddlewaretoken": token.group(1) if token else ""},
                         headers={"Referer": self.host + "/login/"}, name="/login/ (POST)")

    def csrf(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                "Referer": self.host + "/"}


class Tracer(Worker):
    weight = 6
    username = "tracer"
    contacts: list[int]

    def on_start(self) -> None:
        super().on_start()
        self.contacts = []
        answer = self.client.get("/api/v1/contacts/?limit=500&status=following",
                                 name="/api/v1/contacts/")
        if answer.ok:  # today lies in the follow-up window of those exposed before today
            today = date.today().isoformat()
            self.contacts = [c["id"] for c in answer.json().get("items", [])
                             if c["last_exposure"] < today]

    @task(4)
    def worklist(self) -> None:
        self.client.get("/followups/", name="/followups/")

    @task(3)
    def contact_page(self) -> None:
        if self.contacts:
            self.client.get(f"/contacts/{random.choice(self.contacts)}/", name="/contacts/<id>/")

    @task(3)
    def record_followup(self) -> None:
        if not self.contacts:
            return
        contact = random.choice(self.contacts)
        with self.client.post(f"/api/v1/contacts/{contact}/followups",
                              json={"status": random.choice(["well", "well", "symptoms"]),
                                    "date": date.today().isoformat()},
                              headers=self.csrf(), name="/api/v1/contacts/<id>/followups (POST)",
                              catch_response=True) as answer:
            if answer.status_code in (201, 400):  # 400: closed meanwhile, a clear refusal
                answer.success()

    @task(2)
    def contact_list(self) -> None:
        self.client.get("/contacts/", name="/contacts/")

    @task(1)
    def api_list(self) -> None:
        self.client.get("/api/v1/contacts/?limit=50", name="/api/v1/contacts/")


class Commander(Worker):
    weight = 2
    username = "commander"

    @task(3)
    def cases(self) -> None:
        self.client.get("/cases/", name="/cases/")

    @task(2)
    def contacts(self) -> None:
        self.client.get("/contacts/", name="/contacts/")

    @task(1)
    def chains(self) -> None:
        self.client.get("/chains/", name="/chains/")

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(1)
    def api_cases(self) -> None:
        self.client.get("/api/v1/cases/?limit=50", name="/api/v1/cases/")


class Analyst(Worker):
    weight = 1
    username = "commander"  # exports need export rights: the commander's, in the demo
    wait_time = between(10, 30)

    @task(3)
    def export_csv(self) -> None:
        self.client.get("/export/contacts/?format=csv&status=active", name="/export/ csv")

    @task(1)
    def export_xlsx(self) -> None:
        self.client.get("/export/cases/?format=xlsx", name="/export/ xlsx")


class Admin(Worker):
    weight = 1
    username = "admin"

    @task(2)
    def audit(self) -> None:
        self.client.get("/audit/", name="/audit/")

    @task(2)
    def search(self) -> None:
        self.client.get(f"/people/?q={random.choice(['Wang', 'Li', 'Zhang', '1380'])}",
                        name="/people/?q=")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="/")
