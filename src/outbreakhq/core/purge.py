"""The retention purge: in each tree whose outbreak is declared over, delete each kind of record
once its period (core/retention.py) has run since the declared date.

Only rows entered before the declaration are purged: a record entered afterwards is not part of
the outbreak declared over (if it is, the outbreak has flared up: reopen it). Each tree is purged
in one transaction, holding the declaration's row so that a reopening waits for the purge or the
purge sees the reopening. One audit event per tree names the counts per kind and the rule
applied, never a personal value; a run that deletes nothing writes nothing, so a second run
changes nothing. A dry run is the same purge rolled back: its figures are exact, cascades
included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from outbreakhq.core import audit, periodic, retention
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, OutbreakDeclaration
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require


@dataclass(frozen=True)
class KindSchedule:
    kind: retention.RecordKind
    days: int
    due_on: date
    rows: int  # rows of this kind entered before the declaration and still there

    def is_due(self, today: date) -> bool:
        return self.due_on <= today


@dataclass(frozen=True)
class TreeSchedule:
    tenant: Area
    declaration: OutbreakDeclaration | None
    kinds: list[KindSchedule]


@dataclass
class PurgeResult:
    tenant: Area
    declaration: OutbreakDeclaration | None
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)  # kind name -> its rows deleted
    deleted: dict[str, int] = field(default_factory=dict)  # model label -> rows, cascades too

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def schedule(tenant: Area) -> TreeSchedule:
    """What the tree's declaration will purge, and when: for the administrators' page."""
    declaration = OutbreakDeclaration.objects.filter(tenant=tenant,
                                                     reopened_at__isnull=True).first()
    if declaration is None:
        return TreeSchedule(tenant, None, [])
    periods = retention.periods()
    rows = []
    for kind in retention.kinds():
        count = kind.scheduled or kind.rows
        rows.append(KindSchedule(kind, periods[kind.name],
                                 declaration.over_on + timedelta(days=periods[kind.name]),
                                 count(tenant, declaration.declared_at).count()))
    return TreeSchedule(tenant, declaration, rows)


def _delete(kind: retention.RecordKind, rows: QuerySet) -> dict[str, int]:
    if kind.purge is not None:
        return kind.purge(rows)
    # Only the keys: the cascade needs nothing else, and 100,000 full rows would sit in memory.
    return rows.only("pk").delete()[1]


def purge_tree(*, tenant: Area, actor: Actor | None = None, dry_run: bool = False,
               today: date | None = None) -> PurgeResult:
    """Purge one tree. `by` None is the scheduled run of the command line (`outbreakhq purge`);
    a user must administer the whole tree."""
    if actor is not None:
        require(actor, Can.MANAGE_RETENTION, tenant, what="outbreak")
    periods = retention.periods()
    today = today or timezone.localdate()
    with transaction.atomic():
        declaration = OutbreakDeclaration.objects.select_for_update().filter(
            tenant=tenant, reopened_at__isnull=True).first()
        result = PurgeResult(tenant, declaration, dry_run)
        if declaration is None:
            return result
        rules = {}
        for kind in retention.kinds():
            due_on = declaration.over_on + timedelta(days=periods[kind.name])
            if due_on > today:
                continue
            rows = kind.rows(tenant, declaration.declared_at)
            removed = _delete(kind, rows)
            result.counts[kind.name] = removed.get(rows.model._meta.label, 0)
            for label, n in removed.items():
                result.deleted[label] = result.deleted.get(label, 0) + n
            rules[kind.name] = {"days": periods[kind.name], "due_on": due_on.isoformat()}
        if dry_run:
            transaction.set_rollback(True)
        elif result.total:
            audit.record(actor=actor or Actor.anonymous(), action="delete",
                         object_type="retention_purge",
                         object_id=declaration.pk, area=tenant,
                         detail={"over_on": declaration.over_on.isoformat(),
                                 "counts": result.counts, "deleted": result.deleted,
                                 "rules": rules})
    return result


def trees_declared_over() -> list[Area]:
    return list(Area.objects.filter(
        pk__in=OutbreakDeclaration.objects.filter(reopened_at__isnull=True).values("tenant")))


def purge(*, actor: Actor | None = None, dry_run: bool = False, tenants: list[Area] | None = None,
          today: date | None = None) -> list[PurgeResult]:
    """Purge every tree declared over (or the ones given), one transaction each."""
    return [purge_tree(tenant=tenant, actor=actor, dry_run=dry_run, today=today)
            for tenant in (trees_declared_over() if tenants is None else tenants)]


DAILY_AT = time(3, 0)  # the scheduler's slot for the purge (core/apps.py)


def daily(slot: datetime) -> str:
    """The scheduler's daily purge: every tree whose periods have run out on the slot's day."""
    return f"{len(purge(today=periodic.local_day(slot)))} tree(s) purged"
