"""Committing a checked import, set-based: the whole batch's new people, cases and contacts are
inserted in one pass each (core/bulk.py: COPY on PostgreSQL, executemany on SQLite), with one
audit event per record as the services write them.

Runs inside run_import's transaction. The plan has checked every row against the database; the
services' rules that remain (a new person's document, the follow-up window, the protocol) are
applied here to the whole batch through tracing/importer/rules.py, and every refused row is reported
with its column before anything is written. Corrections of stored cases and
contacts (updates.py), source links and exposures (links.py) are written in one pass each too,
with the same rules; a refusal there (a race with another user since the plan) names the row,
and the whole batch rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from outbreakhq.core import bulk, events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError, FieldError, InvalidInput
from outbreakhq.core.events import CasesImported, ContactsImported, ImportedRecord, PeopleImported
from outbreakhq.core.models import Person
from outbreakhq.interop.pipeline import ImportResult, Plan
from outbreakhq.interop.rows import Row
from outbreakhq.tracing.importer import links, rules, sources, updates
from outbreakhq.tracing.models import Case, Contact, ContactCategory, Outcome, Severity

CONTACT_KEYS = ("contact_type", "last_exposure")
PERSON_KEYS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "address")
CASE_KEYS = ("external_id", "classification", "onset_date", "sampling_date", "report_date",
             "detection_route", "severity", "outcome", "outcome_date")
# Service field names that differ from the import's columns.
SERVICE_FIELD = {"person": "name", "setting": "exposure_type"}


def _row_errors(exc: AppError, row: Row, columns: dict[str, str]) -> list[FieldError]:
    return [FieldError(columns.get(SERVICE_FIELD.get(e.field, e.field), e.field),
                       str(e.message), row.number) for e in exc.errors] or \
        [FieldError("", str(exc.message), row.number)]


@contextmanager
def at_row(row: Row, columns: dict[str, str]) -> Iterator[None]:
    try:
        yield
    except AppError as exc:
        raise InvalidInput(_("Nothing was imported: row %(row)d was refused.")
                           % {"row": row.number}, _row_errors(exc, row, columns)) from None


class Batch:
    """What one commit writes: new people (registered once per document or "#N" of the file),
    the rows' refusals, and the records to insert once every row has passed."""

    def __init__(self, actor: Actor, columns: dict[str, str]):
        self.actor, self.columns = actor, columns
        self.seen: dict[tuple[str, str], Person] = {}
        self.new_people: list[Person] = []
        self.errors: list[FieldError] = []
        self.matched = 0
        self.new_person = bulk.maker(Person)  # Person(**values), faster for a batch's thousands

    def refuse(self, row: Row, key: str, message: str) -> None:
        self.errors.append(FieldError(self.columns.get(key, key), message, row.number))

    @staticmethod
    def key(row: Row) -> tuple[str, str] | None:
        """The document, else the exported person record number ("#12"), which ties the
        rows of one person without a document together in a file from another database."""
        number = row.values.get("id_number")
        if number:
            return (str(row.values.get("id_type")), str(number))
        return ("person", str(row.values["person"])) if row.values.get("person") else None

    def person(self, row: Row) -> Person | None:
        """The row's person: matched by the checks, registered by an earlier row of this
        file, or new (checked by register_person's rules, inserted by `write`)."""
        key = self.key(row)
        person = row.refs.get("person") or self.seen.get(key)
        if person is not None:
            self.matched += 1
            return person
        given = row.values
        data = {k: v for k in PERSON_KEYS if (v := given.get(k)) is not None and v != ""}
        # A de-identified line list has no names (issue 14): every other rule of
        # register_person applies; the person is shown by the case's external id, and
        # de-duplication leaves people without a name alone (core/dedup.py).
        nameless = "name" not in data
        data["home_area"] = row.refs["area"]
        if nameless:
            data["name"] = "-"
        try:
            # The document was validated and normalised as the file was read (interop/rows.py,
            # the same identity.normalise_document): not a second time for each row.
            values = rules.new_person_values(data, document_normalised=True)
        except AppError as exc:
            self.errors += _row_errors(exc, row, self.columns)
            return None
        if nameless:
            values["name"] = ""
        values.pop("key_groups", None)
        person = self.new_person(tenant_id=values["home_area"].tenant_id, **values)
        self.new_people.append(person)
        if key is not None:
            self.seen[key] = person
        return person

    def check(self) -> None:
        if self.errors:
            raise InvalidInput(_("Nothing was imported; correct these rows."),
                               sorted(self.errors, key=lambda e: (e.row or 0, e.field)))

    def write(self, model, records: list, detail=None) -> None:
        """Insert the batch's new people, then `records`, each with its audit event (`detail`:
        what the event notes of a record, none by default)."""
        if self.new_people:
            bulk.insert_models(self.new_people)
            events.publish(PeopleImported(actor=self.actor, records=tuple(
                ImportedRecord(p.id, p) for p in self.new_people)))
            self.new_people = []
        bulk.insert_models(records)
        imported = {Case: CasesImported, Contact: ContactsImported}[model]
        events.publish(imported(actor=self.actor, records=tuple(
            ImportedRecord(r.id, r.person, r.area, detail(r) if detail else None)
            for r in records)))


def write_plan(*, actor: Actor, plan: Plan) -> ImportResult:
    writer = {"cases": _write_cases, "contacts": _write_contacts, "links": _write_links}
    return writer[plan.kind](actor, plan)


def _write_cases(actor: Actor, plan: Plan) -> ImportResult:
    batch = Batch(actor, plan.columns)
    created: dict[str, Case] = {}
    new_case = bulk.maker(Case)  # Case(**values), faster for a batch's thousands
    created_by = actor.user if actor.is_authenticated else None
    for row in plan.rows:
        if row.refs.get("record") is None:
            person = batch.person(row)
            given = row.values
            values = {k: v for k in CASE_KEYS if (v := given.get(k)) is not None and v != ""}
            # Nothing invented: a file that does not say how the case went says "unknown".
            values.setdefault("outcome", Outcome.UNKNOWN)
            values.setdefault("severity", Severity.UNKNOWN)
            if person is not None:
                created[row.values["external_id"]] = new_case(
                    tenant_id=person.tenant_id, area=person.home_area, person=person,
                    created_by=created_by, **values)
    batch.check()
    registered = len(batch.new_people)
    earlier = plan.carried.setdefault("cases", {})
    bulk.assign_ids(list(created.values()))
    # A new case's source goes in with the case (the plan refused cycles), whether it is
    # stored or further down the file: the ids were assigned before anything is written.
    named = _named(plan, created)
    for row in plan.rows:
        case, source = created.get(row.values["external_id"]), row.values.get("source_case")
        if case is None or not source:
            continue
        infector = named.get(source) or row.refs.get("source_case")
        if infector is not None:
            case.source_case_id = infector.id
        else:  # not a case here (or its row was refused in a partial run): kept, unresolved
            case.source_external_id = source
    # A stored person's number is the case's person_id already; a new person has none yet
    # (insert_models numbers them), so was no contact then.
    found = rules.under_control_when_found(
        (c.person_id, c.report_date) for c in created.values() if c.person_id is not None)
    for case in created.values():
        case.under_control_when_found = (case.person_id, case.report_date) in found
    batch.write(Case, list(created.values()))
    earlier.update(created)  # for the file's later batches (SQLite: pipeline.commit_plan)
    _change_stored_cases(actor, plan, named, fresh={c.id for c in created.values()})
    _candidates(actor, plan, named)
    if created:
        sources.resolve(actor, next(iter(created.values())).tenant_id, created.values())
    return ImportResult(plan.counts.get("create", 0), plan.counts.get("update", 0),
                        plan.counts.get("unchanged", 0), registered, batch.matched)


def _named(plan: Plan, created: dict[str, Case]) -> dict[str, Case]:
    """The file's cases by the id the file gives them: stored ones it updates, new ones, and
    those the file's earlier batches wrote (the plan found them in the file, not stored)."""
    return plan.carried.get("cases", {}) | {
        row.values["external_id"]: row.refs["record"] for row in plan.rows
        if row.refs.get("record") is not None} | created


def _change_stored_cases(actor: Actor, plan: Plan, named: dict[str, Case],
                         fresh: set[int]) -> None:
    """Stored cases the file corrects or links to a new source, and the rows' exposures, one
    pass each (updates.py, links.py): corrections first, then links, as the services did."""
    updates.update_cases(actor, plan.rows, CASE_KEYS, plan.columns)
    linked, exposed, unlisted = [], [], []
    for row in plan.rows:
        record, source = row.refs.get("record"), row.values.get("source_case")
        infector = named.get(source or "") or row.refs.get("source_case")
        if record is not None and source and infector is not None:
            linked.append((row, record, infector))
        elif record is not None and source:
            unlisted.append((record, source))
        # Every exposure the file gives is stored, with or without a source case.
        case = record or named.get(row.values["external_id"])
        if case is not None and (row.values.get("exposure_date") or
                                 row.values.get("exposure_type")):
            exposed.append((case, row, "exposure_date"))
    links.link_sources(actor, linked, plan.columns, key="source_case")
    sources.set_unlisted(actor, unlisted)
    links.add_exposures(actor, exposed, fresh)


def _candidates(actor: Actor, plan: Plan, named: dict[str, Case]) -> None:
    """The possible infectors of the rows that name several, the first the most likely."""
    wanted = {}
    for row in plan.rows:
        names = row.values.get("candidates")
        case = named.get(row.values["external_id"])
        if not names or case is None:
            continue
        stored = dict(zip(names, row.refs.get("candidates") or [None] * len(names),
                          strict=True))
        wanted[case] = [(name, named.get(name) or stored.get(name)) for name in names]
    sources.save_candidates(actor, wanted)


def _write_contacts(actor: Actor, plan: Plan) -> ImportResult:
    batch = Batch(actor, plan.columns)
    # Close contacts the file's earlier batches wrote (SQLite: pipeline.commit_plan) are the
    # sources of its contacts of close contacts here as if they were in this batch.
    earlier = plan.carried.setdefault("contacts", {})
    created: dict[str, Contact] = dict(earlier)
    teams = rules.Teams(actor.user if actor.is_authenticated else None)
    # Close contacts first: a contact of a close contact may name one further down the file.
    for row in sorted(plan.rows, key=lambda r: r.values["category"] == ContactCategory.SECONDARY):
        if row.refs.get("record") is None:
            contact = _new_contact(batch, row, created, teams)
            if contact is not None:
                created[row.values["external_id"]] = contact
    batch.check()
    registered = len(batch.new_people)
    new = [c for key, c in created.items() if key not in earlier]
    batch.write(Contact, new, detail=lambda c: {
        "category": c.category, "case": c.source_case_id, "source_contact": c.source_contact_id})
    earlier.update(created)
    updates.update_contacts(actor, plan.rows, CONTACT_KEYS, plan.columns)
    return ImportResult(plan.counts.get("create", 0), plan.counts.get("update", 0),
                        plan.counts.get("unchanged", 0), registered, batch.matched)


def _new_contact(batch: Batch, row: Row, created: dict[str, Contact],
                 teams: rules.Teams) -> Contact | None:
    """A new contact of the batch, with add_contact's and add_secondary_contact's rules."""
    values, category = row.values, row.values["category"]
    case, source = row.refs.get("source_case"), None
    if category == ContactCategory.SECONDARY:
        case = None
        source = created.get(values["source_contact"]) or row.refs.get("source_contact")
        if source is None:  # its own row was refused (reported): nothing to check against
            return None
        if not rules.traces_contacts_of_contacts():
            batch.refuse(row, "category", _("the protocol in force does not trace contacts of "
                                            "close contacts"))
        elif source.category != ContactCategory.CLOSE:
            batch.refuse(row, "source_contact", _("only a close contact's contacts are traced"))
    try:
        start, end = rules.followup_window(category, values["last_exposure"])
    except AppError as exc:
        batch.errors += _row_errors(exc, row, batch.columns)
        return None
    person = batch.person(row)
    if person is None:
        return None
    return bulk.maker(Contact)(
        tenant_id=person.tenant_id, area=person.home_area, person=person, category=category,
        source_case=case, source_contact=source, followup_start=start, followup_end=end,
        tracer=teams.tracer, team=teams.of(person.home_area), external_id=values["external_id"],
        contact_type=values["contact_type"], last_exposure=values["last_exposure"])


def _write_links(actor: Actor, plan: Plan) -> ImportResult:
    """The file's links in one pass, then its exposures in one pass (tracing/importer/links.py):
    each case's most likely infector is its source (or, when that infector is not a case here,
    its unresolved source); several possible infectors are kept as candidates."""
    likely = [row for row in plan.rows if row.refs.get("most_likely")]
    links.link_sources(actor, [(row, row.refs["infectee"], row.refs["infector"])
                               for row in likely if "infector" in row.refs], plan.columns)
    sources.set_unlisted(actor, [(row.refs["infectee"], row.refs["unlisted"])
                                 for row in likely if "unlisted" in row.refs])
    sources.save_candidates(actor, {
        row.refs["infectee"]: [(r.values["infector"], r.refs.get("infector"))
                               for r in _in_order(row)]
        for row in likely if row.refs.get("candidates")})
    links.add_exposures(actor, [(row.refs["infectee"], row, "date") for row in plan.rows])
    return ImportResult(plan.counts.get("create", 0), plan.counts.get("update", 0),
                        plan.counts.get("unchanged", 0))


def _in_order(likely: Row) -> list[Row]:
    """A case's rows in a links file, the most likely first (plan.candidate_names' order)."""
    return [likely] + [r for r in likely.refs["candidates"] if r is not likely]
