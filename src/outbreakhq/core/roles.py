"""Roles and what each may do: the one table every permission check reads (issue 7).

Least privilege: each role holds what its daily work needs, nothing "in case". The split follows
what SORMAS and Go.Data users know from the field:

- People (`person.view`, `person.change`): the field roles that meet people and register them at
  their sites (tracer, screening operator, quarantine manager, community worker) see and edit
  people in their area. Seeing a person includes their case and contact records in scope (the
  rows carry the person's name), so `person.view` is also what opens case and contact pages.
  The commander reads, never edits. Scope stays by area: a community worker's assignment is a
  township, which is the narrowing SORMAS's community informant gets.
- Cases are proposed by the field and decided by the epidemiologist, as a SORMAS hospital or
  community informant reports a case that the surveillance officer classifies. `case.propose`
  opens a case as *suspected* only, without a source link or a cluster (the rule lives in
  tracing/services/cases.py, so the API and imports obey it too); `case.manage` sets any
  classification, reclassifies, records the outcome, source links, clusters, exposures and
  visits. Who manages also proposes.
- `contact.trace`: adding and correcting contacts, handing them over to quarantine, converting a
  contact into a case, ending follow-up (lost, completed): the tracer's decisions.
- `followup.record`: the daily check of a contact, done by the tracer, the community worker who
  knocks on the door and the quarantine manager whose site holds the contact. A contact's named
  tracer must be someone who records follow-ups there.
- `person.merge`: merging duplicate records moves cases and contacts between people; as in
  SORMAS it belongs to the epidemiologist and the administrator, not to every registrar.
- `person.export`: whole line lists leave the system only with the commander, the tracer and the
  administrator. (The "exports" branch adds `pseudonym.export` for analysts.)
- The lab technician receives tubes and records their results (`result.record`): tubes carry
  barcodes, so no lab work needs a case file, names or identity numbers.
- The modules' own work: the commander plans screening, approves risk areas, overrides a rule
  with a reason and issues directives; the screening operator collects; the quarantine manager
  runs stays; the community worker handles residents' requests and stranded travellers.
- The analyst: aggregate figures only. The administrator: everything, plus the audit trail and
  the area tree.

The guide's role table (docs/guide.md) is generated from this table: `outbreakhq roles
--markdown` prints it, and tests/core/test_roles.py checks that the guide holds exactly that.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMANDER = "commander", _("Commander")
    TRACER = "tracer", _("Epidemiologist / tracer")
    SCREENING = "screening", _("Screening-site operator")
    LAB = "lab", _("Lab technician")
    QUARANTINE = "quarantine", _("Quarantine-site manager")
    COMMUNITY = "community", _("Community worker")
    ANALYST = "analyst", _("Analyst (aggregates only)")
    ADMIN = "admin", _("Administrator")


class Can(models.TextChoices):
    """Capabilities. `aggregate.view` is the only one that never touches personal data."""

    VIEW_PERSON = "person.view", _("view people and their case and contact records")
    CHANGE_PERSON = "person.change", _("register and edit people")
    MERGE_PERSON = "person.merge", _("merge duplicate records of people")
    EXPORT_PERSON = "person.export", _("export personal data")
    PROPOSE_CASE = "case.propose", _("open a suspected case (no source link, no cluster)")
    MANAGE_CASE = "case.manage", _(
        "classify and reclassify cases, record outcomes, source links, clusters, exposures "
        "and visits")
    TRACE_CONTACT = "contact.trace", _(
        "add and correct contacts, hand them over to quarantine, convert them into cases, end "
        "their follow-up")
    RECORD_FOLLOWUP = "followup.record", _("record the daily follow-up of contacts")
    VIEW_AGGREGATES = "aggregate.view", _("view aggregate figures")
    VIEW_AUDIT = "audit.view", _("browse the audit trail")
    MANAGE_AREAS = "area.manage", _("import and edit areas")
    MANAGE_ACCOUNTS = "account.manage", _("lift sign-in locks and reset two-factor devices")
    # Those whose account would do most harm in the wrong hands (core/two_factor.py).
    USE_TWO_FACTOR = "account.two_factor", _("protect their sign-in with a second factor")
    EXPORT_PSEUDONYMS = "pseudonym.export", _("export pseudonymised line lists")
    # Retention (core/outbreaks.py, core/purge.py): declare an outbreak over, reopen it, purge.
    MANAGE_RETENTION = "retention.manage", _("declare outbreaks over and purge expired records")
    # The modules of session 3 (screening, quarantine, zones, support, command centre).
    PLAN_SCREENING = "screening.plan", _("plan screening campaigns, rounds and collection sites")
    COLLECT_SAMPLES = "sample.collect", _("collect samples into tubes and ship them")
    RECORD_RESULTS = "result.record", _("receive tubes at the lab and record their results")
    MANAGE_STAYS = "stay.manage", _("run quarantine sites: place, transfer and release people")
    OVERRIDE_RULES = "rule.override", _("override a protocol rule with a written reason")
    APPROVE_ZONES = "zone.approve", _("approve or reject risk-area designations")
    MANAGE_PLACES = "place.manage", _("register key places and environmental samples")
    ACKNOWLEDGE_ALERTS = "alert.acknowledge", _("acknowledge early-warning alerts")
    HANDLE_SUPPORT = "support.handle", _(
        "take, triage and fulfil residents' support requests; issue medical passes")
    MANAGE_TRAVELLERS = "traveller.manage", _("register stranded travellers and plan departures")
    ISSUE_DIRECTIVES = "directive.issue", _("issue directives and edit situation reports")


_FIELD = {Can.VIEW_AGGREGATES, Can.VIEW_PERSON, Can.CHANGE_PERSON, Can.PROPOSE_CASE}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COMMANDER: frozenset({Can.VIEW_AGGREGATES, Can.VIEW_PERSON, Can.EXPORT_PERSON,
                               Can.EXPORT_PSEUDONYMS, Can.USE_TWO_FACTOR, Can.PLAN_SCREENING,
                               Can.OVERRIDE_RULES, Can.APPROVE_ZONES, Can.ACKNOWLEDGE_ALERTS,
                               Can.ISSUE_DIRECTIVES}),
    Role.TRACER: frozenset(_FIELD | {Can.MANAGE_CASE, Can.TRACE_CONTACT, Can.RECORD_FOLLOWUP,
                                     Can.MERGE_PERSON, Can.EXPORT_PERSON, Can.MANAGE_PLACES,
                                     Can.ACKNOWLEDGE_ALERTS}),
    Role.SCREENING: frozenset(_FIELD | {Can.COLLECT_SAMPLES}),
    # Tubes carry barcodes, not names: the lab sees no personal data.
    Role.LAB: frozenset({Can.VIEW_AGGREGATES, Can.RECORD_RESULTS}),
    Role.QUARANTINE: frozenset(_FIELD | {Can.RECORD_FOLLOWUP, Can.MANAGE_STAYS}),
    Role.COMMUNITY: frozenset(_FIELD | {Can.RECORD_FOLLOWUP, Can.HANDLE_SUPPORT,
                                        Can.MANAGE_TRAVELLERS}),
    # Pseudonymised line lists (tracing/pseudonyms.py): no names, documents or phones.
    Role.ANALYST: frozenset({Can.VIEW_AGGREGATES, Can.EXPORT_PSEUDONYMS}),
    Role.ADMIN: frozenset(set(Can)),
}


# Each field role's own work: its home page shows the panels needing this capability first
# (a quarantine manager also records follow-ups, but the site's arrivals come first).
# Command, analysts and administrators keep the jurisdiction's figures first.
HOME_FIRST: dict[str, str] = {
    Role.TRACER: Can.RECORD_FOLLOWUP, Role.SCREENING: Can.COLLECT_SAMPLES,
    Role.LAB: Can.RECORD_RESULTS, Role.QUARANTINE: Can.MANAGE_STAYS,
    Role.COMMUNITY: Can.HANDLE_SUPPORT,
}


def grants(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())


def role_table_markdown() -> str:
    """The guide's "role | may" table, one row per role, in the order of `Role`."""
    lines = ["| role | may |", "|---|---|"]
    for role in Role:
        held = [c for c in Can if c in CAPABILITIES[role]]
        lines.append(f"| {role.label} (`{role.value}`) | " + "; ".join(str(c.label) for c in held)
                     + " |")
    return "\n".join(lines) + "\n"
