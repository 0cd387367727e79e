"""The protocol engine: public-health rules as data, loaded from a preset file and validated.

Every module reads its durations, test days, grading thresholds and pool sizes from the object
`load()` or `current()` returns, so that a deployment switches protocol (or changes one number)
by configuration, never by code. Pure Python: Django is imported only inside `current()`, because
the simulator and notebooks use this module without a Django project.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from outbreakhq.protocols.schema import PERSON_CATEGORIES, PersonRule, Protocol

__all__ = [
    "PERSON_CATEGORIES",
    "PersonRule",
    "Protocol",
    "ProtocolError",
    "as_toml",
    "available",
    "current",
    "load",
    "parse_overrides",
    "reset_cache",
]

PRESET_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_UNION_TAGS = {"int", "str", "float", "bool"}


class ProtocolError(ValueError):
    """A preset or an override that cannot be run; the message names the preset and the key."""


def available() -> list[str]:
    """Names of the shipped presets (the `.toml` files next to this module)."""
    return sorted(path.stem for path in PRESET_DIR.glob("*.toml"))


def parse_overrides(text: str) -> dict[str, object]:
    """Parse `a.b=1;c.d=[1,2];e=text`: each value as JSON when it parses, else as a string.

    The format fits in one environment variable; JSON values let a deployment set lists and
    booleans (`test_days=[1,4,7]`, `buffer_ring=true`) without a second syntax.
    """
    overrides: dict[str, object] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, raw = part.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            raise ProtocolError(f"override {part.strip()!r}: expected dotted.key=value")
        if key in overrides:
            raise ProtocolError(f"override {key!r}: given twice")
        try:
            overrides[key] = json.loads(raw)
        except ValueError:
            overrides[key] = raw
    return overrides


def _apply_overrides(data: dict, overrides: Mapping[str, object]) -> dict:
    """Return a copy of `data` with each dotted key replaced; a key the preset lacks is an error.

    Presets state every key (the schema has no defaults), so "not in the file" means "not a
    rule": refusing it catches typos that would otherwise leave the old value silently in force.
    """
    data = copy.deepcopy(data)
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or leaf not in node:
            raise ProtocolError(f"override {dotted!r}: no such key")
        if isinstance(node[leaf], dict):
            raise ProtocolError(f"override {dotted!r}: is a table; override its keys one by one")
        node[leaf] = value
    return data


def _problems(name: str, error: ValidationError) -> list[str]:
    """One `name: dotted.key: reason` line per problem pydantic or the cross-checks found."""
    lines = []
    for item in error.errors():
        # Drop the union-member tags pydantic adds (`int`, `literal['household']`): not keys.
        parts = [str(p) for p in item["loc"] if p not in _UNION_TAGS and "[" not in str(p)]
        key = ".".join(parts)
        if item["type"] == "value_error" and not key:
            # Cross-field checks already start each line with the keys they concern.
            reason = str(item["ctx"]["error"])
            lines += [f"{name}: {line}" for line in reason.splitlines()]
        else:
            lines.append(f"{name}: {key}: {item['msg']}")
    return lines


def load(name: str, overrides: str | Mapping[str, object] | None = None) -> Protocol:
    """Load preset `name`, apply overrides (text or mapping of dotted keys), validate all."""
    if not _NAME.match(name) or not (PRESET_DIR / f"{name}.toml").is_file():
        raise ProtocolError(f"unknown protocol {name!r}; available: {', '.join(available())}")
    path = PRESET_DIR / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{name}: {path.name}: {exc}") from exc
    if isinstance(overrides, str):
        overrides = parse_overrides(overrides)
    if overrides:
        data = _apply_overrides(data, overrides)
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError("\n".join(_problems(name, exc))) from None
    if protocol.meta.name != name:
        raise ProtocolError(f"{name}: meta.name: is {protocol.meta.name!r}, not the file name")
    return protocol


@cache
def _load_cached(name: str, overrides: str) -> Protocol:
    return load(name, overrides)


def current() -> Protocol:
    """The deployment's protocol: `OUTBREAKHQ_PROTOCOL` with `OUTBREAKHQ_PROTOCOL_OVERRIDES`.

    Cached per (name, overrides) pair, so a test's `override_settings` takes effect without
    clearing anything, and a request never re-reads the file.
    """
    from django.conf import settings

    return _load_cached(
        settings.OUTBREAKHQ_PROTOCOL, getattr(settings, "OUTBREAKHQ_PROTOCOL_OVERRIDES", "") or ""
    )


def reset_cache() -> None:
    """Forget loaded presets (tests that edit preset files or monkeypatch the directory)."""
    _load_cached.cache_clear()


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else "inf")
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes); keep Chinese readable.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value")


def _toml_table(table: Mapping[str, object], prefix: str, out: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    if prefix and scalars:
        out += ["", f"[{prefix}]"]
    out += [f"{key} = {_toml_value(value)}" for key, value in scalars.items()]
    for key, value in table.items():
        if isinstance(value, Mapping):
            _toml_table(value, f"{prefix}.{key}" if prefix else key, out)


def as_toml(protocol: Protocol) -> str:
    """The effective rules as TOML, readable by `tomllib` and by a person checking a deployment."""
    out: list[str] = []
    _toml_table(protocol.model_dump(mode="json"), "", out)
    return "\n".join(out).lstrip("\n") + "\n"
