"""Corrections of stored cases and contacts, set-based: the rows' records are locked in one
query, each row goes through update_case's or update_contact's rules (tracing/importer/rules.py),
and the changed records are written with one UPDATE per set of changed fields (bulk_update),
with one `change` event per record naming its changed fields, as the services write them.

Runs inside run_import's transaction; a refusal (a race with another user since the plan)
names the row and rolls the whole batch back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError, FieldError, InvalidInput
from outbreakhq.interop.rows import Row
from outbreakhq.tracing.importer import rules
from outbreakhq.tracing.models import Case, Contact


@contextmanager
def _at(row: Row, columns: dict[str, str]) -> Iterator[None]:
    try:
        yield
    except AppError as exc:
        errors = [FieldError(columns.get(e.field, e.field), str(e.message), row.number)
                  for e in exc.errors] or [FieldError("", str(exc.message), row.number)]
        raise InvalidInput(_("Nothing was imported: row %(row)d was refused.")
                           % {"row": row.number}, errors) from None


def locked(actor: Actor, model, rows: list[tuple[Row, int]], columns: dict[str, str],
           related: tuple[str, ...] = ()) -> dict[int, object]:
    """The rows' records, locked, in one query, if every one still lies in the actor's scope
    (the unit of work's fetch, for a batch): a record that left it since the plan goes through
    the service's own fetch, which audits the refusal (kept by scoped.atomic) and refuses."""
    capability, access = rules.ACCESS[model]
    found = {r.pk: r for r in model.objects.select_for_update(of=("self",))
             .filter(pk__in=[pk for _row, pk in rows])
             .annotate(in_scope=Exists(model.objects.visible_to(actor, capability)
                                       .filter(pk=OuterRef("pk"))))
             .select_related("person", "area", *related)}
    for row, pk in rows:
        if pk not in found or not found[pk].in_scope:
            with _at(row, columns):
                access(actor, pk, capability, lock=True)
    return found


def _locked(actor: Actor, model, rows: list[Row], columns: dict[str, str],
            related: tuple[str, ...] = ()) -> dict[int, object]:
    return locked(actor, model, [(row, row.refs["record"].pk) for row in rows], columns,
                  related)


def _write(model, actor: Actor, changed: list[tuple[object, list[str]]],
           derived: Callable = lambda record, fields: ()) -> None:
    """One UPDATE per set of changed fields (with the fields `derived` from them), then one
    event per record naming the fields the row changed."""
    groups: dict[tuple[str, ...], list] = defaultdict(list)
    now = timezone.now()
    for record, fields in changed:
        record.updated_at = now
        groups[(*fields, *derived(record, fields))].append(record)
    for fields, records in groups.items():
        model.objects.bulk_update(records, [*fields, "updated_at"], batch_size=500)
    audit.record_each(actor=actor, action="change", object_type=model.__name__.lower(),
                      records=[(r.pk, r.person, r.area, {"fields": f}) for r, f in changed])


def _apply(rows: list[Row], locked: dict, keys: tuple[str, ...], columns: dict[str, str],
           rule: Callable) -> list[tuple[object, list[str]]]:
    changed = []
    for row in rows:
        record = locked[row.refs["record"].pk]
        values = {k: row.values[k] for k in row.changes if k in keys}
        with _at(row, columns):
            values = rule(record, values)
        fields = sorted(k for k, v in values.items() if getattr(record, k) != v)
        for key, value in values.items():
            setattr(record, key, value)
        row.refs["record"] = record
        if fields:
            changed.append((record, fields))
    return changed


def update_cases(actor: Actor, rows: list[Row], keys: tuple[str, ...],
                 columns: dict[str, str]) -> None:
    """update_case for every row that corrects a stored case's fields."""
    rows = [r for r in rows if r.refs.get("record") is not None
            and any(k in keys for k in r.changes)]
    if not rows:
        return

    def rule(case: Case, values: dict) -> dict:
        rules.check_case_dates({k: getattr(case, k) for k in rules.CASE_READERS} | values)
        return values

    changed = _apply(rows, _locked(actor, Case, rows, columns), keys, columns, rule)
    # Only a new report date re-derives it, as update_case does.
    moved = [c for c, fields in changed if "report_date" in fields]
    found = rules.under_control_when_found((c.person_id, c.report_date) for c in moved)
    for case in moved:
        case.under_control_when_found = (case.person_id, case.report_date) in found
    _write(Case, actor, changed, derived=lambda case, fields: (
        ("under_control_when_found",) if "report_date" in fields else ()))


def update_contacts(actor: Actor, rows: list[Row], keys: tuple[str, ...],
                    columns: dict[str, str]) -> None:
    """update_contact for every row that corrects a stored contact's type or last exposure."""
    rows = [r for r in rows if r.refs.get("record") is not None and r.changes]
    if not rows:
        return

    def rule(contact: Contact, values: dict) -> dict:
        if "last_exposure" in values:
            rules.check_contact({"last_exposure": values["last_exposure"]}, person=None,
                                own=contact.person, case=contact.source_case,
                                source=contact.source_contact)
            values["followup_start"], values["followup_end"] = rules.followup_window(
                contact.category, values["last_exposure"])
        return values

    records = _locked(actor, Contact, rows, columns, ("source_case", "source_contact"))
    changed = _apply(rows, records, keys, columns, rule)
    _write(Contact, actor, changed)
