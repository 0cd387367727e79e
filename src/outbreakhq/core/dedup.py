"""Duplicate persons: candidate pairs found by blocking, never by comparing everyone with everyone.

Three kinds of block, each a set of people sharing one value inside the user's scope; records
are compared only inside a block (core/matching.py says how):

1. ``document``: same identity document number: certain;
2. ``birth``: same birth date (and tenant), with a similar name;
3. ``phone``: same phone, with a similar name.

A pair is listed once, under the first kind that proposes it, with every reason for and
against. Pages walk the blocks in key order along an index, so the list is keyset-paginated by
block: the cursor names the last block shown, and no page counts or sorts the whole population.
Document and phone numbers are nearly all unique, so their blocks come from a grouped query
(GROUP BY number HAVING COUNT(*) > 1); nearly everyone shares a birth date with someone, so
birth blocks are read as one ordered stream of people, cut where the date changes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.matching import Candidate, pairs_in_block
from outbreakhq.core.models import Area, DismissedPair, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas
from outbreakhq.core.scoped import require_role

# The columns of each block, in the order of an index, so that a page's grouped query walks the
# index from its cursor and stops after BLOCK_BATCH groups instead of sorting the population.
# Document and phone blocks span tenants and document types (their indexes are on the number
# alone); `assess` keeps each pair inside one tenant and one document type.
KINDS: dict[str, tuple[str, ...]] = {
    "document": ("id_number",),
    "birth": ("tenant_id", "birth_date"),
    "phone": ("phone",),
}
BLOCK_BATCH = 1000
BLOCKS_PER_PAGE = 5000  # a page's work is bounded even when few blocks hold a pair
# Blocks bigger than this are shared placeholders (a clinic's phone, 1900-01-01), not one
# person typed twice; comparing inside them is quadratic, so they are counted and skipped.
MAX_BLOCK = 400
CHUNK = 5000  # people fetched in one query (bounded by SQLite's limit on query parameters)
STREAM = 2000  # people read at a time from the ordered stream of birth blocks
EMPTY = {"document": Q(id_number=""), "birth": Q(birth_date=None), "phone": Q(phone="")}
FIELDS = ("id", "tenant_id", "name", "sex", "birth_date", "id_type", "id_number", "phone",
          "home_area_id")


# --- cursor --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    """The last block of a page: its kind and its key (the values of KINDS[kind])."""

    kind: str
    key: tuple

    def encode(self) -> str:
        raw = json.dumps([self.kind, *[_plain(v) for v in self.key]])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        if not text:
            return None
        try:
            kind, *key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if kind not in KINDS or len(key) != len(KINDS[kind]):
                raise ValueError(kind)
            if kind == "birth":
                key = [int(key[0]), date.fromisoformat(key[1])]
            elif not isinstance(key[0], str):
                raise ValueError(key)
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise InvalidInput(str(_("The page link is damaged; start from the first page.")),
                               [FieldError("after", str(_("not a cursor from this list")))]
                               ) from None
        return cls(kind, tuple(key))


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


# --- queries -------------------------------------------------------------------------------

def scoped_people(actor: Actor, *, within: Area | None = None) -> QuerySet:
    """Merging is changing: only people the user may change are compared. People without a
    name (cases of a de-identified line list, issue 14) are left alone: nothing tells two of
    them apart or together."""
    return Person.objects.visible_to(actor, Can.MERGE_PERSON, within=within).exclude(name="")


def _after(columns: tuple[str, ...], values: tuple) -> Q:
    """Lexicographic `(columns) > (values)` as OR-ed conditions, portable to SQLite."""
    query = Q()
    for i, column in enumerate(columns):
        equal = dict(zip(columns[:i], values[:i], strict=True))
        query |= Q(**equal, **{f"{column}__gt": values[i]})
    return query


def _blocks(rows: QuerySet, kind: str, after: tuple | None) -> list[tuple]:
    """(*key, size) of the next BLOCK_BATCH blocks with two or more people after `after`."""
    columns = KINDS[kind]
    rows = rows.exclude(EMPTY[kind])
    if after is not None:
        rows = rows.filter(_after(columns, after))
    grouped = (rows.order_by().values(*columns).annotate(n=Count("id")).filter(n__gt=1)
               .order_by(*columns).values_list(*columns, "n"))
    return list(grouped[:BLOCK_BATCH])


def _members(rows: QuerySet, kind: str, blocks: Iterable[tuple]) -> dict[tuple, list[dict]]:
    """The people of some blocks, fetched in one query, keyed by block."""
    columns = KINDS[kind]
    by_prefix: dict[tuple, list] = {}
    for *prefix, last, _size in blocks:
        by_prefix.setdefault(tuple(prefix), []).append(last)
    query = Q()
    for prefix, last in by_prefix.items():
        query |= Q(**dict(zip(columns[:-1], prefix, strict=True)), **{f"{columns[-1]}__in": last})
    members: dict[tuple, list[dict]] = {}
    for row in rows.filter(query).order_by().values(*FIELDS):
        members.setdefault(tuple(row[c] for c in columns), []).append(row)
    return members


def _dismissed(actor: Actor, within: Area | None) -> set[tuple[int, int]]:
    """Every dismissed pair of the tenants in scope: few (people decide them one by one), so
    they are read once per page rather than once per block."""
    tenants = {a.tenant_id for a in scope_areas(actor, Can.MERGE_PERSON, within=within)}
    return set(DismissedPair.objects.filter(tenant_id__in=tenants)
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


Block = tuple[tuple, list[dict], int]  # key, members (empty when too big), size


def _grouped(rows: QuerySet, kind: str, after: tuple | None) -> Iterator[Block]:
    """Blocks from grouped queries of BLOCK_BATCH blocks each, members fetched per chunk."""
    while True:
        blocks = _blocks(rows, kind, after)
        for chunk in _chunks(blocks):
            members = _members(rows, kind, [b for b in chunk if b[-1] <= MAX_BLOCK])
            for *key, size in chunk:
                yield tuple(key), members.get(tuple(key), []), size
        if len(blocks) < BLOCK_BATCH:
            return
        after = blocks[-1][:-1]


def _streamed(rows: QuerySet, kind: str, after: tuple | None) -> Iterator[Block]:
    """Blocks cut from the people ordered by the block key: one index range scan, stopped as
    soon as the page is full."""
    columns = KINDS[kind]
    rows = rows.exclude(EMPTY[kind])
    if after is not None:
        rows = rows.filter(_after(columns, after))
    people = rows.order_by(*columns).values(*FIELDS).iterator(chunk_size=STREAM)
    for key, group in groupby(people, key=lambda r: tuple(r[c] for c in columns)):
        members = list(group)
        if len(members) > 1:
            yield key, members if len(members) <= MAX_BLOCK else [], len(members)


@dataclass
class Walked:
    candidates: list[Candidate]
    cursor: Cursor
    skipped: int = 0  # people in blocks too big to compare


def walk(rows: QuerySet, start: Cursor | None = None,
         dismissed: frozenset | set = frozenset()) -> Iterator[Walked]:
    """Every block after `start`, in order, with the candidates it proposes."""
    kinds = list(KINDS)
    for kind in kinds[kinds.index(start.kind) if start else 0:]:
        after = start.key if start and start.kind == kind else None
        source = _streamed if kind == "birth" else _grouped
        for key, members, size in source(rows, kind, after):
            if size > MAX_BLOCK:
                yield Walked([], Cursor(kind, key), skipped=size)
            else:
                yield Walked(pairs_in_block(kind, members, dismissed), Cursor(kind, key))


def _reading():
    """In a transaction, PostgreSQL's server-side cursor for the stream is not WITH HOLD, so it
    is not materialised in full: a page reads only the people up to its last block. SQLite
    streams anyway, and its transactions take the write lock (IMMEDIATE): none there."""
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


@dataclass
class DuplicatePage:
    candidates: list[Candidate] = field(default_factory=list)
    next_cursor: str = ""
    skipped: int = 0
    areas: dict[int, Area] = field(default_factory=dict)


def find_duplicates(*, actor: Actor, within: Area | None = None, after: str = "", limit: int = 50,
                    min_score: int = 0) -> DuplicatePage:
    """One page of candidate pairs in the user's scope scoring at least `min_score`, best first.

    A page ends on a block boundary, so it may hold a few more than `limit` pairs. It also ends
    after BLOCKS_PER_PAGE blocks, found or not, so that a page costs the same when few pairs
    qualify; `next_cursor` is then set although the page may be short (or empty), and it is
    empty only when every block has been read."""
    require_role(actor, Can.MERGE_PERSON, what="person")
    page = DuplicatePage()
    with _reading():
        steps = walk(scoped_people(actor, within=within), Cursor.decode(after),
                     _dismissed(actor, within))
        for read, step in enumerate(steps, start=1):
            page.candidates += [c for c in step.candidates if c.score >= min_score]
            page.skipped += step.skipped
            if len(page.candidates) >= limit or read >= BLOCKS_PER_PAGE:
                page.next_cursor = step.cursor.encode()
                break
        steps.close()  # ends the stream of people now, inside the transaction
    page.candidates.sort(key=lambda c: -c.score)
    area_ids = {c.left["home_area_id"] for c in page.candidates} | {
        c.right["home_area_id"] for c in page.candidates}
    page.areas = Area.objects.in_bulk(area_ids)
    # The list shows names and numbers: it is recorded like a search, naming both sides.
    sides = [side for c in page.candidates for side in (c.left, c.right)]
    audit.record_shown(actor=actor, action="search", object_type="person",
                       records=list(dict.fromkeys(side["id"] for side in sides)),
                       people=[(side["id"], side["tenant_id"]) for side in sides],
                       places=[page.areas[side["home_area_id"]].path for side in sides],
                       area=within,
                       detail={"kind": "duplicates", "results": len(page.candidates)})
    return page
