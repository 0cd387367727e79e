"""The access matrix: every page and every API operation, for one user of each role, against the
declared table (core/access.py). An endpoint missing from the table fails; a role without the
capability is refused (403, or 404 as for a record outside scope); a role with it is not."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from outbreakhq.api import api
from outbreakhq.core.access import (
    ADMIN_NAMESPACE,
    API,
    API_NAMESPACE,
    LOGIN_ONLY,
    PAGES,
    PUBLIC,
    STAFF_ONLY,
    Rule,
    page_rule,
)
from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Role
from outbreakhq.tracing import services
from tests.factories import make_person, make_user, territory
from tests.support.factories import support_ids
from tests.tracing.conftest import ago, open_case
from tests.zones.factories import zones_ids

API_PREFIX = "/api/v1"
REFUSED = (403, 404)
# URL arguments no fixture can make real (an upload token, a finished export's file name):
# an allowed role may get 404 there, never 403.
# The unlock and reset forms name a lock or a device, which the bare POST does not.
MADE_UP = {"import_review", "import_errors", "export_download", "sign_in_unlock",
           "two_factor_reset", "sitrep_pdf_job", "sitrep_pdf_file"}


def url_patterns(patterns=None, namespace: str | None = None):
    """(url name, pattern) of every route, names prefixed by their namespace."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"(unnamed {entry.pattern})"
            yield (f"{namespace}:{name}" if namespace else name), entry


def pages() -> dict[str, URLPattern]:
    """Every page to check: API operations are checked by the schema, the admin site by one
    probe of its index (Django guards all of it with the same is_staff test)."""
    found = {}
    for name, pattern in url_patterns():
        ns = name.split(":", 1)[0] if ":" in name else None
        if ns == ADMIN_NAMESPACE or (ns == API_NAMESPACE and name not in PAGES):
            continue
        found[name] = pattern
    return found


@functools.cache
def spec() -> dict:
    return api.get_openapi_schema()


def operations() -> dict[str, dict]:
    schema = spec()
    return {f"{method.upper()} {path.removeprefix(API_PREFIX)}": op
            for path, ops in schema["paths"].items() for method, op in ops.items()}


@dataclass
class World:
    ids: dict  # URL argument name -> value
    user: object


def _user_for(role: str, land):
    township = land.compound1.parent.parent
    area = {Role.ADMIN: land.region, Role.COMMANDER: land.region, Role.ANALYST: land.region,
            Role.COMMUNITY: township}.get(role, land.county1)
    return make_user(role, area, is_staff=role == Role.ADMIN)


def world(role: str) -> World:
    """Demo-like data: a case, a contact with a day of follow-up, two namesakes, all in the
    community worker's township (inside every other user's scope)."""
    land = territory()
    tracer = make_user("tracer", land.county1)
    case = open_case(tracer, make_person(land.compound1, name="Patient Zero"))
    contact = services.add_contact(actor=Actor.of(tracer), case_id=case.pk,
                                   person_id=make_person(land.compound1).pk,
                                   data={"contact_type": "household", "last_exposure": ago(1)})
    services.record_followup(actor=Actor.of(tracer), contact_id=contact.pk, data={"status": "well"})
    one = make_person(land.compound1, name="Wu Di", birth_date=date(1980, 5, 5))
    two = make_person(land.compound1, name="Wu Di", birth_date=date(1980, 5, 5))
    ids = {"case": case.pk, "contact": contact.pk, "person": case.person_id, "keep": one.pk,
           "merged": two.pk, "code": land.compound1.parent.parent.code, "kind": "cases",
           "token": "0" * 32, "name": "cases-2000-01-01.csv", "root": land.region.code}
    ids.update(support_ids(land.compound1))  # support's requests, passes, travellers, batches
    ids.update(zones_ids(land.compound1))  # a waiting risk-area proposal, an open alert
    return World(ids, _user_for(role, land))


def page_url(name: str, pattern: URLPattern, ids: dict) -> str:
    route = str(pattern.pattern)
    kwargs = {}
    for arg in pattern.pattern.converters:
        if arg == "pk":
            kwargs[arg] = ids[{"cases": "case", "contacts": "contact", "risk-areas": "place"}.get(
                route.split("/", 1)[0], "person")]
        else:
            kwargs[arg] = ids[arg]
    if name.startswith("retention_"):  # outbreaks are declared over per tree (its root)
        kwargs["code"] = ids["root"]
    if name == "duplicate_merge":  # a record merged with itself: refused after the role check
        kwargs["merged"] = kwargs["keep"]
    return reverse(name, kwargs=kwargs)


def sample(schema: dict, spec: dict, ids: dict):
    """A minimal value the schema accepts: required fields only, nulls where allowed."""
    if "$ref" in schema:
        return sample(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec, ids)
    options = schema.get("anyOf") or schema.get("allOf")
    if options:
        if any(o.get("type") == "null" for o in options):
            return None
        return sample(options[0], spec, ids)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: sample(props[k], spec, ids) for k in schema.get("required", ())}
    if kind == "array":
        if "prefixItems" in schema:
            return [sample(s, spec, ids) for s in schema["prefixItems"]]
        return [sample(schema["items"], spec, ids)] * schema.get("minItems", 0)
    if kind == "integer":
        return ids["person"]  # keep_id = merge_id, a pair of one: refused after the role check
    if kind in ("number", "boolean"):
        return 0 if kind == "number" else False
    return {"date": str(date.today()), "date-time": datetime.now().isoformat()}.get(
        schema.get("format"), "x")


def call_operation(client: Client, key: str, op: dict, ids: dict):
    method, path = key.split(" ", 1)
    params = {p["name"]: p for p in op.get("parameters", ())}
    for name, param in params.items():
        if param["in"] == "path":
            path = path.replace(f"{{{name}}}", str(ids[name.removesuffix("_id")]))
    query = {n: sample(p["schema"], {}, ids) for n, p in params.items()
             if p["in"] == "query" and p.get("required")}
    url = API_PREFIX + path
    if method == "GET":
        return client.get(url, query)
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return client.post(url, {"file": SimpleUploadedFile("x.csv", b"a\n")})
    body = sample(content["application/json"]["schema"], spec(), ids) if content else {}
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def verdict(role: str, rule: Rule, status: int, *, made_up: bool = False) -> str | None:
    """What is wrong with this answer, or None."""
    if rule.need in (PUBLIC, LOGIN_ONLY):
        return None if status != 403 else "refused, but declared open to every signed-in user"
    if rule.need == STAFF_ONLY:
        return None
    if rule.open_to(role):
        if status == 403 or (status == 404 and not made_up):
            return f"refused with {status} though the role holds {rule.need}"
        return None
    return None if status in REFUSED else f"answered {status} though the role lacks {rule.need}"


def test_every_page_has_a_declared_rule() -> None:
    missing = sorted(name for name in pages() if page_rule(name) is None)
    assert not missing, f"add these URL names to core/access.py PAGES: {missing}"


def test_every_api_operation_has_a_declared_rule() -> None:
    missing = sorted(set(operations()) - set(API))
    assert not missing, f"add these API operations to core/access.py API: {missing}"


def test_the_table_names_no_endpoint_that_does_not_exist() -> None:
    assert set(PAGES) <= set(pages()), set(PAGES) - set(pages())
    assert set(API) <= set(operations()), set(API) - set(operations())


def test_declared_writes_are_the_api_operations_that_change_something() -> None:
    assert {k for k, rule in API.items() if rule.write} == {
        k for k in API if not k.startswith("GET ")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_what_the_table_grants_it(role: str) -> None:
    here = world(role)
    problems = []
    # One client (each new one builds the middleware stack again: slow); signed in again
    # before every request, as one of the pages signs out.
    client = Client()
    for name, pattern in sorted(pages().items()):
        rule = PAGES[name]
        client.force_login(here.user)
        url = page_url(name, pattern, here.ids)
        answer = client.post(url) if rule.write else client.get(url)
        problem = verdict(role, rule, answer.status_code, made_up=name in MADE_UP)
        if problem:
            problems.append(f"page {name} ({url}): {problem}")
    client.force_login(here.user)
    for key, op in sorted(operations().items()):
        answer = call_operation(client, key, op, here.ids)
        problem = verdict(role, API[key], answer.status_code)
        if problem:
            problems.append(f"API {key}: {problem}")
    assert not problems, f"{role}:\n" + "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_the_admin_site_opens_to_staff_only(role: str) -> None:
    client = Client()
    client.force_login(world(role).user)
    answer = client.get(reverse("admin:index"))
    assert answer.status_code == (200 if role == Role.ADMIN else 302)


@pytest.mark.django_db
def test_nobody_signed_out_reaches_anything_but_the_public_endpoints() -> None:
    ids = world(Role.TRACER).ids
    client, problems = Client(), []
    for name, pattern in sorted(pages().items()):
        rule = PAGES[name]
        if rule.need == PUBLIC:
            continue
        url = page_url(name, pattern, ids)
        answer = client.post(url) if rule.write else client.get(url)
        if not (answer.status_code == 302 and answer["Location"].startswith(reverse("login"))):
            problems.append(f"page {name}: {answer.status_code}")
    for key, op in sorted(operations().items()):
        answer = call_operation(client, key, op, ids)
        if answer.status_code != 401:
            problems.append(f"API {key}: {answer.status_code}")
    assert not problems, "\n".join(problems)
