"""Merging two records of one person: nothing is lost, everything is audited.

Every row of any module that points at the merged record moves to the kept one. The rows are
found from Django's model metadata, not from a list kept here, so a module added later (a
quarantine stay, a sample) is covered without a change to this file. The merged record is kept
in full in a PersonMerge row before it is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.events import PairDismissed, PeopleMerged
from outbreakhq.core.models import DismissedPair, Person, PersonMerge
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import access_person, require_role
from outbreakhq.core.unit_of_work import unit_of_work

# The fields chosen side by side. A document is a type and a number: chosen as one.
MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "sex": ("sex",),
    "birth_date": ("birth_date",),
    "document": ("id_type", "id_number"),
    "phone": ("phone",),
    "home_area": ("home_area",),
    "address": ("address",),
}
FIELD_LABELS = {
    "name": gettext_lazy("Name"), "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Date of birth"), "document": gettext_lazy("Identity document"),
    "phone": gettext_lazy("Phone"), "home_area": gettext_lazy("Home area"),
    "address": gettext_lazy("Address"),
}
SIDES = ("keep", "merge")

def person_references() -> list[ForeignObjectRel]:
    """Every foreign key of any installed model that points at Person.

    `get_fields(include_hidden=True)` rather than `related_objects`: the latter leaves out
    relations declared with related_name="+" (used throughout this code base) and the
    foreign keys of auto-created many-to-many tables."""
    return [f for f in Person._meta.get_fields(include_hidden=True)
            if isinstance(f, ForeignObjectRel) and not f.many_to_many]


def link_tables() -> set[type[models.Model]]:
    """Tables that only link a person to something (key groups, members of a group): moving
    their rows is a union, and a link the kept person already has is dropped as a duplicate."""
    tables = {f.remote_field.through for f in Person._meta.many_to_many}
    tables |= {f.through for f in Person._meta.get_fields(include_hidden=True)
               if isinstance(f, ForeignObjectRel) and f.many_to_many}
    return tables


def _label(model: type[models.Model], count: int) -> str:
    meta = model._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)


def count_references(person: Person) -> list[tuple[str, int]]:
    """(what, how many) for each kind of record that points at the person, e.g. 2 cases."""
    links = link_tables()
    counts = []
    for rel in person_references():
        model = rel.related_model
        if model in links:
            continue
        n = model._base_manager.filter(**{rel.field.name: person}).count()
        if n:
            counts.append((_label(model, n), n))
    return counts


def _unique_sets(model: type[models.Model], field: models.Field) -> list[tuple[str, ...]]:
    """The other columns of every unconditional unique constraint that includes `field`."""
    sets = [()] if field.unique else []
    for fields in [*model._meta.unique_together,
                   *(c.fields for c in model._meta.total_unique_constraints)]:
        if field.name in fields:
            sets.append(tuple(model._meta.get_field(f).attname for f in fields
                              if f != field.name))
    return sets


def _move(rel: ForeignObjectRel, keep: Person, merged: Person, *, union: bool) -> list[int]:
    """Point the rows of one relation at the kept person; return the ids moved."""
    model, name = rel.related_model, rel.field.name
    rows = model._base_manager.filter(**{name: merged})
    kept_rows = model._base_manager.filter(**{name: keep})
    for others in _unique_sets(model, rel.field):
        if others:
            taken = set(kept_rows.values_list(*others))
            clash = [pk for pk, *values in rows.values_list("pk", *others)
                     if tuple(values) in taken]
        else:  # unique per person (a one-to-one): any row of the kept person clashes
            clash = list(rows.values_list("pk", flat=True)) if kept_rows.exists() else []
        if clash and not union:
            raise InvalidInput(_("Both records have a %(what)s that can exist only once per "
                                 "person; resolve it before merging.")
                               % {"what": model._meta.verbose_name},
                               [FieldError(model._meta.label,
                                           _("ids %(ids)s") % {"ids": clash[:10]})])
        model._base_manager.filter(pk__in=clash).delete()
    ids = list(rows.values_list("pk", flat=True))
    rows.update(**{name: keep})
    return ids


def snapshot(person: Person) -> dict:
    """The whole record as JSON-ready values, with codes next to the foreign keys."""
    data = {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}
    data["home_area_code"] = person.home_area.code
    data["key_groups"] = sorted(person.key_groups.values_list("code", flat=True))
    return data


def _clean_choices(choices: Mapping[str, str]) -> dict[str, str]:
    errors = [FieldError(k, _("is not a field that can be merged")) for k in choices
              if k not in MERGE_FIELDS]
    errors += [FieldError(k, _("must be “keep” or “merge”")) for k, v in choices.items()
               if k in MERGE_FIELDS and v not in SIDES]
    if errors:
        raise InvalidInput(_("The records were not merged."), errors)
    return {k: choices.get(k, "keep") for k in MERGE_FIELDS}


def _apply(keep: Person, merged: Person, choices: dict[str, str]) -> list[str]:
    changed = []
    for key, side in choices.items():
        if side != "merge":
            continue
        for column in MERGE_FIELDS[key]:
            value = getattr(merged, column)
            if getattr(keep, column) != value:
                setattr(keep, column, value)
                changed.append(column)
    return changed


def _repoint_dismissals(keep: Person, merged: Person) -> None:
    """"A is not B" and A is now K: so K is not B. A dismissal of K and A itself is moot."""
    rows = DismissedPair.objects.filter(tenant_id=keep.tenant_id).filter(
        models.Q(person_low=merged.pk) | models.Q(person_high=merged.pk))
    for row in list(rows):
        other = row.person_high if row.person_low == merged.pk else row.person_low
        row.delete()
        if other != keep.pk:
            DismissedPair.objects.get_or_create(
                tenant_id=keep.tenant_id, person_low=min(keep.pk, other),
                person_high=max(keep.pk, other), defaults={"by": row.by})


@dataclass
class MergeResult:
    person: Person
    log: PersonMerge
    changed: list[str]


def merge_people(*, actor: Actor, keep_id: int, merge_id: int,
                 choices: Mapping[str, str]) -> MergeResult:
    """Merge record `merge_id` into `keep_id`, taking the fields chosen "merge" from it."""
    require_role(actor, Can.MERGE_PERSON, what="person")
    if keep_id == merge_id:
        raise InvalidInput(_("A record cannot be merged with itself."))
    sides = _clean_choices(choices)
    with unit_of_work(actor) as uow:
        keep, merged = uow.fetch_each(access_person, (keep_id, merge_id), Can.MERGE_PERSON)
        if keep.tenant_id != merged.tenant_id:
            raise InvalidInput(_("The two records belong to different jurisdiction trees."))
        return _merge_locked(actor=actor, keep=keep, merged=merged, sides=sides)


def _merge_locked(*, actor: Actor, keep: Person, merged: Person,
                  sides: dict[str, str]) -> MergeResult:
    kept_before, merged_record = snapshot(keep), snapshot(merged)
    links = link_tables()
    moved: dict[str, list[int]] = {}
    try:
        for rel in person_references():
            ids = _move(rel, keep, merged, union=rel.related_model in links)
            if ids:
                moved.setdefault(rel.related_model._meta.label, []).extend(ids)
    except IntegrityError as exc:
        # A conditional unique constraint (say, one open stay per person) that both records
        # fill: refuse rather than guess which one to drop.
        raise InvalidInput(_("Both records have data that can exist only once per person; "
                             "resolve it before merging."), [FieldError("references", str(exc))]
                           ) from None
    changed = _apply(keep, merged, sides)
    keep.save()
    groups = sorted(set(keep.key_groups.values_list("code", flat=True)))
    if groups != kept_before["key_groups"]:
        changed.append("key_groups")
    log = PersonMerge.objects.create(
        tenant_id=keep.tenant_id, kept_id=keep.pk, merged_id=merged.pk, by=actor.user,
        by_username=actor.username, choices=sides, merged=merged_record,
        kept_before=kept_before, moved=moved)
    _repoint_dismissals(keep, merged)
    # Inside the transaction: a subscriber that raises (InvalidInput, say "the contact would
    # be its own source case") refuses the whole merge.
    # Audit subscribes (a `change` of the kept record, a `delete` of the merged one).
    events.publish(PeopleMerged(actor=actor, keep=keep, merged_id=merged.pk, moved=moved,
                                log=log, merged=merged, changed=tuple(changed)))
    merged.delete()
    return MergeResult(keep, log, changed)


def dismiss_pair(*, actor: Actor, person_ids: tuple[int, int]) -> DismissedPair:
    """Record that two records are different people, so the pair is not proposed again."""
    require_role(actor, Can.MERGE_PERSON, what="person")
    low, high = sorted(person_ids)
    if low == high:
        raise InvalidInput(_("A record cannot be compared with itself."))
    people = [access_person(actor=actor, person_id=pk, capability=Can.MERGE_PERSON)
              for pk in (low, high)]
    if people[0].tenant_id != people[1].tenant_id:
        raise InvalidInput(_("The two records belong to different jurisdiction trees."))
    with transaction.atomic():
        row, _created = DismissedPair.objects.get_or_create(
            tenant_id=people[0].tenant_id, person_low=low, person_high=high,
            defaults={"by": actor.user})
        events.publish(PairDismissed(actor=actor, low=low, high=high, person=people[0]))
    return row
