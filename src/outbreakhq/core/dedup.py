"""Duplicate persons: candidate pairs found by blocking, never by comparing everyone with everyone.

Three blocks, each one grouped query (GROUP BY tenant, key HAVING COUNT(*) > 1) over the user's
scope, then pairwise comparison inside each block only:

1. ``document``: same identity document (type and normalised number): certain;
2. ``birth``: same birth date and a similar name;
3. ``phone``: same phone and a similar name.

A pair is listed once, under the first block that proposes it, with every reason for and
against. Pages walk the blocks in key order, so the list is keyset-paginated by block: the
cursor names the last block shown, and no page counts or sorts the whole population.
Grouping by tenant keeps every pair inside one jurisdiction tree.
"""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from itertools import combinations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from outbreakhq.core import audit
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area, DismissedPair, Person
from outbreakhq.core.roles import Can

KINDS: dict[str, tuple[str, ...]] = {
    "document": ("id_type", "id_number"),
    "birth": ("birth_date",),
    "phone": ("phone",),
}
# Blocks bigger than this are shared placeholders (a clinic's phone, 1900-01-01), not one
# person typed twice; comparing inside them is quadratic, so they are counted and skipped.
MAX_BLOCK = 400
CHUNK = 5000  # people fetched in one query (bounded by SQLite's limit on query parameters)
EMPTY = {"document": Q(id_number=""), "birth": Q(birth_date=None), "phone": Q(phone="")}
FIELDS = ("id", "tenant_id", "name", "sex", "birth_date", "id_type", "id_number", "phone",
          "home_area_id")
# A Latin name carries little per letter: one typo in "Wang Fang" leaves a ratio of ~0.9. A
# Chinese character carries a syllable, so one wrong homophone in a three-character name
# already drops the ratio to 0.67; the threshold for all-CJK names is lower for that reason.
LATIN_THRESHOLD = 0.8
CJK_THRESHOLD = 0.65

REASONS = {
    "same_document": _("same identity document"),
    "same_birth_date": _("same date of birth"),
    "same_phone": _("same phone"),
    "same_name": _("same name"),
    "similar_name": _("similar name"),
    "same_home_area": _("same home area"),
    "different_name": _("names differ"),
    "different_sex": _("different sex"),
    "different_birth_date": _("different dates of birth"),
    "different_document": _("different identity numbers"),
}
AGAINST = frozenset({"different_name", "different_sex", "different_birth_date",
                     "different_document"})


# --- pure matching -------------------------------------------------------------------------

def normalise_name(name: str) -> str:
    """Case-folded letters and digits only: spaces, punctuation and accents do not count."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def _is_cjk(text: str) -> bool:
    return bool(text) and all(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def name_similarity(a: str, b: str) -> float:
    """0..1. Also compares the words sorted, because romanised Chinese names come in both
    orders ("Wang Fang" / "Fang Wang")."""
    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    best = SequenceMatcher(None, na, nb).ratio()
    sa = "".join(sorted(normalise_name(w) for w in (a or "").split()))
    sb = "".join(sorted(normalise_name(w) for w in (b or "").split()))
    if sa == sb:
        return max(best, 0.95)
    return best


def similar_enough(a: str, b: str, similarity: float) -> bool:
    na, nb = normalise_name(a), normalise_name(b)
    threshold = CJK_THRESHOLD if _is_cjk(na) and _is_cjk(nb) else LATIN_THRESHOLD
    return similarity >= threshold


@dataclass(frozen=True)
class Candidate:
    """Two records that may be one person. `left` is the older record (lower id)."""

    left: dict
    right: dict
    kind: str
    score: int
    reasons: tuple[str, ...]

    @property
    def key(self) -> tuple[int, int]:
        return self.left["id"], self.right["id"]

    @property
    def certain(self) -> bool:
        return self.kind == "document"

    def reason_labels(self) -> list[tuple[str, str, bool]]:
        """(code, translated label, counts against) for each reason, strongest first."""
        return [(r, str(REASONS[r]), r in AGAINST) for r in self.reasons]


def _same(a, b) -> bool:
    return a not in (None, "") and a == b


def _differ(a, b) -> bool:
    return a not in (None, "") and b not in (None, "") and a != b


def assess(a: dict, b: dict) -> Candidate | None:
    """Whether two records (dicts of FIELDS) may be one person, why, and how strongly."""
    if a["tenant_id"] != b["tenant_id"]:
        return None
    left, right = (a, b) if a["id"] < b["id"] else (b, a)
    similarity = name_similarity(a["name"], b["name"])
    similar = similar_enough(a["name"], b["name"], similarity)
    same_doc = _same(a["id_number"], b["id_number"]) and a["id_type"] == b["id_type"]
    same_birth = _same(a["birth_date"], b["birth_date"])
    same_phone = _same(a["phone"], b["phone"])
    if same_doc:
        kind = "document"
    elif same_birth and similar:
        kind = "birth"
    elif same_phone and similar:
        kind = "phone"
    else:
        return None
    reasons = [r for r, holds in (
        ("same_document", same_doc), ("same_birth_date", same_birth),
        ("same_phone", same_phone), ("same_name", similarity == 1.0),
        ("similar_name", similar and similarity < 1.0),
        ("same_home_area", a["home_area_id"] == b["home_area_id"]),
        ("different_name", not similar),
        ("different_sex", _differ(a["sex"].replace("U", ""), b["sex"].replace("U", ""))),
        ("different_birth_date", _differ(a["birth_date"], b["birth_date"])),
        ("different_document", a["id_type"] == b["id_type"]
         and _differ(a["id_number"], b["id_number"])),
    ) if holds]
    return Candidate(left, right, kind, _score(similarity, reasons), tuple(reasons))


def _score(similarity: float, reasons: list[str]) -> int:
    """100 for the same document and name; otherwise up to 99, lowered by counter-evidence
    (twins share a birth date and a surname, but not a sex or an identity number)."""
    if "same_document" in reasons:
        base = 100 if "different_name" not in reasons else 90
    else:
        base = round(55 * similarity) + 25 * ("same_birth_date" in reasons) \
            + 20 * ("same_phone" in reasons) + 4 * ("same_home_area" in reasons)
        base = min(base, 99)
    penalty = {"different_sex": 15, "different_birth_date": 20, "different_document": 40}
    return max(1, base - sum(p for r, p in penalty.items() if r in reasons))


def pairs_in_block(kind: str, members: list[dict],
                   dismissed: set[tuple[int, int]]) -> list[Candidate]:
    """The candidates a block proposes: only those whose first block is this one, so a pair
    found by document and by birth date is listed once."""
    found = []
    for a, b in combinations(sorted(members, key=lambda m: m["id"]), 2):
        if (a["id"], b["id"]) in dismissed:
            continue
        candidate = assess(a, b)
        if candidate is not None and candidate.kind == kind:
            found.append(candidate)
    return found


# --- cursor --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    kind: str
    tenant_id: int
    key: tuple

    def encode(self) -> str:
        raw = json.dumps([self.kind, self.tenant_id, *[_plain(v) for v in self.key]])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        if not text:
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            kind, tenant_id, *key = raw
            if kind not in KINDS or len(key) != len(KINDS[kind]) or not isinstance(tenant_id,
                                                                                    int):
                raise ValueError(kind)
            if kind == "birth":
                key = [date.fromisoformat(key[0])]
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise InvalidInput(str(_("The page link is damaged; start from the first page.")),
                               [FieldError("after", "not a cursor from this list")]) from None
        return cls(kind, tenant_id, tuple(key))


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


# --- queries -------------------------------------------------------------------------------

def scoped_people(by, *, within: Area | None = None) -> QuerySet:
    """Merging is changing: only people the user may change are compared."""
    return Person.objects.visible_to(by, Can.CHANGE_PERSON, within=within)


def _after(columns: tuple[str, ...], values: tuple) -> Q:
    """Lexicographic `(columns) > (values)` as OR-ed conditions, portable to SQLite."""
    query = Q()
    for i, column in enumerate(columns):
        equal = dict(zip(columns[:i], values[:i], strict=True))
        query |= Q(**equal, **{f"{column}__gt": values[i]})
    return query


def _blocks(rows: QuerySet, kind: str, after: Cursor | None) -> list[tuple]:
    """(tenant_id, *key, size) of every block with two or more people: one grouped query."""
    columns = ("tenant_id", *KINDS[kind])
    rows = rows.exclude(EMPTY[kind])
    if after is not None:
        rows = rows.filter(_after(columns, (after.tenant_id, *after.key)))
    grouped = (rows.order_by().values(*columns).annotate(n=Count("id")).filter(n__gt=1)
               .order_by(*columns).values_list(*columns, "n"))
    return list(grouped)


def _members(rows: QuerySet, kind: str, blocks: Iterable[tuple]) -> dict[tuple, list[dict]]:
    """The people of some blocks, fetched in one query, keyed by block."""
    columns = ("tenant_id", *KINDS[kind])
    by_prefix: dict[tuple, list] = {}
    for block in blocks:
        by_prefix.setdefault(block[:-1][:-1], []).append(block[-2])
    query = Q()
    for prefix, last in by_prefix.items():
        query |= Q(**dict(zip(columns[:-1], prefix, strict=True)), **{f"{columns[-1]}__in": last})
    members: dict[tuple, list[dict]] = {}
    for row in rows.filter(query).order_by().values(*FIELDS):
        members.setdefault(tuple(row[c] for c in columns), []).append(row)
    return members


def _dismissed(ids: list[int]) -> set[tuple[int, int]]:
    return set(DismissedPair.objects.filter(person_low__in=ids)
               .values_list("person_low", "person_high"))


def _chunks(blocks: list[tuple]) -> Iterator[list[tuple]]:
    """Consecutive runs of blocks holding about CHUNK people in all."""
    chunk: list[tuple] = []
    size = 0
    for block in blocks:
        chunk.append(block)
        size += min(block[-1], MAX_BLOCK)
        if size >= CHUNK:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


@dataclass
class Walked:
    candidates: list[Candidate]
    cursor: Cursor
    skipped: int = 0  # people in blocks too big to compare


def walk(rows: QuerySet, start: Cursor | None = None) -> Iterator[Walked]:
    """Every block after `start`, in order, with the candidates it proposes."""
    kinds = list(KINDS)
    first = kinds.index(start.kind) if start else 0
    for kind in kinds[first:]:
        blocks = _blocks(rows, kind, start if start and start.kind == kind else None)
        for chunk in _chunks(blocks):
            small = [b for b in chunk if b[-1] <= MAX_BLOCK]
            members = _members(rows, kind, small)
            dismissed = _dismissed([m["id"] for ms in members.values() for m in ms])
            for block in chunk:
                cursor = Cursor(kind, block[0], tuple(block[1:-1]))
                if block[-1] > MAX_BLOCK:
                    yield Walked([], cursor, skipped=block[-1])
                    continue
                found = pairs_in_block(kind, members.get(block[:-1], []), dismissed)
                yield Walked(found, cursor)


@dataclass
class DuplicatePage:
    candidates: list[Candidate] = field(default_factory=list)
    next_cursor: str = ""
    skipped: int = 0
    areas: dict[int, Area] = field(default_factory=dict)


def find_duplicates(*, by, within: Area | None = None, after: str = "", limit: int = 50,
                    request=None) -> DuplicatePage:
    """One page of candidate pairs in the user's scope. Pages end on a block boundary, so a
    page may hold a few more than `limit` pairs; `next_cursor` is empty on the last page."""
    page = DuplicatePage()
    for step in walk(scoped_people(by, within=within), Cursor.decode(after)):
        page.candidates += step.candidates
        page.skipped += step.skipped
        if len(page.candidates) >= limit:
            page.next_cursor = step.cursor.encode()
            break
    area_ids = {c.left["home_area_id"] for c in page.candidates} | {
        c.right["home_area_id"] for c in page.candidates}
    page.areas = Area.objects.in_bulk(area_ids)
    # The list shows names and numbers: it is recorded like a search.
    audit.record(user=by, action="search", object_type="person", area=within, request=request,
                 detail={"kind": "duplicates", "results": len(page.candidates)})
    return page
