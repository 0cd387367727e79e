"""Sources a line list names that the database cannot link yet, and possible infectors (issue
14), set-based like the rest of the commit (one query or one bulk write per step).

- An infector that is no case here (or none the importer may see: the same answer) is kept on
  the case as `source_external_id`, so the case is not taken for an index case; when a case
  with that external id is imported later, the waiting cases are linked to it (`resolve`).
- Several possible infectors of a case are kept as CandidateInfector rows, the most likely one
  first and flagged; the case's own source (which the chains follow) is that one.

Runs inside the import's transaction, after the new cases are written.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from outbreakhq.core import audit, bulk
from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Can
from outbreakhq.tracing.importer import rules
from outbreakhq.tracing.importer.checks import chunks
from outbreakhq.tracing.models import CandidateInfector, Case


def set_unlisted(actor: Actor, pairs: Iterable[tuple[Case, str]]) -> None:
    """Stored cases given an infector that is not a case here: one UPDATE, one event each."""
    changed = []
    now = timezone.now()
    for case, external_id in pairs:
        if case.source_case_id is None and case.source_external_id != external_id:
            case.source_external_id, case.updated_at = external_id, now
            changed.append(case)
    if not changed:
        return
    Case.objects.bulk_update(changed, ["source_external_id", "updated_at"], batch_size=500)
    audit.record_each(actor=actor, action="change", object_type="case", records=[
        (c.pk, c.person, c.area, {"fields": ["source_external_id"]}) for c in changed])


def save_candidates(actor: Actor, wanted: dict[Case, list[tuple[str, Case | None]]]) -> None:
    """Each case's possible infectors, in order, the first the most likely: the stored ones of
    these cases are replaced (one delete, one insert), one `change` event per case whose list
    changed."""
    if not wanted:
        return
    pks = [case.pk for case in wanted]
    stored: dict[int, list[str]] = {}
    for chunk in chunks(pks):
        for case_id, external_id in CandidateInfector.objects.filter(case_id__in=chunk) \
                .order_by("case_id", "position").values_list("case_id", "external_id"):
            stored.setdefault(case_id, []).append(external_id)
    changed = {case: names for case, names in wanted.items()
               if stored.get(case.pk, []) != [name for name, _c in names]}
    if not changed:
        return
    for chunk in chunks([c.pk for c in changed]):
        CandidateInfector.objects.filter(case_id__in=chunk).delete()
    bulk.insert_models([
        CandidateInfector(tenant_id=case.tenant_id, case_id=case.pk, external_id=name,
                          infector_id=infector.pk if infector is not None else None,
                          most_likely=position == 0, position=position)
        for case, names in changed.items() for position, (name, infector) in enumerate(names)])
    audit.record_each(actor=actor, action="change", object_type="case", records=[
        (c.pk, c.person, c.area, {"fields": ["candidate_infectors"],
                                  "candidates": [n for n, _c in names]})
        for c, names in changed.items()])


def resolve(actor: Actor, tenant_id: int, new: Iterable[Case]) -> int:
    """Link the cases waiting for one of these new cases as their source (their
    `source_external_id` names it), and fill in the candidates that name them. Only cases the
    importer may change are linked (the others wait for someone who may); a link that would
    close a loop in the chains is left unresolved. Returns how many cases were linked."""
    new = list(new)
    by_id = {case.external_id: case for case in new if case.external_id}
    if not by_id:
        return 0
    # The new cases' external ids as a subquery (one semi-join on the indexes of migration
    # 0010), not IN lists of the batch's thousands of ids (issue 14: 0.4 s of a 5,000-case
    # commit on PostgreSQL, for a batch for which nobody waits).
    names = bulk.with_ids(Case.objects.filter(tenant_id=tenant_id).exclude(external_id=""),
                          [case.id for case in new]).values("external_id")
    mine = Case.objects.visible_to(actor, Can.MANAGE_CASE).filter(tenant_id=tenant_id)
    # `> ""`: SQLite then reads the index of the waiting cases, not every case of the tenant.
    waiting = list(mine.filter(source_case__isnull=True, source_external_id__gt="",
                               source_external_id__in=names)
                   .select_related("person", "area"))
    linked = []
    if waiting:
        rules.serialise_links(tenant_id)
        stored = dict(Case.objects.filter(tenant_id=tenant_id, source_case__isnull=False)
                      .values_list("pk", "source_case_id"))
        now = timezone.now()
        for case in waiting:
            source = by_id[case.source_external_id]
            if source.pk == case.pk or rules.would_make_cycle(stored.get, infectee=case.pk,
                                                              infector=source.pk):
                continue
            stored[case.pk] = source.pk
            case.source_case_id, case.source_external_id, case.updated_at = source.pk, "", now
            linked.append(case)
        Case.objects.bulk_update(linked, ["source_case", "source_external_id", "updated_at"],
                                 batch_size=500)
        audit.record_each(actor=actor, action="change", object_type="case", records=[
            (c.pk, c.person, c.area, {"fields": ["source_case"], "resolved": True})
            for c in linked])
    filled = []
    for candidate in CandidateInfector.objects.filter(
            tenant_id=tenant_id, infector__isnull=True, external_id__in=names):
        candidate.infector_id = by_id[candidate.external_id].pk
        filled.append(candidate)
    CandidateInfector.objects.bulk_update(filled, ["infector"], batch_size=500)
    return len(linked)
