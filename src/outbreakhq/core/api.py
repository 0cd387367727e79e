"""API routers for areas and people: the same services, scope and audit as the pages."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from outbreakhq.core import audit, dedup, merge, services
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import NotFound, NotPermitted
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, visible_areas

areas_router = Router(tags=["areas"])
people_router = Router(tags=["people"])


class AreaOut(Schema):
    code: str
    parent_code: str | None = Field(None, alias="parent.code")
    level: str
    name_en: str
    name_zh: str
    population: int
    depth: int
    path: str


class PersonIn(Schema):
    name: str
    sex: str = "U"
    birth_date: date | None = None
    id_type: str = "none"
    id_number: str = ""
    phone: str = ""
    home_area: str = Field(description="Area code of the home compound or community")
    address: str = ""
    key_groups: list[str] = []


class PersonPatch(Schema):
    name: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    id_type: str | None = None
    id_number: str | None = None
    phone: str | None = None
    home_area: str | None = None
    address: str | None = None
    key_groups: list[str] | None = None


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: date | None
    id_type: str
    id_number: str
    phone: str
    home_area: str = Field(alias="home_area.code")
    address: str
    key_groups: list[str]
    updated_at: datetime

    @staticmethod
    def resolve_key_groups(obj) -> list[str]:
        return [g.code for g in obj.key_groups.all()]


def _area(request, code: str) -> Area:
    area = visible_areas(actor_of(request)).select_related("parent").filter(code=code).first()
    if area is None:
        other = Area.objects.filter(code=code).first()
        if other is None:
            raise NotFound(gettext("No area with code %(code)s.") % {"code": code})
        services.require(actor_of(request), Can.VIEW_AGGREGATES, other)
    return area


@areas_router.get("/", response=list[AreaOut])
def list_areas(request, parent: str | None = None, level: str | None = None, limit: int = 500):
    """Areas in your scope; `parent` lists one area's children, `level` filters by level."""
    rows = visible_areas(actor_of(request)).select_related("parent")
    if parent:
        rows = rows.filter(parent=_area(request, parent))
    if level:
        rows = rows.filter(level=level)
    return list(rows[: min(max(limit, 1), 5000)])


@areas_router.get("/{code}", response=AreaOut)
def get_area(request, code: str):
    """One area by its code."""
    return _area(request, code)


def _personal(request) -> None:
    if not can(actor_of(request), Can.VIEW_PERSON):
        audit.record(actor=actor_of(request), action="denied", object_type="person",
                     area=visible_areas(actor_of(request)).first(),
                     detail={"capability": Can.VIEW_PERSON})
        raise NotPermitted(gettext("Your role sees aggregate figures only, never "
                                   "personal data."))


@people_router.get("/", response=list[PersonOut])
def search_people(request, q: str, area: str | None = None, limit: int = 50):
    """Search people in your scope by identity number, phone or the start of the name."""
    _personal(request)
    within = _area(request, area) if area else None
    found = services.search_people(actor=actor_of(request), query=q, within=within,
                                   limit=min(max(limit, 1), 200))
    return found


class DuplicateSide(Schema):
    id: int
    name: str
    sex: str
    birth_date: date | None
    id_type: str
    id_number: str
    phone: str
    home_area: str


class DuplicateOut(Schema):
    left: DuplicateSide
    right: DuplicateSide
    kind: str = Field(description="document (certain), birth or phone: the block that found it")
    score: int = Field(description="1-100; lowered by counter-evidence")
    reasons: list[str]


class DuplicatePageOut(Schema):
    items: list[DuplicateOut]
    next: str = Field(description="Pass as `after` for the next page; empty on the last")
    skipped: int = Field(description="People in blocks too common to compare (shared phones)")


class MergeIn(Schema):
    keep_id: int
    merge_id: int
    choices: dict[str, str] = Field(
        {}, description="field -> keep|merge for name, sex, birth_date, document, phone, "
        "home_area, address; fields not named are kept")


class MergeOut(Schema):
    merge_id: int
    person: PersonOut


class DismissIn(Schema):
    person_ids: tuple[int, int]


def _side(row: dict, areas: dict) -> dict:
    return {**row, "home_area": areas[row["home_area_id"]].code}


# Declared before /{person_id} so that "duplicates" is not read as a record number.
@people_router.get("/duplicates", response=DuplicatePageOut)
def list_duplicates(request, area: str | None = None, after: str = "", limit: int = 50,
                    min_score: int = 0):
    """Possible duplicate persons in your scope, best first, with reasons (keyset pages)."""
    within = _area(request, area) if area else None
    page = dedup.find_duplicates(actor=actor_of(request), within=within, after=after,
                                 limit=min(max(limit, 1), 500), min_score=min_score)
    items = [{"left": _side(c.left, page.areas), "right": _side(c.right, page.areas),
              "kind": c.kind, "score": c.score, "reasons": list(c.reasons)}
             for c in page.candidates]
    return {"items": items, "next": page.next_cursor, "skipped": page.skipped}


@people_router.post("/merge", response=MergeOut)
def merge_people(request, payload: MergeIn):
    """Merge record `merge_id` into `keep_id`: references move, the merged record is logged."""
    result = merge.merge_people(actor=actor_of(request), keep_id=payload.keep_id,
                                merge_id=payload.merge_id, choices=payload.choices)
    return {"merge_id": result.log.pk, "person": result.person}


@people_router.post("/duplicates/dismiss", response={204: None})
def dismiss_duplicate(request, payload: DismissIn):
    """Record that two records are different people: the pair is not proposed again."""
    merge.dismiss_pair(actor=actor_of(request), person_ids=payload.person_ids)
    return Status(204, None)


@people_router.get("/{person_id}", response=PersonOut)
def get_person(request, person_id: int):
    """One person's record (audited as a view)."""
    return services.view_person(actor=actor_of(request), person_id=person_id)


@people_router.post("/", response={201: PersonOut})
def create_person(request, payload: PersonIn):
    """Register a person in an area of your scope."""
    person = services.register_person(actor=actor_of(request), data=payload.dict())
    return Status(201, person)


@people_router.patch("/{person_id}", response=PersonOut)
def update_person(request, person_id: int, payload: PersonPatch):
    """Change some fields of a person's record."""
    changes = payload.dict(exclude_unset=True)
    return services.update_person(actor=actor_of(request), person_id=person_id, changes=changes)
