"""Core's own record kinds for the retention purge: people (with their merge logs and dismissed
duplicate pairs) and audit events. Registered in CoreConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from outbreakhq.core import retention
from outbreakhq.core.audit import purge_permit
from outbreakhq.core.merge import link_tables, person_references
from outbreakhq.core.models import Area, AuditEvent, AuditShown, DismissedPair, Person, PersonMerge


def people_rows(tenant: Area, entered_before: datetime) -> QuerySet:
    """People of the tree registered before the declaration that no record refers to any more.

    The references are found from the model metadata, as the merge finds them, so a module added
    later (a quarantine stay, a sample) keeps its people alive without a change here. Link tables
    (key groups) are not records of their own: they go with the person."""
    people = Person.objects.filter(tenant=tenant, created_at__lt=entered_before)
    links = link_tables()
    for rel in person_references():
        if rel.related_model in links:
            continue
        people = people.exclude(Exists(rel.related_model._base_manager.filter(
            **{rel.field.name: OuterRef("pk")})))
    return people


def people_registered(tenant: Area, entered_before: datetime) -> QuerySet:
    return Person.objects.filter(tenant=tenant, created_at__lt=entered_before)


def _delete_selected(rows: QuerySet) -> int:
    """One DELETE of the rows the query selects, without Django's collector: the people are
    chosen so that nothing refers to them but link tables (emptied first), and the collector
    would load every row and check every relation again. Ids are not passed as parameters: a
    statement with thousands of them is slow to plan on PostgreSQL (measured: 10 s for the
    dismissed pairs of 200,000 people in batches of 5,000, on an empty table)."""
    model = rows.model
    table, pk = (connection.ops.quote_name(n) for n in (model._meta.db_table,
                                                         model._meta.pk.column))
    select, params = rows.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({select})", params)
        return cursor.rowcount


def _merged_into(kept: QuerySet | list[int], add) -> list[int]:
    """Delete the merge logs of the kept people, and of the records merged into those, down the
    chain (C kept B, B had kept A: purging C removes both logs); return the merged ids."""
    merged_away: list[int] = []
    logs = PersonMerge.objects.filter(kept_id__in=kept)
    while True:
        found = list(logs.values_list("merged_id", flat=True))
        add(logs.delete()[1])
        if not found:
            return merged_away
        merged_away += found
        logs = PersonMerge.objects.filter(kept_id__in=found)


def purge_people(rows: QuerySet) -> dict[str, int]:
    """Delete what holds the people's personal data outside their row: the merge logs (a full
    copy of each record merged into them), the pairs dismissed as 'not the same person' and the
    link rows (key-group tags); then the people. Every statement selects with the people's query,
    so no list of ids travels."""
    deleted: dict[str, int] = {}

    def add(counts: dict[str, int]) -> None:
        for label, n in counts.items():
            if n:
                deleted[label] = deleted.get(label, 0) + n

    selected = rows.values("pk")
    merged_away = _merged_into(selected, add)
    add(DismissedPair.objects.filter(
        Q(person_low__in=selected) | Q(person_high__in=selected)
        | Q(person_low__in=merged_away) | Q(person_high__in=merged_away)).delete()[1])
    for rel in person_references():
        if rel.related_model in link_tables():
            add(rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": selected})
                .delete()[1])
    add({Person._meta.label: _delete_selected(rows)})
    return deleted


def audit_rows(tenant: Area, entered_before: datetime) -> QuerySet:
    """The tree's audit events written before the declaration. The declaration's own event and
    the purges' events come after it, so they outlive this declaration's purge."""
    return AuditEvent.objects.filter(tenant_id=tenant.pk, at__lt=entered_before)


def purge_audit(rows: QuerySet) -> dict[str, int]:
    # The one deletion of audit events the application makes: through the permit the database
    # triggers ask for (migration core/0002), for this statement only.
    # The people each event showed (AuditShown, readaudit) go with their event.
    with purge_permit("retention"):
        shown = AuditShown.objects.filter(event_id__in=rows.values("pk")).delete()[1]
        return {**shown, **rows.delete()[1]}


def register() -> None:
    retention.register(retention.RecordKind(
        "person", _("people"), people_rows, order=100, purge=purge_people,
        scheduled=people_registered,
        note=_("People still referred to by a kept record (a case, a contact…) are kept until "
               "that record is purged; their merge logs and dismissed duplicate pairs go with "
               "them.")))
    retention.register(retention.RecordKind(
        "audit", _("audit events"), audit_rows, order=1000, purge=purge_audit,
        note=_("Events written before the declaration; the events of the declaration and of "
               "each purge are kept.")))
