"""Bulk writes of areas, people and key-group tags: COPY on PostgreSQL, big batches on SQLite.

For loads of hundreds of thousands of rows (a simulated city, a population register) where the
ORM's one-INSERT-per-batch-with-RETURNING path is too slow. Ids are allocated up front (from the
table's sequence on PostgreSQL, above the current maximum on SQLite, whose write lock the
caller's transaction holds), so children, people and tags can reference rows in the same pass.
Callers own the transaction: wrap a whole load in `transaction.atomic()` so it commits entirely
or not at all. Rows are trusted (generated or already validated): no per-row checks run here.

Every load of ANALYZE_AFTER rows or more into a table is followed, once the transaction commits,
by `ANALYZE` of that table on either database (issue 15): without statistics, a commander's list
over a freshly loaded city took 1.8 s instead of 20 ms. A caller may name the columns queries
filter, join and sort on (`analyze=`): on PostgreSQL only those are sampled, which spares the
statistics of large text and JSON columns nobody filters on (the risk-area regrade's proposals:
their JSON basis made ANALYZE ten times slower than the columns that matter, issue 11).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from itertools import islice
from operator import itemgetter

import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.base import ModelState
from django.utils import timezone

from outbreakhq.core.models import PATH_SEP, Area, Person, PersonKeyGroup

SQLITE_BATCH = 20_000
COLUMN_ROWS = 10_000  # rows read a column at a time before they are written (insert_models)
COPY_BATCH = 100_000  # rows turned into CSV at a time for COPY: bounds the buffer's memory
ANALYZE_AFTER = 1000  # rows loaded into a table in one transaction
SQLITE_ANALYSIS_LIMIT = 10_000  # rows of each index SQLite samples (PRAGMA analysis_limit)
STALE_SHARE = 0.1  # statistics are refreshed once the rows loaded reach this share of theirs
_loaded_since: dict[tuple[str, str], int] = {}  # (database, table) -> rows loaded, not analyzed


class _Analyze:
    """The on-commit hook that refreshes one table's planner statistics (of `columns` only,
    on PostgreSQL, when given; SQLite's ANALYZE reads indexes, whatever the columns)."""

    def __init__(self, table: str, columns: Sequence[str] | None = None, rows: int = 0):
        self.table = table
        self.columns = sorted(set(columns)) if columns else None
        self.rows = rows

    def widen(self, columns: Sequence[str] | None) -> None:
        """Another load of the same table in the same transaction: analyze its columns too."""
        if self.columns is not None:
            self.columns = sorted(set(self.columns) | set(columns)) if columns else None

    def __call__(self) -> None:
        key = (connection.alias, self.table)
        loaded = _loaded_since.get(key, 0) + self.rows
        with connection.cursor() as cursor:
            known = _rows_in_statistics(cursor, self.table) if self.columns is None else None
            if known and loaded < STALE_SHARE * known:
                # A batch among many (a screening round's 2,000 tubes into millions): the
                # statistics still describe the table; refreshing them each time cost more than
                # the batch's writes. They are refreshed once the loads add up to a tenth of
                # the rows they know (PostgreSQL's autovacuum uses the same tenth).
                _loaded_since[key] = loaded
                return
            _loaded_since.pop(key, None)
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
                cursor.execute(f'ANALYZE "{self.table}"')
                return
            quoted = [connection.ops.quote_name(c) for c in self.columns or ()]
            named = f" ({', '.join(quoted)})" if quoted else ""
            cursor.execute(f'ANALYZE "{self.table}"{named}')


def _rows_in_statistics(cursor, table: str) -> float | None:
    """The table's row count as its planner statistics know it; None if never analyzed."""
    if connection.vendor == "sqlite":
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        counts = [int(stat.split()[0]) for (stat,) in cursor.fetchall() if stat]
        return max(counts) if counts else None
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                   [connection.ops.quote_name(table)])
    row = cursor.fetchone()
    return row[0] if row and row[0] > 0 else None


def analyze_after_load(table: str, rows: int, columns: Sequence[str] | None = None) -> None:
    """ANALYZE `table` (`columns`: only those, default all) once the current transaction
    commits (now, outside one), if `rows` is a bulk load; one hook per table per transaction,
    none if it rolls back. A whole-table refresh is skipped while the rows loaded since the
    last one are under a tenth (STALE_SHARE) of the rows the statistics know."""
    if rows < ANALYZE_AFTER:
        return
    if not connection.in_atomic_block:
        _Analyze(table, columns, rows)()
        return
    for hook in connection.run_on_commit:
        if isinstance(hook[1], _Analyze) and hook[1].table == table:
            hook[1].widen(columns)
            hook[1].rows += rows
            return
    transaction.on_commit(_Analyze(table, columns, rows))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a set-based writer builds and writes a batch (issue
    14). The batch's tens of thousands of new objects (instances, rows, events) all stay
    referenced until it is written, so the collections they trigger find nothing to free, yet
    each walked them: a fifth of a 5,000-case commit, most of it one full collection of the
    whole process; a sixth of a screening round's path (a batch of 2,000 tubes registered or
    resulted, issue 9); a third of the risk-area regrade's Python time (issue 11). The
    collector runs again when the batch is done (a batch is bounded: the import's row limit,
    SQLite's BATCH_ROWS, a file's 2,000 tubes); left alone if someone else paused it. Also a
    decorator: `@collector_paused()`."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(frozen=True)
class AreaRow:
    code: str
    parent_code: str | None  # None for a root
    level: str
    name_en: str
    name_zh: str
    population: int


@dataclass(frozen=True)
class PersonRow:
    name: str
    sex: str
    birth_date: date | None
    id_type: str
    id_number: str
    phone: str
    home_area_id: int
    address: str


def allocate_ids(table: str, count: int) -> list[int]:
    if count == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 (model name)
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _write(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Insert rows (tuples in `columns` order); return how many were written."""
    written = 0
    column_list = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            analyze_after_load(table, written)
            return written
        sql = (f'INSERT INTO "{table}" ({column_list}) '  # noqa: S608 (model names)
               f'VALUES ({", ".join(["%s"] * len(columns))})')
        rows = iter(rows)
        # SQLITE_BATCH rows at a time, taken by islice: no Python step a row (issue 14).
        while batch := list(islice(rows, SQLITE_BATCH)):
            cursor.executemany(sql, batch)
            written += len(batch)
    analyze_after_load(table, written)
    return written


def write_columns(table: str, columns: pa.Table, *, analyze: Sequence[str] | None = None) -> int:
    """Insert an Arrow table whose column names are the table's; return how many rows.

    The columnar twin of `_write` for loads of millions of rows (a simulated outbreak's
    follow-ups): Arrow turns whole columns into CSV text for COPY on PostgreSQL, with no Python
    object per value; on SQLite, dates and timestamps become the text Django stores.
    `analyze`: the columns whose statistics a bulk load refreshes (default all)."""
    column_list = ", ".join(f'"{c}"' for c in columns.column_names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            options = pa_csv.WriteOptions(include_header=False)
            with cursor.cursor.copy(f'COPY "{table}" ({column_list}) FROM STDIN '
                                    "WITH (FORMAT csv)") as copy:
                for batch in columns.to_batches(COPY_BATCH):
                    sink = pa.BufferOutputStream()
                    pa_csv.write_csv(batch, sink, options)
                    copy.write(sink.getvalue().to_pybytes())
            analyze_after_load(table, columns.num_rows, analyze)
            return columns.num_rows
        sql = (f'INSERT INTO "{table}" ({column_list}) '  # noqa: S608 (model names)
               f'VALUES ({", ".join(["%s"] * columns.num_columns)})')
        for batch in columns.to_batches(SQLITE_BATCH):
            values = [_sqlite_values(batch.column(i)) for i in range(batch.num_columns)]
            cursor.executemany(sql, list(zip(*values, strict=True)))
    analyze_after_load(table, columns.num_rows, analyze)
    return columns.num_rows


def write_lists(table: str, columns: Mapping[str, tuple[Sequence, pa.DataType]], *,
                analyze: Sequence[str] | None = None) -> int:
    """`write_columns` for columns built as Python lists ({name: (values, Arrow type)}): on
    SQLite, lists of numbers, text and flags are written as they are, without the round trip
    through Arrow that `write_columns` makes (a 20,000-member batch of a screening round: 9 ms
    against 2, issue 9); on PostgreSQL, through Arrow's CSV for COPY as `write_columns`."""
    if connection.vendor == "postgresql":
        return write_columns(table, pa.table({name: pa.array(values, kind) for name, (values, kind)
                                              in columns.items()}), analyze=analyze)
    # SQLite: `_write`'s executemany over the rows the lists zip into (its ANALYZE reads the
    # indexes, whatever the columns).
    values = [_sqlite_values(pa.array(v, kind)) if pa.types.is_temporal(kind) else v
              for v, kind in columns.values()]
    return _write(table, list(columns), zip(*values, strict=True)) if columns else 0


def _sqlite_values(column: pa.Array) -> list:
    """Python values as Django's SQLite backend writes them: ISO text for dates, naive UTC text
    for timestamps (the 'YYYY-MM-DD HH:MM:SS.ffffff' its converters read back)."""
    if pa.types.is_date(column.type):
        column = column.cast(pa.string())
    elif pa.types.is_timestamp(column.type):
        column = column.cast(pa.timestamp("us")).cast(pa.string())
    return column.to_pylist()


def insert_areas(rows: Sequence[AreaRow]) -> dict[str, int]:
    """Insert a tree (parents before children; a parent may also exist already).

    Computes path, depth and root like `core.areas`; returns {code: id} of the new rows."""
    ids = dict(zip((r.code for r in rows), allocate_ids(Area._meta.db_table, len(rows)),
                   strict=True))
    parents = {r.parent_code for r in rows if r.parent_code and r.parent_code not in ids}
    known = {a.code: a for a in Area.objects.filter(code__in=parents)}
    info: dict[str, tuple[int, str, int, int | None]] = {
        code: (a.id, a.path, a.depth, a.root_id or a.id) for code, a in known.items()}
    table = []
    for r in rows:
        if r.parent_code is None:
            path, depth, parent_id, root_id = PATH_SEP + r.code + PATH_SEP, 0, None, None
            info[r.code] = (ids[r.code], path, depth, ids[r.code])
        else:
            parent_id, parent_path, parent_depth, root_id = info[r.parent_code]
            path, depth = parent_path + r.code + PATH_SEP, parent_depth + 1
            info[r.code] = (ids[r.code], path, depth, root_id)
        table.append((ids[r.code], r.code, parent_id, root_id, r.level, r.name_en, r.name_zh,
                      r.population, path, depth))
    _write(Area._meta.db_table, ("id", "code", "parent_id", "root_id", "level", "name_en",
                                 "name_zh", "population", "path", "depth"), table)
    return ids


def insert_people(rows: Sequence[PersonRow], *, tenant_id: int) -> list[int]:
    """Insert people of one tenant (the root area id); return their new ids in row order."""
    ids = allocate_ids(Person._meta.db_table, len(rows))
    now = datetime.now(UTC)
    _write(Person._meta.db_table,
           ("id", "tenant_id", "name", "sex", "birth_date", "id_type", "id_number", "phone",
            "home_area_id", "address", "created_at", "updated_at"),
           ((pid, tenant_id, r.name, r.sex, r.birth_date, r.id_type, r.id_number, r.phone,
             r.home_area_id, r.address, now, now) for pid, r in zip(ids, rows, strict=True)))
    return ids


def insert_person_key_groups(pairs: Iterable[tuple[int, int]], *, tenant_id: int) -> int:
    """Tag people: (person id, key group id) pairs of one tenant; return how many."""
    pairs = list(pairs)
    ids = allocate_ids(PersonKeyGroup._meta.db_table, len(pairs))
    return _write(PersonKeyGroup._meta.db_table, ("id", "tenant_id", "person_id", "key_group_id"),
                  ((i, tenant_id, p, g) for i, (p, g) in zip(ids, pairs, strict=True)))


def assign_ids(objs: Sequence[models.Model]) -> None:
    """Give unsaved instances of one model their ids now, so that rows of the same batch can
    point at each other (a case's source further down the file) before anything is written."""
    if not objs:
        return
    meta = type(objs[0])._meta
    ids = allocate_ids(meta.db_table, len(objs))
    if meta.parents:  # a child of multi-table inheritance: its parent links take the id too
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
        return
    attname = meta.pk.attname
    for obj, pk in zip(objs, ids, strict=True):
        obj.__dict__[attname] = pk  # what `obj.pk = pk` sets, without its two calls an object


def with_ids(rows: models.QuerySet, ids: Iterable[int]) -> models.QuerySet:
    """`rows` narrowed to these ids. A batch's ids are allocated together (allocate_ids): when
    they fill their range, one range read instead of an IN list of thousands of numbers, which
    PostgreSQL plans and SQLite binds one parameter at a time (issue 14: 0.6 s of a
    5,000-case commit). Other rows in the range are not read."""
    ids = set(ids)
    if not ids:
        return rows.none()
    low, high = min(ids), max(ids)
    if high - low + 1 == len(ids):
        return rows.filter(pk__gte=low, pk__lte=high)
    return rows.filter(pk__in=sorted(ids))


def insert_models(objs: Sequence[models.Model]) -> int:
    """Insert unsaved instances of one model in one pass (COPY, or executemany on SQLite): every
    concrete column with the value `save()` would write (defaults, auto_now), ids assigned here
    unless `assign_ids` gave them already. No save() override or signal runs: callers are
    set-based writers that have applied the model's rules to the whole batch."""
    if not objs:
        return 0
    meta = type(objs[0])._meta
    if any(obj.__dict__.get(meta.pk.attname) is None for obj in objs):
        assign_ids(objs)
    fields = [f for f in meta.concrete_fields if f.column]
    # As save() does: a related row created in the same batch has its id now. A relation at a
    # time over the batch (a loop of every field of every instance was a tenth of a commit).
    states = [(obj.__dict__, obj._state.fields_cache) for obj in objs]
    for f in fields:
        if not f.is_relation:
            continue
        cache, attname, key = f.cache_name, f.attname, f.target_field.attname
        for own, cached in states:
            if cache in cached:
                related = cached[cache]
                # Into __dict__: setattr() would drop the cached object the caller still reads.
                own[attname] = getattr(related, key) if related is not None else None
    db = connections[DEFAULT_DB_ALIAS]  # once: `connection` is a proxy looked up per use
    now = timezone.now()  # one moment for the batch's auto_now columns, as one INSERT would be
    return _write(meta.db_table, [f.column for f in fields],
                  _rows(fields, [obj.__dict__ for obj in objs], objs.__getitem__, db, now))


def insert_returning(obj: models.Model, *, where: tuple[str, list] | None = None
                     ) -> tuple[str, list]:
    """`INSERT INTO table (…) SELECT … RETURNING "id"` of one unsaved instance, with its
    values prepared as save() prepares them (defaults, auto_now, JSON), to be chained with
    other writes in one PostgreSQL statement (a WITH of data-modifying parts): a write of a
    few related rows in one round trip and without the ORM's compiler (issue 9, the sealed
    tube). `where`: (SQL, parameters) of a condition without which nothing is inserted.
    Returns the SQL and its parameters."""
    db = connections[DEFAULT_DB_ALIAS]
    fields, sql = _insert_select(type(obj), db.vendor)
    params = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    condition, more = where or ("TRUE", [])
    return f"{sql} WHERE {condition} RETURNING \"id\"", [*params, *more]


@cache
def _insert_select(model: type[models.Model], vendor: str) -> tuple[list, str]:
    """The fields insert_returning writes and its SQL up to the WHERE, made once a model."""
    meta, db = model._meta, connections[DEFAULT_DB_ALIAS]
    fields = [f for f in meta.concrete_fields
              if f.column and not f.primary_key and not f.generated]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    # typed, as a SELECT list does not take the columns' types as VALUES does
    values = ", ".join(f"%s::{f.cast_db_type(db)}" for f in fields)
    return fields, f'INSERT INTO "{meta.db_table}" ({columns}) SELECT {values}'  # noqa: S608


@cache
def maker(model: type[models.Model]) -> Callable[..., models.Model]:
    """A function that makes unsaved instances of `model` as `model(**values)` does (defaults,
    a related object's id beside its cached object, a property set through its setter), for
    the set-based writers that make thousands of them for insert_models: without Django's
    per-field loop, which was a fifth of an import's commit (issue 14). No pre_init or
    post_init signal is sent: no model written this way listens to them."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f.column and not f.generated]
    called = [f for f in fields if f.has_default() and callable(f.default)]
    fixed = {f.attname: f.get_default() for f in fields if f not in called}
    # Each relation's name, its columns (own attname, the related row's attname) and the key
    # of its cached object, read once here rather than through the field for every instance.
    related = [(f.name, [(mine.attname, theirs.attname) for mine, theirs in f.related_fields],
                f.cache_name) for f in fields if f.is_relation]
    known = {f.attname for f in fields} | {name for name, _c, _k in related}

    def make(**values) -> models.Model:
        obj = model.__new__(model)
        state = obj._state = ModelState()
        own = obj.__dict__
        own.update(fixed)
        for f in called:
            own[f.attname] = f.get_default()
        # A property among them (rare): set through its setter after the fields, as
        # Model.__init__ does.
        properties = {name: values.pop(name) for name in values.keys() - known} \
            if not values.keys() <= known else {}
        own.update(values)  # columns by attname as they are; relations by name, just below
        cached = state.fields_cache
        for name, columns, key in related:
            if name in values:  # as the forward descriptor sets it (set_cached_value)
                value = cached[key] = own.pop(name)
                for mine, theirs in columns:
                    own[mine] = getattr(value, theirs) if value is not None else None
        for name, value in properties.items():
            setattr(obj, name, value)
        return obj

    return make


class _Values:
    """A row given as a dict of attnames, read as insert_models reads an instance."""

    def __init__(self, values: dict):
        self.__dict__ = values


def insert_values(model: type[models.Model], rows: Sequence[dict], *,
                  numbered: bool = True) -> list[int]:
    """Insert rows of `model` given as {attname: value} dicts (`case_id`, not `case`), in one
    pass like insert_models, without a model instance each (issue 14: building instances was
    the largest part of an import's commit left). Columns a row leaves out take the field's
    default, as Model(**values) would give it. Returns the new ids in row order; with
    `numbered=False` none: the database numbers the rows as it inserts them (its sequence on
    PostgreSQL, the rowid on SQLite), as audit rows are (core/audit.record_each), for rows
    whose ids nobody reads back (issue 14: a subscriber's thousands of derived rows)."""
    if not rows:
        return []
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f.column and (numbered or not f.primary_key)]
    fixed, called = {}, []
    for f in fields:
        if f.primary_key:
            continue
        if f.has_default() and callable(f.default):
            called.append(f)
        else:
            fixed[f.attname] = f.get_default()
    ids = allocate_ids(meta.db_table, len(rows)) if numbered else []
    full = [fixed | {f.attname: f.get_default() for f in called} | row for row in rows] \
        if called else [fixed | row for row in rows]
    if numbered:
        for pk, values in zip(ids, full, strict=True):
            values[meta.pk.attname] = pk
    _write(meta.db_table, [f.column for f in fields],
           _rows(fields, full, lambda i: _Values(full[i]), connections[DEFAULT_DB_ALIAS],
                 timezone.now()))
    return ids


def _rows(fields: Sequence[models.Field], values: Sequence[dict],
          instance: Callable[[int], object], db, now: datetime) -> Iterator[tuple]:
    """The rows to insert, read a column at a time from the instances' attribute dicts
    (`values`; `instance(i)` is the i-th row as an object, for the fields read through their
    own pre_save): one comprehension a column instead of one function call a value, which was
    the largest part of the Python time of an import's commit left (issue 14). COLUMN_ROWS
    rows at a time, so that a load of millions does not hold every value twice."""
    columns = [_column_of(f, db, now) for f in fields]
    for start in range(0, len(values), COLUMN_ROWS):
        part = values[start:start + COLUMN_ROWS]

        def nth(i: int, start: int = start) -> object:
            return instance(start + i)

        yield from zip(*[column(part, nth) for column in columns], strict=True)


def _read(values: Sequence[dict], attname: str) -> list:
    """One column of a batch's attribute dicts: by itemgetter, in C, when every row has it
    (instances and rows made with their defaults do); else None where a row leaves it out."""
    try:
        return list(map(itemgetter(attname), values))
    except KeyError:
        return [own.get(attname) for own in values]


# Python types a column of this kind stores as they are: the value's own is what
# get_db_prep_save would return (text stays text, a number stays a number), on both backends.
_PLAIN = ((models.CharField, (str,)), (models.TextField, (str,)),
          (models.BooleanField, (bool,)), (models.IntegerField, (int,)),
          (models.AutoField, (int,)), (models.BigAutoField, (int,)))


def _column_of(field: models.Field, db, now: datetime):
    """How one column's values are read from a batch, as save() would write each. A plain
    column (text, number, flag, foreign key) whose values already have the stored type is read
    as it is: get_db_prep_save would return each unchanged. A date is adapted by the backend
    directly (what get_db_prep_save ends in); an auto_now timestamp is `now` for the whole
    batch, prepared once and set on each instance as pre_save() sets it. Anything else (JSON,
    a value of another type) takes the full path, value by value."""
    attname = field.attname

    def full(values, instance, f=field):
        return [f.get_db_prep_save(f.pre_save(instance(i), True), db)
                for i in range(len(values))]

    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        stored = field.get_db_prep_save(now, db)

        def stamped(values, instance):
            for own in values:
                own[attname] = now
            return [stored] * len(values)

        return stamped
    if type(field) is models.DateField and not (field.auto_now or field.auto_now_add):
        adapt = db.ops.adapt_datefield_value
        if type(db.ops).adapt_datefield_value is BaseDatabaseOperations.adapt_datefield_value:
            adapt = str  # what it returns for a date (SQLite), without a Python call a value

        def days(values, instance):
            column = _read(values, attname)
            if set(map(type, column)) <= {date, type(None)}:
                # A batch's dates are few (a file's report dates span weeks): each distinct
                # one adapted once, not once a row (issue 14).
                text = {day: adapt(day) for day in set(column) if day is not None}
                text[None] = None
                return [text[day] for day in column]
            return [None if day is None else adapt(day) if type(day) is date
                    else field.get_db_prep_save(field.pre_save(instance(i), True), db)
                    for i, day in enumerate(column)]

        return days

    target = field.target_field if field.is_relation else field
    plain = next((types for kind, types in _PLAIN if isinstance(target, kind)), None)
    if plain is None or type(field).pre_save is not models.Field.pre_save or \
            (field.is_relation and type(target).pre_save is not models.Field.pre_save):
        return full
    stored_as_is = {*plain, type(None)}
    text = str in plain

    def as_they_are(values, instance):
        column = _read(values, attname)
        kinds = set(map(type, column))
        # Text columns also take str's subclasses as they are (a choice such as
        # Outcome.UNKNOWN): CharField's and TextField's preparation returns any str unchanged,
        # so the full path gave back the same object, at four calls a value (issue 14).
        if kinds <= stored_as_is or text and all(
                kind is type(None) or issubclass(kind, str) for kind in kinds):
            return column
        return [value if type(value) in stored_as_is
                else field.get_db_prep_save(field.pre_save(instance(i), True), db)
                for i, value in enumerate(column)]

    return as_they_are
