"""Source links and exposures of stored cases, set-based: one UPDATE for every new source
(bulk_update), one insert for every new exposure, one audit event per changed case, as
services.cases.link_source and record_exposure write them row by row.

Runs inside run_import's transaction. The plan checked scope, dates and cycles against the
database; here the tenant's link changes take turns as in link_source, the cycle check runs
again on the links stored now (one read of the tenant's links), and the rows are locked, so
that a link written by someone else since the plan cannot close a loop.
"""

from __future__ import annotations

from collections.abc import Collection

from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit, bulk
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.interop.rows import Row
from outbreakhq.tracing.importer import rules, updates
from outbreakhq.tracing.models import Case, ContactType, Exposure


def link_sources(actor: Actor, links: list[tuple[Row, Case, Case]], columns: dict[str, str],
                 key: str = "infector") -> None:
    """Set each (row, infectee, infector)'s source in one pass; every infectee once."""
    links = [(row, case, source) for row, case, source in links
             if case.source_case_id != source.pk or case.source_external_id]
    if not links:
        return
    tenant_id = links[0][1].tenant_id
    rules.serialise_links(tenant_id)
    locked = updates.locked(actor, Case, [(row, case.pk) for row, case, _s in links], columns)
    stored = dict(Case.objects.filter(tenant_id=tenant_id, source_case__isnull=False)
                  .values_list("pk", "source_case_id"))
    now, changed = timezone.now(), []
    for row, case, source in links:
        if source.pk == case.pk or rules.would_make_cycle(stored.get, infectee=case.pk,
                                                          infector=source.pk):
            raise InvalidInput(_("Nothing was imported: row %(row)d was refused.")
                               % {"row": row.number}, [FieldError(
                                   columns.get(key, key),
                                   _("case #%(source)s was itself infected, directly or through "
                                     "others, by case #%(case)s: the link would make a cycle")
                                   % {"source": source.pk, "case": case.pk}, row.number)])
        stored[case.pk] = source.pk
        record = locked[case.pk]
        record.source_case_id, record.updated_at = source.pk, now
        record.source_external_id = ""  # the source is a case here now: resolved
        case.source_case_id, case.source_external_id = source.pk, ""
        changed.append(record)
    Case.objects.bulk_update(changed, ["source_case", "source_external_id", "updated_at"],
                             batch_size=500)
    audit.record_each(actor=actor, action="change", object_type="case", records=[
        (c.pk, c.person, c.area, {"fields": ["source_case"]}) for c in changed])


def add_exposures(actor: Actor, exposed: list[tuple[Case, Row, str]],
                  fresh: Collection[int] = ()) -> None:
    """Each row's link as an exposure of its case (type and date), recorded once: rows that
    name neither, and exposures stored already or earlier in the file, add nothing. `fresh`:
    ids of cases this transaction created, which have no stored exposure to look for."""
    wanted: dict[tuple[int, str, object], Case] = {}
    for case, row, date_key in exposed:
        setting, date = row.values.get("exposure_type") or "", row.values.get(date_key)
        if setting or date:
            wanted.setdefault((case.id, setting or ContactType.OTHER, date), case)
    if not wanted:
        return
    older = {k[0] for k in wanted if k[0] not in fresh}
    stored = set(Exposure.objects.filter(case_id__in=older)
                 .values_list("case_id", "setting", "date")) if older else set()
    new = [case for key, case in wanted.items() if key not in stored]
    ids = bulk.insert_values(Exposure, [
        {"tenant_id": case.tenant_id, "case_id": case.id, "setting": setting, "date": date}
        for (_pk, setting, date), case in wanted.items() if (_pk, setting, date) not in stored])
    # The cases are at hand, with their person and area: no need to read them again.
    audit.record_each(actor=actor, action="change", object_type="case", records=[
        (case.id, case.person, case.area, {"added": "exposure", "exposure": pk})
        for case, pk in zip(new, ids, strict=True)])
