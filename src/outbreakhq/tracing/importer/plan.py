"""Tracing's checks of a whole file against the database (cases, contacts, links): which rows
create, update or leave a record unchanged, and every row the services would refuse, with the
file's column. Reads only; the lookups are batched (checks.py). Registered in __init__.py.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.interop.registry import Checked
from outbreakhq.interop.rows import Row
from outbreakhq.tracing import rules
from outbreakhq.tracing.importer.checks import (
    Chains,
    Checker,
    chunks,
    contact_is_the_case,
    exposed_after_report,
    ref_of,
    split_ids,
)
from outbreakhq.tracing.models import CandidateInfector, Case, Contact, ContactCategory

CASE_FIELDS = ("classification", "onset_date", "sampling_date", "report_date",
               "detection_route", "severity", "outcome", "outcome_date")
CONTACT_FIELDS = ("contact_type", "last_exposure")


def checks_of(kind: str, capability: str):
    """The importer's `check` for one kind: the batch's checks, as Checked."""
    step = {"cases": _check_cases, "contacts": _check_contacts, "links": _check_links}[kind]

    def check(*, actor: Actor, rows: list[Row], columns: dict[str, str],
              area: Area | None) -> Checked:
        checker = Checker(actor=actor, columns=columns, area=area, capability=capability)
        step(checker, rows)
        return Checked(checker.errors, checker.tenant_id)

    return check


def _check_records(checker: Checker, rows: list[Row], model) -> bool:
    """The checks every cases or contacts file starts with: ids unique in the file, areas, then
    (once the tenant is known) the stored records the rows update and the people they name.
    False when no tenant is known, so nothing stored can be looked up."""
    checker.unique(rows, "external_id")
    checker.areas(rows)
    if checker.tenant_id is None:
        return False
    checker.existing(rows, model)
    checker.people(rows)
    return True


def _sources(rows: list[Row]) -> None:
    """A source cell may name several possible infectors ("A; B; C"): the first is the most
    likely (the case's source, which the chains follow), all are kept as candidates. The
    other possible infectors may also come in their own column (`other_candidate_sources`, as
    our export writes them): they follow the source cell's."""
    for row in rows:
        names = split_ids(row.values.get("source_case"))
        names += [n for n in split_ids(row.values.pop("other_candidate_sources", None))
                  if n not in names]
        if len(names) > 1:
            row.values["candidates"] = names
        if names:
            row.values["source_case"] = names[0]


def _check_cases(checker: Checker, rows: list[Row]) -> None:
    _sources(rows)
    if not _check_records(checker, rows, Case):
        return
    in_file = {r.values.get("external_id") for r in rows} - {None, ""}
    checker.source_cases(rows, "source_case", in_file=in_file, unlisted=True)
    for row in rows:
        own = row.values.get("external_id")
        if own and own in row.values.get("candidates", ())[1:]:
            checker.error(row, "source_case", _("a case cannot be its own source"))
    chains = Chains(checker.tenant_id)
    for row in rows:
        source, own = row.values.get("source_case"), row.values.get("external_id")
        # Only links between cases the user may see (or the file's own) are walked: a cycle
        # through a case answered as unknown, or an id taken elsewhere, would tell about it.
        known = source in in_file or "source_case" in row.refs
        if source and own and source == own:
            checker.error(row, "source_case", _("a case cannot be its own source"))
        elif source and own and known and "taken" not in row.refs and \
                not chains.link(own, source):
            checker.error(row, "source_case", _(
                "%(source)s was itself infected, directly or through others, by %(case)s: the "
                "link would make a cycle") % {"source": source, "case": own})
    stored = _stored_candidates(rows)
    for row in rows:
        _set_action(row, row.refs.get("record"), CASE_FIELDS)
        record = row.refs.get("record")
        source = row.values.get("source_case")
        if record is None or not source:
            continue
        if "unlisted" in row.refs:
            # Not (yet) a case here: kept as the unresolved source, unless a source is stored
            # (an import never erases a link others recorded).
            if record.source_case is None and record.source_external_id != source:
                row.changes.append("source_external_id")
        elif record.source_case is None or ref_of(record.source_case) != source:
            row.changes.append("source_case")
        if row.values.get("candidates") and \
                stored.get(record.pk, []) != row.values["candidates"]:
            row.changes.append("candidates")
        if row.changes:
            row.action = "update"


def _stored_candidates(rows: list[Row]) -> dict[int, list[str]]:
    """The candidate infectors stored for the rows' records, in the file's order of then."""
    pks = [r.refs["record"].pk for r in rows
           if r.refs.get("record") is not None and r.values.get("candidates")]
    found: dict[int, list[str]] = {}
    for chunk in chunks(pks):
        for case_id, external_id in CandidateInfector.objects.filter(case_id__in=chunk) \
                .order_by("case_id", "position").values_list("case_id", "external_id"):
            found.setdefault(case_id, []).append(external_id)
    return found


def _set_action(row: Row, record, keys: tuple[str, ...]) -> None:
    """create, or update listing the changed fields, or unchanged. A blank optional cell keeps
    the stored value: an import adds what it knows and never erases what others recorded."""
    if record is None:
        row.action = "create"
        return
    row.changes = [k for k in keys if row.values.get(k) not in (None, "")
                   and getattr(record, k) != row.values[k]]
    row.action = "update" if row.changes else "unchanged"


def _check_contacts(checker: Checker, rows: list[Row]) -> None:
    if not _check_records(checker, rows, Contact):
        return
    checker.source_cases(rows, "source_case", in_file=set())
    checker.repeated_contacts(rows)
    contacts_in_file = {r.values.get("external_id"): r for r in rows}
    stored_sources = checker.visible(checker.stored(
        Contact, (r.values.get("source_contact") for r in rows)))  # outside the scope: unknown
    lookback = protocols.current().tracing.lookback_days_before_onset
    for row in rows:
        _check_contact_row(checker, row, contacts_in_file, stored_sources, lookback)


def _check_contact_row(checker: Checker, row: Row, in_file: dict, stored: dict,
                       lookback: int) -> None:
    values = row.values
    source_contact = values.get("source_contact")
    if not values.get("category"):
        values["category"] = ContactCategory.SECONDARY if source_contact else \
            ContactCategory.CLOSE
    if values["category"] == ContactCategory.SECONDARY:
        if not source_contact:
            checker.error(row, "source_contact" if "source_contact" in checker.columns
                          else "category", _("a contact of a close contact needs the id of "
                                             "that close contact (source contact)"))
        elif source_contact not in in_file and source_contact not in stored:
            checker.error(row, "source_contact", _("unknown source contact %(id)r")
                          % {"id": source_contact})
        elif source_contact in stored:
            row.refs["source_contact"] = stored[source_contact]
    elif not values.get("source_case") and "source_case" not in row.refs:
        checker.error(row, "source_case", _("is empty: a close contact needs its source case"))
    case = row.refs.get("source_case")
    _may_trace(checker, row, case, row.refs.get("source_contact"))
    if case is not None:
        if contact_is_the_case(row, case):
            checker.error(row, "id_number" if values.get("id_number") else "source_case", _(
                "this person is the source case %(id)s: a case cannot be its own contact")
                % {"id": ref_of(case)})
        if exposed_after_report(row, "last_exposure", case.report_date):
            checker.error(row, "last_exposure", _(
                "exposure after the report date of case %(id)s (%(date)s)")
                % {"id": ref_of(case), "date": case.report_date.isoformat()})
        start = rules.infectious_from(case.onset_date, case.sampling_date, lookback_days=lookback)
        exposed = values.get("last_exposure")
        if rules.exposed_before_infectious(exposed, start):
            checker.error(row, "last_exposure", _(
                "%(date)s is before case %(id)s could infect anyone (from %(start)s)") % {
                "date": exposed.isoformat(), "id": ref_of(case), "start": start.isoformat()})
    _contact_action(checker, row)


def _may_trace(checker: Checker, row: Row, case: Case | None, source: Contact | None) -> None:
    """add_contact and add_secondary_contact need contact.trace where the source lies: a
    source the user may see but not trace from is named, as a link's infectee is."""
    for key, record in (("source_case", case), ("source_contact", source)):
        if record is not None and not checker.may(Can.TRACE_CONTACT, record.area):
            checker.error(row, key, _("you may see %(id)s but not change it")
                          % {"id": ref_of(record)})


def _contact_action(checker: Checker, row: Row) -> None:
    """Type and last exposure of a stored contact are corrected by an update; its category and
    source define the contact (the services keep them), so a row that differs there is refused."""
    record = row.refs.get("record")
    _set_action(row, record, CONTACT_FIELDS)
    if record is None:
        return
    fixed = []
    source = row.values.get("source_case")
    if source and (record.source_case is None or ref_of(record.source_case) != source):
        fixed.append("source_case")
    if row.values["category"] != record.category:
        fixed.append("category")
    if fixed:
        checker.error(row, "external_id", _(
            "contact %(id)s is stored with another %(fields)s, which define the contact; give "
            "this row a new id if it is another contact") % {
            "id": ref_of(record), "fields": ", ".join(fixed)})


def _check_links(checker: Checker, rows: list[Row]) -> None:
    """Each row links an infectee (a case here) to its infector: a case here, or one the list
    names but nobody imported (kept on the infectee as its unresolved source). Several rows may
    name one infectee: its possible infectors, the most likely being the first or the row whose
    most_likely column says yes; the chains follow that one."""
    checker.tenant_for_links()
    names = {r.values.get(k) for r in rows for k in ("infector", "infectee")}
    stored = checker.visible(checker.stored(Case, names - {None, ""}))  # others are unknown
    chains = Chains(checker.tenant_id)
    by_infectee: dict[str, list[Row]] = {}
    for row in rows:
        infector, infectee = (stored.get(row.values.get(k) or "") for k in ("infector",
                                                                             "infectee"))
        if row.values.get("infectee") and infectee is None:
            checker.error(row, "infectee", _(
                "no case %(id)r here that you may see: a transmission list links cases "
                "already imported, so import the line list first, or correct the id")
                % {"id": row.values["infectee"]})
        if infectee is None:
            continue
        row.refs.update(infectee=infectee)
        if infector is not None:
            row.refs["infector"] = infector
        elif row.values.get("infector"):
            row.refs["unlisted"] = row.values["infector"]
        by_infectee.setdefault(ref_of(infectee), []).append(row)
    for name, group in by_infectee.items():
        chosen = [r for r in group if r.values.get("most_likely") == "yes"]
        if len(chosen) > 1:
            for row in chosen[1:]:
                checker.error(row, "most_likely", _(
                    "case %(id)s already has its most likely infector in row %(row)d")
                    % {"id": name, "row": chosen[0].number})
        likely = chosen[0] if chosen else group[0]
        infectors = [r.values.get("infector") for r in group]
        for row in group:
            if row is not likely and infectors.count(row.values.get("infector")) > 1 and \
                    infectors.index(row.values.get("infector")) < group.index(row):
                checker.error(row, "infector", _("repeats the link of row %(row)d") % {
                    "row": group[infectors.index(row.values.get("infector"))].number})
        likely.refs["most_likely"] = True
        if len(group) > 1:
            likely.refs["candidates"] = group
        _check_link_row(checker, likely, likely.refs.get("infector"), likely.refs["infectee"],
                        chains)
        for row in group:
            if row is not likely:
                _check_other_link(checker, row)


def _check_other_link(checker: Checker, row: Row) -> None:
    """A possible infector that is not the most likely: recorded on the case, not in the
    chains (so no cycle to check), with the date rules of any link."""
    infectee = row.refs["infectee"]
    if not checker.may(Can.MANAGE_CASE, infectee.area):
        checker.error(row, "infectee", _("you may see case %(id)s but not change it")
                      % {"id": ref_of(infectee)})
    if infectee.pk == getattr(row.refs.get("infector"), "pk", None):
        checker.error(row, "infector", _("a case cannot be its own source"))
    if rules.after(row.values.get("date"), infectee.report_date):
        checker.error(row, "date", _("exposure after the report date of case %(id)s (%(date)s)")
                      % {"id": ref_of(infectee), "date": infectee.report_date.isoformat()})
    row.action = "unchanged"


def candidate_names(likely: Row) -> list[str]:
    """A links file's possible infectors of one case: the most likely first, then the others
    in the file's order."""
    group = likely.refs.get("candidates") or [likely]
    return [likely.values["infector"]] + [r.values["infector"] for r in group
                                          if r is not likely]


def _check_link_row(checker: Checker, row: Row, infector: Case | None, infectee: Case,
                    chains: Chains) -> None:
    """The most likely infector of a case: its source, in the chains."""
    name = ref_of(infectee)
    if not checker.may(Can.MANAGE_CASE, infectee.area):  # seen (else unknown), not changed
        checker.error(row, "infectee", _("you may see case %(id)s but not change it")
                      % {"id": name})
    exposed = row.values.get("date")
    if rules.after(exposed, infectee.report_date):
        checker.error(row, "date", _("exposure after the report date of case %(id)s (%(date)s)")
                      % {"id": name, "date": infectee.report_date.isoformat()})
    if infector is not None and not chains.link(name, ref_of(infector)):
        checker.error(row, "infector", _(
            "%(infector)s was itself infected, directly or through others, by %(infectee)s: "
            "the link would make a cycle") % {"infector": ref_of(infector),
                                              "infectee": name})
    if infector is not None:
        linked = infectee.source_case_id == infector.pk
        row.action = "unchanged" if linked else ("update" if infectee.source_case_id else
                                                 "create")
    else:  # not (yet) a case here: the unresolved source, unless a source is stored
        same = infectee.source_case_id is not None or \
            infectee.source_external_id == row.values["infector"]
        row.action = "unchanged" if same else "update"
    if "candidates" in row.refs:
        stored = list(CandidateInfector.objects.filter(case_id=infectee.pk)
                      .order_by("position").values_list("external_id", flat=True))
        if stored != candidate_names(row):
            row.changes.append("candidates")
            row.action = "update" if row.action == "unchanged" else row.action
