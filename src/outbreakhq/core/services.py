"""People: every write and every read of a person's record goes through here, scoped and audited."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from outbreakhq.core import audit, events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.events import PersonChanged, PersonRegistered, PersonViewed
from outbreakhq.core.identity import InvalidDocument, cn_birth_date, cn_sex, normalise_document
from outbreakhq.core.models import Area, IdType, KeyGroup, Person, PersonKeyGroup, Sex
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import access_person, require, require_role
from outbreakhq.core.text import INLINE as _CONTROL
from outbreakhq.core.text import control_character
from outbreakhq.core.unit_of_work import unit_of_work

EDITABLE = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "home_area", "address",
            "key_groups")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")
# The choices' values once: `Sex.values` builds a new list at every call (an import checks
# thousands of people, issue 14).
_SEXES, _ID_TYPES = frozenset(Sex.values), frozenset(IdType.values)
_LIMITS = {key: Person._meta.get_field(key).max_length for key in ("name", "address")}


def _clean(data: Mapping, *, partial: bool) -> dict:
    """Validate and convert raw fields (form, API or import); InvalidInput names each field."""
    errors: list[FieldError] = []
    values: dict = {}
    for key in EDITABLE:
        if key not in data:
            continue
        raw = data[key]
        try:
            values[key] = _convert(key, raw)
        except ValueError as exc:
            errors.append(FieldError(key, str(exc)))
    if not partial:
        for key in ("name", "home_area"):
            if key not in data or values.get(key) in (None, ""):
                if not any(e.field == key for e in errors):
                    errors.append(FieldError(key, _("is required")))
    if errors:
        raise InvalidInput(_("The person was not saved."), errors)
    return values


def _text(key: str, raw) -> str:
    """Free text: no control characters (PostgreSQL refuses NUL) and within the column's length
    (PostgreSQL refuses longer values with an error, SQLite stores them silently)."""
    value = (raw or "").strip()
    if control_character(value, inline=True):
        raise ValueError(_("contains control characters"))
    limit = _LIMITS[key]
    if len(value) > limit:
        raise ValueError(_("is longer than %(n)d characters") % {"n": limit})
    return value


def _convert(key: str, raw):
    if key == "name":
        value = _text(key, raw)
        if not value:
            raise ValueError(_("is required"))
        return value
    if key == "address":
        return _text(key, raw)
    if key == "sex":
        value = (raw or Sex.UNKNOWN).strip().upper()[:1]
        if value not in _SEXES:
            raise ValueError(_("must be one of %(choices)s") % {"choices": ", ".join(Sex.values)})
        return value
    if key == "birth_date":
        if raw in (None, ""):
            return None
        try:
            value = raw if isinstance(raw, date) else parse_date(str(raw))
        except ValueError:  # well formed but impossible, e.g. 1985-13-01
            value = None
        if value is None:
            raise ValueError(_("%(value)r is not a date (YYYY-MM-DD)") % {"value": raw})
        if value > date.today():
            raise ValueError(_("is in the future"))
        return value
    if key == "id_type":
        value = (raw or IdType.NONE).strip()
        if value not in _ID_TYPES:
            raise ValueError(_("unknown document type %(value)r") % {"value": value})
        return value
    if key == "phone":
        value = (raw or "").strip()
        if value and not _PHONE.fullmatch(value):
            raise ValueError(_("%(value)r is not a phone number") % {"value": value})
        return re.sub(r"[ \-]", "", value)
    if key == "home_area":
        return _area(raw)
    if key == "key_groups":
        return _key_groups(raw)
    return (raw or "").strip() if isinstance(raw, str | None) else raw


def _area(raw) -> Area:
    if isinstance(raw, Area):
        return raw
    code = str(raw or "").strip()
    area = Area.objects.filter(code=code).first() if code and not _CONTROL.search(code) else None
    if area is None:
        raise ValueError(_("unknown area code %(code)r") % {"code": code} if code
                         else _("is required"))
    return area


def _key_groups(raw) -> list[KeyGroup]:
    codes = raw.split(",") if isinstance(raw, str) else list(raw or [])
    codes = [c if isinstance(c, str) else c.code for c in codes]
    codes = sorted({c.strip() for c in codes if c.strip()})
    found = {g.code: g for g in KeyGroup.objects.filter(
        code__in=[c for c in codes if not _CONTROL.search(c)])}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValueError(_("unknown key group %(codes)s") % {"codes": ", ".join(missing)})
    return [found[c] for c in codes]


def _check_document(values: dict, person: Person | None, *, normalised: bool = False) -> None:
    id_type = values.get("id_type", person.id_type if person else IdType.NONE)
    number = values.get("id_number", person.id_number if person else "")
    if not (normalised and number):  # no number: the rule's own refusal, whatever the caller
        try:
            values["id_number"] = normalise_document(id_type, number or "")
        except InvalidDocument as exc:
            raise InvalidInput(_("The person was not saved."),
                               [FieldError("id_number", exc.localised(_))]) from None
    if id_type == IdType.CN_RESIDENT:
        _agree_with_resident_id(values, person)


def _agree_with_resident_id(values: dict, person: Person | None) -> None:
    """A resident ID carries the birth date and the registered sex: fill them in when missing,
    and refuse a birth date that contradicts the number (one of the two was mistyped). A sex
    that differs from the registered one is kept as typed: it may be right."""
    number = values["id_number"]
    born, sex = cn_birth_date(number), cn_sex(number)
    given_born = values.get("birth_date", person.birth_date if person else None)
    given_sex = values.get("sex", person.sex if person else Sex.UNKNOWN)
    errors = []
    if given_born is None:
        values["birth_date"] = born
    elif given_born != born:
        errors.append(FieldError("birth_date", _(
            "%(given)s differs from the birth date in the identity number, %(born)s")
            % {"given": given_born.isoformat(), "born": born.isoformat()}))
    if given_sex == Sex.UNKNOWN:
        values["sex"] = sex
    if errors:
        raise InvalidInput(_("The person was not saved."), errors)


def _set_key_groups(person: Person, groups: list[KeyGroup]) -> None:
    PersonKeyGroup.objects.filter(person=person).delete()
    PersonKeyGroup.objects.bulk_create(
        PersonKeyGroup(tenant_id=person.tenant_id, person=person, key_group=g) for g in groups
    )


def new_person_values(data: Mapping, *, document_normalised: bool = False) -> dict:
    """The rules of a new person (fields, document, what a resident ID says of birth and sex):
    register_person's, and the import's set-based writer's for each row of its batch.
    `document_normalised`: the caller has already passed the document through
    identity.normalise_document (an import's rows are, as the file is read: interop/rows.py), so
    it is not validated a second time; what the resident ID says of birth and sex still is."""
    values = _clean(data, partial=False)
    _check_document(values, None, normalised=document_normalised)
    return values


def register_person(*, actor: Actor, data: Mapping) -> Person:
    require_role(actor, Can.CHANGE_PERSON, what="person")
    values = new_person_values(data)
    require(actor, Can.CHANGE_PERSON, values["home_area"])
    groups = values.pop("key_groups", [])
    with transaction.atomic():
        person = Person.objects.create(tenant_id=values["home_area"].tenant_id, **values)
        _set_key_groups(person, groups)
        events.publish(PersonRegistered(actor=actor, record_id=person.pk, person=person,
                                        area=person.home_area))
    return person


def update_person(*, actor: Actor, person_id: int, changes: Mapping) -> Person:
    with unit_of_work(actor) as uow:
        person = uow.fetch(access_person, person_id, Can.CHANGE_PERSON)
        values = _clean(changes, partial=True)
        new_area = values.get("home_area")
        if new_area is not None and new_area.tenant_id != person.tenant_id:
            raise InvalidInput(_("The person was not saved."), [FieldError(
                "home_area", _("lies in another jurisdiction tree; register the person there"))])
        if new_area is not None:
            require(actor, Can.CHANGE_PERSON, new_area, person=person)
        if values.keys() & {"id_type", "id_number", "birth_date", "sex"}:
            _check_document(values, person)
        groups = values.pop("key_groups", None)
        changed = sorted(k for k, v in values.items() if getattr(person, k) != v)
        for key, value in values.items():
            setattr(person, key, value)
        person.save()
        if groups is not None and {g.pk for g in groups} != set(
                person.key_groups.values_list("pk", flat=True)):
            _set_key_groups(person, groups)
            changed.append("key_groups")
        # Field names only: the audit trail says what changed, not the personal values.
        events.publish(PersonChanged(actor=actor, record_id=person.pk, person=person,
                                     area=person.home_area, detail={"fields": changed}))
    return person


def view_person(*, actor: Actor, person_id: int, capability: str = Can.VIEW_PERSON) -> Person:
    """Open a person's record (to read, or in the edit form): exactly one audit event per view."""
    person = access_person(actor=actor, person_id=person_id, capability=capability)
    record_person_view(actor=actor, person=person)
    return person


def record_person_view(*, actor: Actor, person: Person, others: Iterable = ()) -> None:
    """The one `view` event of a person's record shown; `others`: the other people's rows the
    page showed (rows with `person`), named in the event too."""
    events.publish(PersonViewed(actor=actor, record_id=person.pk, person=person,
                                area=person.home_area, shown=shown_in(others)))


def shown_in(rows: Iterable) -> tuple[tuple[int, int], ...]:
    """(person id, tenant id) of the people behind rows a page showed (rows with `person`)."""
    return tuple((row.person_id, row.person.tenant_id) for row in rows)


def classify_query(text: str) -> tuple[str, str]:
    """Guess what the user typed: an identity number, a phone number or (part of) a name."""
    value = text.strip()
    compact = re.sub(r"[\s\-]", "", value).upper()
    if re.fullmatch(r"\d{17}[\dX]|[A-Z]{1,3}\d{6,17}", compact):
        return "id_number", compact
    if re.fullmatch(r"\+?\d{7,15}", compact):
        return "phone", compact
    return "name", value


def search_people(*, actor: Actor, query: str, within: Area | None = None,
                  limit: int = 50) -> list[Person]:
    """Exact identity or phone number, or the start of a name, inside the user's scope."""
    query = _CONTROL.sub("", query)  # a NUL would fail on PostgreSQL; no name holds one
    kind, value = classify_query(query)
    if not value:
        return []
    rows = (Person.objects.visible_to(actor, within=within).select_related("home_area")
            .prefetch_related("key_groups"))
    if kind == "name":
        rows = rows.filter(name__istartswith=value).order_by("name", "pk")
    else:
        rows = rows.filter(**{kind: value}).order_by("pk")
    found = list(rows[:limit])
    # The record numbers shown: a result list shows each person's record, so an auditor must
    # be able to tell whose records a search exposed (and each person, who looked at them).
    audit.record_shown(actor=actor, action="search", object_type="person",
                       records=[p.pk for p in found], people=[(p.pk, p.tenant_id) for p in found],
                       places=[p.home_area.path for p in found], area=within,
                       detail={"query": query, "kind": kind, "results": len(found)})
    return found
