"""Who may call what: every page (Django URL name) and every API operation, with the capability
it needs (core/roles.py) or one of PUBLIC, LOGIN_ONLY, STAFF_ONLY.

This table is a declaration, not the enforcement: the services refuse (core/services.py
`require`, `require_role`, the scoped fetches), so a page hiding a button is never the only
guard. tests/core/test_access.py walks every URL pattern and every operation of the OpenAPI
schema for one user of each role and checks the answers against this table, so an endpoint
added without a decision here fails the suite, and so does a decision the code does not keep.

`write=True`: the endpoint changes something and is probed with a POST (pages) or its own
method (API) and a minimal body; otherwise a GET. A form page that is read with GET and
posted to the same URL is declared by what its GET needs (the POST runs the same service).
Records outside the user's scope answer 404 (issue 7 item 1); a role that lacks the
capability everywhere answers 403 or 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from outbreakhq.core.roles import Can, grants

PUBLIC = "public"
LOGIN_ONLY = "login only"  # any signed-in user, whatever their roles (their own settings)
STAFF_ONLY = "django admin: staff only"  # Django's own is_staff check


@dataclass(frozen=True)
class Rule:
    # A capability code, PUBLIC, LOGIN_ONLY or STAFF_ONLY; or a tuple of capabilities, any of
    # which opens the endpoint (the exports page: personal or pseudonymised lists).
    need: str | tuple[str, ...]
    write: bool = False

    def open_to(self, role: str) -> bool:
        """Whether a role's capabilities open this endpoint (capability rules only)."""
        needs = self.need if isinstance(self.need, tuple) else (self.need,)
        return any(grants(role, need) for need in needs)


def _read(need: str) -> Rule:
    return Rule(need)


def _write(need: str) -> Rule:
    return Rule(need, write=True)


# Every URL name of the admin site (namespace "admin:") is STAFF_ONLY.
ADMIN_NAMESPACE = "admin"
# Operations of the API are declared in API below, by method and path; these are its pages.
API_NAMESPACE = "api"

PAGES: dict[str, Rule] = {
    "home": _read(Can.VIEW_AGGREGATES),
    "login": _read(PUBLIC),
    "logout": _write(PUBLIC),  # signing out: harmless without a session
    "set_language": _write(PUBLIC),  # Django's i18n view: a cookie, no data
    "favicon": _read(PUBLIC),
    "switch_scope": _write(LOGIN_ONLY),  # refuses areas outside the user's own
    "tokens": _read(LOGIN_ONLY),  # the user's own API tokens
    "people": _read(Can.VIEW_PERSON),
    "person": _read(Can.VIEW_PERSON),
    "person_create": _read(Can.CHANGE_PERSON),
    "person_edit": _read(Can.CHANGE_PERSON),
    "duplicates": _read(Can.MERGE_PERSON),
    "duplicate_compare": _read(Can.MERGE_PERSON),
    "duplicate_merge": _write(Can.MERGE_PERSON),
    "duplicate_dismiss": _write(Can.MERGE_PERSON),
    "areas": _read(Can.VIEW_AGGREGATES),
    "area": _read(Can.VIEW_AGGREGATES),
    "area_import": _read(Can.MANAGE_AREAS),
    "audit": _read(Can.VIEW_AUDIT),
    "person_looked": _read(Can.VIEW_AUDIT),  # older events of the "who looked" panel
    # sign-in protection (core/views_auth.py)
    "login_two_factor": _read(PUBLIC),  # the code step after a correct password
    "two_factor": _read(Can.USE_TWO_FACTOR),
    "sign_in_security": _read(Can.MANAGE_ACCOUNTS),
    "sign_in_unlock": _write(Can.MANAGE_ACCOUNTS),
    "two_factor_reset": _write(Can.MANAGE_ACCOUNTS),
    # retention (core/views_retention.py); the purge page's GET is its dry run
    "retention": _read(Can.MANAGE_RETENTION),
    "retention_declare": _write(Can.MANAGE_RETENTION),
    "retention_reopen": _write(Can.MANAGE_RETENTION),
    "retention_purge": _read(Can.MANAGE_RETENTION),
    # tracing
    "cases": _read(Can.VIEW_PERSON),
    "case": _read(Can.VIEW_PERSON),
    "case_create": _read(Can.PROPOSE_CASE),
    "case_edit": _read(Can.MANAGE_CASE),
    "case_add_visit": _write(Can.MANAGE_CASE),
    "case_add_exposure": _write(Can.MANAGE_CASE),
    "case_link_source": _write(Can.MANAGE_CASE),
    "case_add_contact": _write(Can.TRACE_CONTACT),
    "contacts": _read(Can.VIEW_PERSON),
    "contact": _read(Can.VIEW_PERSON),
    "contact_edit": _read(Can.TRACE_CONTACT),
    "contact_followup": _write(Can.RECORD_FOLLOWUP),
    "contact_quarantine": _write(Can.TRACE_CONTACT),
    "contact_lost": _write(Can.TRACE_CONTACT),
    "contact_convert": _write(Can.TRACE_CONTACT),
    "contact_add_secondary": _write(Can.TRACE_CONTACT),
    "followups": _read(Can.VIEW_PERSON),
    "followups_close": _write(Can.TRACE_CONTACT),
    "chains": _read(Can.VIEW_PERSON),
    "chain_graph": _read(Can.VIEW_PERSON),
    # import and export
    "import": _read(Can.MANAGE_CASE),
    "import_review": _read(Can.MANAGE_CASE),
    "import_forget": _write(LOGIN_ONLY),  # drops the user's own upload from their session
    # An export with names needs person.export; with `pseudonymised=1` it needs
    # pseudonym.export instead (tests/tracing/test_export_pseudonyms.py walks that variant).
    "export": _read(Can.EXPORT_PERSON),
    "exports": _read((Can.EXPORT_PERSON, Can.EXPORT_PSEUDONYMS)),  # the list of one's files
    "export_download": _read(Can.EXPORT_PERSON),
    "export_delete": _write(LOGIN_ONLY),  # deletes one of the user's own files
    # the API's own pages
    "api:openapi-json": _read(PUBLIC),  # the schema: no data
    "api:openapi-view": _read(PUBLIC),
    "api:api-root": _read(PUBLIC),
}

# "METHOD /path" as in the OpenAPI schema, without the /api/v1 prefix.
API: dict[str, Rule] = {
    "GET /areas/": _read(Can.VIEW_AGGREGATES),
    "GET /areas/{code}": _read(Can.VIEW_AGGREGATES),
    "GET /people/": _read(Can.VIEW_PERSON),
    "POST /people/": _write(Can.CHANGE_PERSON),
    "GET /people/{person_id}": _read(Can.VIEW_PERSON),
    "PATCH /people/{person_id}": _write(Can.CHANGE_PERSON),
    "GET /people/duplicates": _read(Can.MERGE_PERSON),
    "POST /people/merge": _write(Can.MERGE_PERSON),
    "POST /people/duplicates/dismiss": _write(Can.MERGE_PERSON),
    "GET /cases/": _read(Can.VIEW_PERSON),
    "POST /cases/": _write(Can.PROPOSE_CASE),  # a proposer's case: suspected, no source/cluster
    "GET /cases/{case_id}": _read(Can.VIEW_PERSON),
    "PATCH /cases/{case_id}": _write(Can.MANAGE_CASE),
    "PUT /cases/{case_id}/source": _write(Can.MANAGE_CASE),
    "GET /cases/{case_id}/visits": _read(Can.VIEW_PERSON),
    "POST /cases/{case_id}/visits": _write(Can.MANAGE_CASE),
    "POST /cases/{case_id}/exposures": _write(Can.MANAGE_CASE),
    "POST /cases/{case_id}/contacts": _write(Can.TRACE_CONTACT),
    "GET /contacts/": _read(Can.VIEW_PERSON),
    "GET /contacts/{contact_id}": _read(Can.VIEW_PERSON),
    "PATCH /contacts/{contact_id}": _write(Can.TRACE_CONTACT),
    "POST /contacts/{contact_id}/lost": _write(Can.TRACE_CONTACT),
    "POST /contacts/{contact_id}/contacts": _write(Can.TRACE_CONTACT),
    "GET /contacts/{contact_id}/followups": _read(Can.VIEW_PERSON),
    "POST /contacts/{contact_id}/followups": _write(Can.RECORD_FOLLOWUP),
    "POST /contacts/{contact_id}/quarantine": _write(Can.TRACE_CONTACT),
    "POST /contacts/{contact_id}/convert": _write(Can.TRACE_CONTACT),
    "GET /followups/due": _read(Can.VIEW_PERSON),
    "GET /followups/overdue": _read(Can.VIEW_PERSON),
    "POST /followups/close": _write(Can.TRACE_CONTACT),
    "GET /chains/": _read(Can.VIEW_PERSON),
    "GET /chains/graph": _read(Can.VIEW_PERSON),
    "POST /imports/{kind}": _write(Can.MANAGE_CASE),  # kind contacts: contact.trace
    "GET /imports/jobs/{token}": _read(LOGIN_ONLY),  # the user's own upload; others' are 404
    "GET /exports/{kind}": _read(Can.EXPORT_PERSON),  # pseudonymised=true: pseudonym.export
}


def page_rule(url_name: str) -> Rule | None:
    """The declared rule of a page (admin pages by their namespace); None if undeclared."""
    if url_name.split(":", 1)[0] == ADMIN_NAMESPACE and ":" in url_name:
        return Rule(STAFF_ONLY)
    return PAGES.get(url_name)


def markdown() -> str:
    """The table for docs: one row per page and API operation with what it needs."""
    lines = ["| endpoint | needs |", "|---|---|"]
    lines += [f"| page `{name}` | {_needs(rule)} |" for name, rule in PAGES.items()]
    lines += [f"| API `{op}` | {_needs(rule)} |" for op, rule in API.items()]
    return "\n".join(lines) + "\n"


def _needs(rule: Rule) -> str:
    return " or ".join(rule.need) if isinstance(rule.need, tuple) else rule.need
