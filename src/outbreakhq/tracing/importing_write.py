"""Committing a checked import through the tracing services (they own every write and rule).

Runs inside run_import's transaction: a service that refuses a row (a rule the preview could not
see, a race with another user) raises InvalidInput, which is re-raised naming the file's row and
column, and the whole batch rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError, FieldError, InvalidInput
from outbreakhq.core.models import Person
from outbreakhq.core.services import register_person
from outbreakhq.tracing import services
from outbreakhq.tracing.importing import ImportResult, Plan
from outbreakhq.tracing.importing_rows import Row
from outbreakhq.tracing.models import Case, Contact, ContactCategory, ContactType, Exposure

PERSON_KEYS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "address")
CASE_KEYS = ("external_id", "classification", "onset_date", "sampling_date", "report_date",
             "detection_route", "severity", "outcome", "outcome_date")
# Service field names that differ from the import's columns.
SERVICE_FIELD = {"person": "name", "setting": "exposure_type"}


@contextmanager
def at_row(row: Row, columns: dict[str, str]) -> Iterator[None]:
    try:
        yield
    except AppError as exc:
        errors = [FieldError(columns.get(SERVICE_FIELD.get(e.field, e.field), e.field),
                             str(e.message), row.number) for e in exc.errors]
        raise InvalidInput(_("Nothing was imported: row %(row)d was refused.")
                           % {"row": row.number},
                           errors or [FieldError("", str(exc.message), row.number)]) from None


class People:
    """The person of each new record: matched by the checks, registered by an earlier row of
    this file, or registered now; keyed by document so that one file registers a person once."""

    def __init__(self, actor):
        self.actor = actor
        self.seen: dict[tuple[str, str], Person] = {}
        self.registered = self.matched = 0

    def key(self, row: Row) -> tuple[str, str] | None:
        """The document, else the exported person record number ("#12"), which ties the
        rows of one person without a document together in a file from another database."""
        number = row.values.get("id_number")
        if number:
            return (str(row.values.get("id_type")), str(number))
        return ("person", str(row.values["person"])) if row.values.get("person") else None

    def known(self, row: Row) -> Person | None:
        person = row.refs.get("person") or self.seen.get(self.key(row))
        if person is not None:
            self.matched += 1
        return person

    def remember(self, row: Row, person: Person) -> None:
        if self.key(row) is not None:
            self.seen.setdefault(self.key(row), person)

    def data(self, row: Row) -> dict:
        data = {k: row.values[k] for k in PERSON_KEYS if row.values.get(k) not in (None, "")}
        data["home_area"] = row.refs["area"].code
        return data

    def get(self, row: Row) -> Person:
        person = self.known(row)
        if person is None:
            person = register_person(actor=self.actor, data=self.data(row))
            self.registered += 1
            self.remember(row, person)
        return person


def write_plan(*, actor: Actor, plan: Plan) -> ImportResult:
    writer = {"cases": _write_cases, "contacts": _write_contacts, "links": _write_links}
    return writer[plan.kind](actor, plan)


def _result(plan: Plan, people: People | None = None) -> ImportResult:
    return ImportResult(plan.counts.get("create", 0), plan.counts.get("update", 0),
                        plan.counts.get("unchanged", 0),
                        people.registered if people else 0, people.matched if people else 0)


def _write_cases(actor: Actor, plan: Plan) -> ImportResult:
    people = People(actor)
    stored: dict[str, Case] = {}
    for row in plan.rows:
        with at_row(row, plan.columns):
            stored[row.values["external_id"]] = _write_case(actor, row, people, stored)
    # Sources not known when their case was written (further down the file, or a stored case
    # that gets a new source) are linked second, through the service that refuses cycles.
    for row in plan.rows:
        source = row.values.get("source_case")
        if not source:
            continue
        case = stored[row.values["external_id"]]
        infector = stored.get(source) or row.refs["source_case"]
        with at_row(row, plan.columns):
            if case.source_case_id != infector.pk:
                services.link_source(actor=actor, case_id=case.pk, source_case_id=infector.pk)
            _exposure(actor, case, row, "exposure_date")
    return _result(plan, people)


def _write_case(actor: Actor, row: Row, people: People, stored: dict[str, Case]) -> Case:
    record = row.refs.get("record")
    data = {k: row.values[k] for k in CASE_KEYS if row.values.get(k) not in (None, "")}
    if record is None:
        person = people.get(row)
        # A new case's source, when already written, goes in with the case: one write instead
        # of two, and a case with no descendants yet cannot close a cycle.
        source = stored.get(row.values.get("source_case") or "") or \
            row.refs.get("source_case")
        if source is not None:
            data["source_case"] = source.pk
        return services.open_case(actor=actor, person_id=person.pk, data=data)
    changes = {k: data[k] for k in row.changes if k in data}
    if not changes:
        return record
    return services.update_case(actor=actor, case_id=record.pk, changes=changes)


def _exposure(actor: Actor, case: Case, row: Row, date_key: str) -> None:
    """The link's exposure (type and date) as an exposure of the infectee, recorded once."""
    setting = row.values.get("exposure_type") or ""
    exposed = row.values.get(date_key)
    if not setting and not exposed:
        return
    setting = setting or ContactType.OTHER
    if Exposure.objects.filter(case=case, setting=setting, date=exposed).exists():
        return
    services.record_exposure(actor=actor, case_id=case.pk, data={"setting": setting,
                                                                 "date": exposed})


def _write_contacts(actor: Actor, plan: Plan) -> ImportResult:
    people = People(actor)
    stored: dict[str, Contact] = {}
    # Close contacts first: a contact of a close contact may name one further down the file.
    ordered = sorted(plan.rows, key=lambda r: r.values["category"] == ContactCategory.SECONDARY)
    for row in ordered:
        with at_row(row, plan.columns):
            stored[row.values["external_id"]] = _write_contact(actor, row, people, stored)
    return _result(plan, people)


def _write_contact(actor: Actor, row: Row, people: People, stored: dict) -> Contact:
    record = row.refs.get("record")
    if record is not None:
        if not row.changes:
            return record
        return services.update_contact(actor=actor, contact_id=record.pk,
                                       changes={k: row.values[k] for k in row.changes})
    data = {"external_id": row.values["external_id"], "contact_type": row.values["contact_type"],
            "last_exposure": row.values["last_exposure"]}
    person = people.known(row)
    who = {"person_id": person.pk} if person else {"new_person": people.data(row)}
    if row.values["category"] == ContactCategory.SECONDARY:
        name = row.values["source_contact"]
        source = stored.get(name) or row.refs["source_contact"]  # checked: in the scope
        contact = services.add_secondary_contact(actor=actor, contact_id=source.pk, data=data,
                                                 **who)
    else:
        contact = services.add_contact(actor=actor, case_id=row.refs["source_case"].pk, data=data,
                                       **who)
    if person is None:
        people.registered += 1
        people.remember(row, contact.person)
    return contact


def _write_links(actor: Actor, plan: Plan) -> ImportResult:
    for row in plan.rows:
        infectee, infector = row.refs["infectee"], row.refs["infector"]
        with at_row(row, plan.columns):
            if row.action in ("create", "update"):
                services.link_source(actor=actor, case_id=infectee.pk, source_case_id=infector.pk)
            _exposure(actor, infectee, row, "date")
    return _result(plan)
