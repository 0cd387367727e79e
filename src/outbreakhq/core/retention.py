"""Retention rules: which kinds of record are kept how long after an outbreak is declared over.

Each module registers its record kinds here in its AppConfig.ready() (core registers people and
audit events, tracing its follow-ups, contacts and cases), with the function that selects a
tree's rows of that kind, so core never imports the modules and the purge (core/purge.py) covers
whatever this deployment has.

The periods are the deployment's setting OUTBREAKHQ_RETENTION, not a protocol preset: how long
personal data may be kept is a matter of the operator's legal basis (data-protection law, the
health authority's records schedule), not of the public-health rules a preset describes, and the
same preset runs under different laws (docs/operations.md, "Retention").

This module imports no models: settings.py parses the setting with `parse_periods`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

_PAIR = re.compile(r"^([a-z][a-z0-9_]*)=([0-9]+)$")


class RetentionError(ValueError):
    """An OUTBREAKHQ_RETENTION value that cannot be run; the message names the kind and why."""


@dataclass(frozen=True)
class RecordKind:
    """One kind of record the purge deletes.

    `rows(tenant, entered_before)` returns the QuerySet of the tree's rows of this kind that
    were entered before the declaration (the rows of the outbreak declared over). `purge(rows)`
    deletes them and returns {model label: rows deleted}; the default is QuerySet.delete(), which
    takes cascaded rows along in batched set-based statements. Kinds are purged in `order`.
    `deleted_with` names the kind whose rows take these along (a contact's follow-ups go with it),
    so this kind's period may not be longer than that one's. `scheduled(tenant, entered_before)`,
    when given, counts the rows the schedule page announces, where `rows` alone would undercount
    (people become purgeable only once the records about them are gone)."""

    name: str
    label: str | Promise
    rows: Callable[..., Any]
    order: int
    deleted_with: str = ""
    purge: Callable[[Any], dict[str, int]] | None = None
    scheduled: Callable[..., Any] | None = None
    note: str | Promise = ""


KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> None:
    KINDS[kind.name] = kind


def kinds() -> list[RecordKind]:
    """The registered kinds in purge order: dependent rows before the rows they depend on."""
    return sorted(KINDS.values(), key=lambda k: k.order)


def parse_periods(text: str) -> dict[str, int]:
    """Parse 'followup=30,contact=90': days per kind. Syntax only: the kinds are checked against
    the registry by `check_periods` once the modules are loaded."""
    periods: dict[str, int] = {}
    for part in text.replace(";", ",").split(","):
        part = part.strip().replace(" ", "")
        if not part:
            continue
        match = _PAIR.match(part)
        if match is None:
            raise RetentionError(f"OUTBREAKHQ_RETENTION: {part!r}: expected kind=days, "
                                 f"for example followup=30 (days as a whole number)")
        name, days = match.group(1), int(match.group(2))
        if name in periods:
            raise RetentionError(f"OUTBREAKHQ_RETENTION: {name!r} given twice")
        periods[name] = days
    return periods


def effective_periods(configured: dict[str, int], defaults: dict[str, int]) -> dict[str, int]:
    """The deployment's values over the defaults: setting one kind leaves the others as shipped."""
    return {**defaults, **configured}


def check_periods(periods: dict[str, int], registered: dict[str, RecordKind]) -> list[str]:
    """Every problem with the periods, each naming the kind: unknown kinds (typos), kinds without
    a period, a kind kept longer than the kind it is deleted with, and an audit trail that would
    not outlive the data it describes."""
    problems = [f"OUTBREAKHQ_RETENTION: {name!r} is not a kind of record here; known: "
                f"{', '.join(sorted(registered))}" for name in periods if name not in registered]
    problems += [f"OUTBREAKHQ_RETENTION: no period for {name!r}; add {name}=DAYS"
                 for name in registered if name not in periods]
    for kind in registered.values():
        parent = kind.deleted_with
        if kind.name in periods and parent in periods and periods[kind.name] > periods[parent]:
            problems.append(
                f"OUTBREAKHQ_RETENTION: {kind.name}={periods[kind.name]} is longer than "
                f"{parent}={periods[parent]}, but {kind.name} records are deleted with their "
                f"{parent}")
    if "audit" in periods:
        longest = max((days for name, days in periods.items() if name != "audit"), default=0)
        if periods["audit"] < longest:
            problems.append(
                f"OUTBREAKHQ_RETENTION: audit={periods['audit']} is shorter than the longest "
                f"data period ({longest} days); the audit trail must outlive the data it "
                f"describes")
    return problems


def periods() -> dict[str, int]:
    """The periods this deployment runs, checked against the registered kinds."""
    from django.conf import settings

    values = dict(settings.OUTBREAKHQ_RETENTION)
    problems = check_periods(values, KINDS)
    if problems:
        raise RetentionError("\n".join(problems))
    return values


def system_check(app_configs=None, **kwargs) -> list:
    """`outbreakhq check` (and every start of the server) reports bad retention periods."""
    from django.conf import settings
    from django.core.checks import Error

    return [Error(problem, id="outbreakhq.E010")
            for problem in check_periods(dict(settings.OUTBREAKHQ_RETENTION), KINDS)]
