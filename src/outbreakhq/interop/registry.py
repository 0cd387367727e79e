"""The importers of the apps, by kind of file: what a new module adds to import its records.

An importer declares the fields a file may fill (fields.Field), which must not be blank, how
cells convert (choices, dates, lengths), the checks of a whole batch against the database, and
a set-based writer. The pipeline (pipeline.py) does everything else, the same way for every
kind: reading, mapping, converting, the plan kept with the upload, previews and their audit,
the role check, background jobs for large files, and one transaction per commit.

Apps register theirs in AppConfig.ready() (tracing/apps.py): interop never imports an app.

A kind whose files are too large for a whole-file plan (millions of rows) registers a
StreamingImporter instead: the app reads, checks and commits its file itself, in bounded memory
and batches; `outbreakhq import KIND FILE` dispatches to it with the same options and totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from outbreakhq.core.errors import FieldError, InvalidInput

if TYPE_CHECKING:
    from outbreakhq.interop.fields import Field
    from outbreakhq.interop.pipeline import ImportResult


@dataclass
class Checked:
    """What an importer's checks found: every row error, and the jurisdiction tree (tenant)
    the file's records belong to (None when no row could be placed)."""

    errors: list[FieldError] = field(default_factory=list)
    tenant_id: int | None = None


@dataclass(frozen=True)
class Importer:
    """One kind of file. `check` fills each row's `action` (create, update, unchanged) and its
    `refs` (the stored objects the writer needs); `write` commits a plan with no errors inside
    the pipeline's transaction and raises InvalidInput naming the row of any refusal."""

    kind: str  # in URLs, the CLI and saved mappings: "cases"
    label: object  # a lazy translation, for the upload page
    capability: str  # what writing these records needs (core/roles.py)
    fields: tuple[Field, ...]
    check: Callable[..., Checked]  # (actor, rows, columns, area) -> Checked
    write: Callable[..., ImportResult]  # (actor, plan) -> ImportResult
    required: tuple[str, ...] = ()  # cells that may not be blank
    choices: Callable[[], dict[str, dict[str, str]]] = dict  # key -> {squashed word: value}
    dates: frozenset[str] = frozenset()
    limits: dict[str, int] = field(default_factory=dict)  # key -> longest text
    row_rules: Callable[[dict], list[tuple[str, str]]] = lambda values: []  # (key, message)
    ignored: tuple[str, ...] = ()  # columns our own export adds that an import skips
    audit_as: str = ""  # object_type of the commit's event; default "<kind>_import"
    allows: Callable[[object], bool] | None = None  # a user allowed without the capability
    # (every row, the rows to write, the numbers of rows not written) -> the rows to write that
    # need one of those (a partial commit holds them back).
    needs: Callable[..., list] | None = None
    # (rows of an error-free plan, rows a batch) -> the batches, in the order to write them,
    # each ready for a fresh check once the earlier ones are in (pipeline.commit_plan commits
    # them in short transactions on SQLite); None: always one transaction.
    batches: Callable[[list, int], list[list]] | None = None


@dataclass
class Streamed:
    """The totals of a streaming import (or of its check, in a dry run); `extra` is a line of
    the kind's own figures (recalls, …) printed above the totals."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0
    refused: int = 0
    extra: str = ""
    replayed: str = ""  # a message answered before: why nothing was done (printed first)


@dataclass(frozen=True)
class StreamingImporter:
    """A kind read and committed by its app, batch by batch, idempotent by its own key.
    `run(actor=, path=, partial=, dry_run=, on_errors=, progress=, message_id=) -> Streamed`:
    without `partial` nothing is written when any row is refused; `on_errors(errors, values)`
    receives each batch's refused rows (FieldError list, and row number -> {field: value}) as
    they are found, so that neither the rows nor their errors are held; `progress(done,
    total)`; `message_id` names the file as one message, answered once (Streamed.replayed when
    it was answered before). Raises InvalidInput for a file refused as a whole."""

    kind: str
    label: object
    capability: str
    run: Callable[..., Streamed]


_IMPORTERS: dict[str, Importer] = {}
_STREAMING: dict[str, StreamingImporter] = {}


def register(importer: Importer) -> None:
    _IMPORTERS[importer.kind] = importer


def register_streaming(importer: StreamingImporter) -> None:
    _STREAMING[importer.kind] = importer


def streaming_for(kind: str) -> StreamingImporter | None:
    return _STREAMING.get(kind)


def streaming_kinds() -> tuple[str, ...]:
    return tuple(_STREAMING)


def importer_for(kind: str) -> Importer:
    if kind not in _IMPORTERS:
        # The words of the line-list import (the areas kind is reached from the areas page).
        raise InvalidInput(_("Unknown kind of import %(kind)r: use cases, contacts or links.")
                           % {"kind": kind})
    return _IMPORTERS[kind]


def kinds() -> tuple[str, ...]:
    return tuple(_IMPORTERS)

