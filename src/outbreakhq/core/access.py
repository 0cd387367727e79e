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


def read(need: str | tuple[str, ...]) -> Rule:
    return Rule(need)


def write(need: str | tuple[str, ...]) -> Rule:
    return Rule(need, write=True)


# Every URL name of the admin site (namespace "admin:") is STAFF_ONLY.
ADMIN_NAMESPACE = "admin"
# Operations of the API are declared in API below, by method and path; these are its pages.
API_NAMESPACE = "api"

PAGES: dict[str, Rule] = {
    "home": read(Can.VIEW_AGGREGATES),
    "login": read(PUBLIC),
    "logout": write(PUBLIC),  # signing out: harmless without a session
    "set_language": write(PUBLIC),  # Django's i18n view: a cookie, no data
    "favicon": read(PUBLIC),
    "switch_scope": write(LOGIN_ONLY),  # refuses areas outside the user's own
    "tokens": read(LOGIN_ONLY),  # the user's own API tokens
    "people": read(Can.VIEW_PERSON),
    "person": read(Can.VIEW_PERSON),
    "person_create": read(Can.CHANGE_PERSON),
    "person_edit": read(Can.CHANGE_PERSON),
    "duplicates": read(Can.MERGE_PERSON),
    "duplicate_compare": read(Can.MERGE_PERSON),
    "duplicate_merge": write(Can.MERGE_PERSON),
    "duplicate_dismiss": write(Can.MERGE_PERSON),
    "areas": read(Can.VIEW_AGGREGATES),
    "area": read(Can.VIEW_AGGREGATES),
    "area_import": read(Can.MANAGE_AREAS),
    "audit": read(Can.VIEW_AUDIT),
    "person_looked": read(Can.VIEW_AUDIT),  # older events of the "who looked" panel
    # sign-in protection (core/views_auth.py)
    "login_two_factor": read(PUBLIC),  # the code step after a correct password
    "two_factor": read(Can.USE_TWO_FACTOR),
    "sign_in_security": read(Can.MANAGE_ACCOUNTS),
    "sign_in_unlock": write(Can.MANAGE_ACCOUNTS),
    "two_factor_reset": write(Can.MANAGE_ACCOUNTS),
    # retention (core/views_retention.py); the purge page's GET is its dry run
    "retention": read(Can.MANAGE_RETENTION),
    "retention_declare": write(Can.MANAGE_RETENTION),
    "retention_reopen": write(Can.MANAGE_RETENTION),
    "retention_purge": read(Can.MANAGE_RETENTION),
    # tracing
    "cases": read(Can.VIEW_PERSON),
    "case": read(Can.VIEW_PERSON),
    "case_create": read(Can.PROPOSE_CASE),
    "case_edit": read(Can.MANAGE_CASE),
    "case_move": read(Can.MANAGE_CASE),  # the form; its POST moves after a confirmation
    "case_add_visit": write(Can.MANAGE_CASE),
    "case_add_exposure": write(Can.MANAGE_CASE),
    "case_link_source": write(Can.MANAGE_CASE),
    "case_add_contact": write(Can.TRACE_CONTACT),
    "contacts": read(Can.VIEW_PERSON),
    "contact": read(Can.VIEW_PERSON),
    "contact_edit": read(Can.TRACE_CONTACT),
    "contact_followup": write(Can.RECORD_FOLLOWUP),
    "contact_quarantine": write(Can.TRACE_CONTACT),
    "contact_lost": write(Can.TRACE_CONTACT),
    "contact_convert": write(Can.TRACE_CONTACT),
    "contact_add_secondary": write(Can.TRACE_CONTACT),
    "followups": read(Can.VIEW_PERSON),
    "followups_close": write(Can.TRACE_CONTACT),
    "chains": read(Can.VIEW_PERSON),
    "chain_graph": read(Can.VIEW_PERSON),
    # import and export
    "import": read(Can.MANAGE_CASE),
    "import_review": read(Can.MANAGE_CASE),
    "import_forget": write(LOGIN_ONLY),  # drops the user's own upload from their session
    # An export with names needs person.export; with `pseudonymised=1` it needs
    # pseudonym.export instead (tests/tracing/test_export_pseudonyms.py walks that variant).
    "export": read(Can.EXPORT_PERSON),
    "exports": read((Can.EXPORT_PERSON, Can.EXPORT_PSEUDONYMS)),  # the list of one's files
    "export_download": read(Can.EXPORT_PERSON),
    "export_delete": write(LOGIN_ONLY),  # deletes one of the user's own files
    # the API's own pages
    "api:openapi-json": read(PUBLIC),  # the schema: no data
    "api:openapi-view": read(PUBLIC),
    "api:api-root": read(PUBLIC),
}

# "METHOD /path" as in the OpenAPI schema, without the /api/v1 prefix.
API: dict[str, Rule] = {
    "GET /areas/": read(Can.VIEW_AGGREGATES),
    "GET /areas/{code}": read(Can.VIEW_AGGREGATES),
    "GET /people/": read(Can.VIEW_PERSON),
    "POST /people/": write(Can.CHANGE_PERSON),
    "GET /people/{person_id}": read(Can.VIEW_PERSON),
    "PATCH /people/{person_id}": write(Can.CHANGE_PERSON),
    "GET /people/duplicates": read(Can.MERGE_PERSON),
    "POST /people/merge": write(Can.MERGE_PERSON),
    "POST /people/duplicates/dismiss": write(Can.MERGE_PERSON),
    "GET /cases/": read(Can.VIEW_PERSON),
    "POST /cases/": write(Can.PROPOSE_CASE),  # a proposer's case: suspected, no source/cluster
    "GET /cases/{case_id}": read(Can.VIEW_PERSON),
    "PATCH /cases/{case_id}": write(Can.MANAGE_CASE),
    "PUT /cases/{case_id}/source": write(Can.MANAGE_CASE),
    "POST /cases/{case_id}/move": write(Can.MANAGE_CASE),  # issue 13: the daily figures follow
    "GET /cases/{case_id}/visits": read(Can.VIEW_PERSON),
    "POST /cases/{case_id}/visits": write(Can.MANAGE_CASE),
    "POST /cases/{case_id}/exposures": write(Can.MANAGE_CASE),
    "POST /cases/{case_id}/contacts": write(Can.TRACE_CONTACT),
    "GET /contacts/": read(Can.VIEW_PERSON),
    "GET /contacts/{contact_id}": read(Can.VIEW_PERSON),
    "PATCH /contacts/{contact_id}": write(Can.TRACE_CONTACT),
    "POST /contacts/{contact_id}/lost": write(Can.TRACE_CONTACT),
    "POST /contacts/{contact_id}/contacts": write(Can.TRACE_CONTACT),
    "GET /contacts/{contact_id}/followups": read(Can.VIEW_PERSON),
    "POST /contacts/{contact_id}/followups": write(Can.RECORD_FOLLOWUP),
    "POST /contacts/{contact_id}/quarantine": write(Can.TRACE_CONTACT),
    "POST /contacts/{contact_id}/convert": write(Can.TRACE_CONTACT),
    "GET /followups/due": read(Can.VIEW_PERSON),
    "GET /followups/overdue": read(Can.VIEW_PERSON),
    "POST /followups/close": write(Can.TRACE_CONTACT),
    "GET /chains/": read(Can.VIEW_PERSON),
    "GET /chains/graph": read(Can.VIEW_PERSON),
    "POST /imports/{kind}": write(Can.MANAGE_CASE),  # kind contacts: contact.trace
    "GET /imports/jobs/{token}": read(LOGIN_ONLY),  # the user's own upload; others' are 404
    "GET /exports/{kind}": read(Can.EXPORT_PERSON),  # pseudonymised=true: pseudonym.export
}


def declare(*, pages: dict[str, Rule] | None = None, api: dict[str, Rule] | None = None) -> None:
    """A module's own rules, declared from its AppConfig.ready() (screening/access.py and the
    like): the same table, kept beside the module's code. A name declared twice with two
    different rules is a mistake and fails at start-up."""
    for table, entries in ((PAGES, pages or {}), (API, api or {})):
        for key, rule in entries.items():
            if table.setdefault(key, rule) != rule:
                raise ValueError(f"access rule for {key!r} declared twice, differently")


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
