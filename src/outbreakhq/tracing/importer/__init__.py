"""Tracing's importers: cases, contacts and transmission links (issue 4), registered with the
import pipeline (interop/registry.py) by TracingConfig.ready().

Each declares its fields (fields.py), its checks of a whole file (plan.py, on checks.py) and its
set-based writer (write.py, on core/bulk.py); the services' rules both use are called from
rules.py. What writing each kind needs: cases and their links are the epidemiologist's
decisions (case.manage); contacts are traced (contact.trace).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from outbreakhq.core.roles import Can
from outbreakhq.interop.registry import Importer, register
from outbreakhq.tracing.importer import fields, rules, write
from outbreakhq.tracing.importer.plan import checks_of
from outbreakhq.tracing.importer.synonyms import field_choices
from outbreakhq.tracing.models import ContactCategory


def _write(**commit):
    return write.write_plan(**commit)  # looked up at each commit: a test may replace it


def _needs(every: list, rows: list, out: set[int]) -> list:
    """A partial commit holds back the rows that need a row it does not write: a contact of a
    refused close contact, a possible infector whose case's most likely one was refused."""
    contacts = {r.values.get("external_id"): r.number for r in every
                if r.values.get("external_id")}
    likely_of = {id(other): row.number for row in every
                 for other in row.refs.get("candidates") or () if isinstance(other, type(row))}
    return [row for row in rows
            if contacts.get(row.values.get("source_contact") or "", 0) in out
            or likely_of.get(id(row), 0) in out]


def _batches(rows: list, size: int) -> list[list]:
    """Cases and contacts in batches of about `size` rows for short transactions: cases in the
    file's order (a source in a later batch is kept unresolved, then linked by itself when its
    batch comes: sources.resolve); close contacts before contacts of close contacts, so that
    each one's close contact is written (and carried: write.py) before its batch. The rows of one
    person (one document, or one "#N" of the file) go in the batch of the first of them, so
    that a person the file registers is registered once."""
    ordered = sorted(rows, key=lambda r: r.values.get("category") == ContactCategory.SECONDARY)
    batches: list[list] = [[]]
    first: dict[tuple[str, str], list] = {}
    for row in ordered:
        key = write.Batch.key(row)
        if key is not None and key in first:
            first[key].append(row)
            continue
        if len(batches[-1]) >= size:
            batches.append([])
        batches[-1].append(row)
        if key is not None:
            first[key] = batches[-1]
    return [batch for batch in batches if batch]


def _importer(kind: str, label, capability: str, declared, **more) -> Importer:
    return Importer(kind=kind, label=label, capability=capability, fields=declared,
                    check=checks_of(kind, capability), write=_write,
                    required=fields.REQUIRED[kind], choices=field_choices, dates=fields.DATES,
                    limits=fields.LIMITS, ignored=fields.EXPORT_ONLY, needs=_needs, **more)


IMPORTERS = (
    _importer("cases", gettext_lazy("Cases"), Can.MANAGE_CASE, fields.CASES,
              row_rules=rules.case_dates_in_order, batches=_batches),
    _importer("contacts", gettext_lazy("Contacts"), Can.TRACE_CONTACT, fields.CONTACTS,
              batches=_batches),
    # A links file stays one transaction: a case's possible infectors are rows of one group.
    _importer("links", gettext_lazy("Transmission links"), Can.MANAGE_CASE, fields.LINKS),
)


def register_importers() -> None:
    for importer in IMPORTERS:
        register(importer)
