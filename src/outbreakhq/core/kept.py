"""Rows a server process keeps for a few seconds (issue 9, the 9 a.m. surge): what every API
request of a busy client reads again and again and that hardly ever changes (an API token with
its user and role assignments, a collection site, a round's fixed fields). A row saved or
deleted in this process makes its keeper forget everything at once; the server's other
processes read it again at the latest OUTBREAKHQ_API_CACHE_SECONDS later (0: nothing is
kept). Never personal data, and never a value whose staleness a rule could not bear (whether a
round is closed is checked by the write itself: screening/services/tubes.py).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save

_MOST = 10_000  # rows a keeper holds before it starts again


_KEEPERS: list[Kept] = []


def forget_everything() -> None:
    """Every keeper of this process forgets (tests that count statements)."""
    for keeper in _KEEPERS:
        keeper.forget()


class Kept:
    """key -> value for OUTBREAKHQ_API_CACHE_SECONDS in this process; forgotten whenever a
    row of one of `models` ("app_label.Model") is saved or deleted here. A plain dict: its
    get, set and clear are atomic under the server's threads."""

    def __init__(self, name: str, *models: str):
        self._rows: dict[Any, tuple[float, Any]] = {}
        _KEEPERS.append(self)
        for model in models:
            for signal, verb in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(self.forget, sender=model, weak=False,
                               dispatch_uid=f"outbreakhq-kept-{name}-{model}-{verb}")

    def get(self, key) -> Any | None:
        kept = self._rows.get(key)
        if kept is None or kept[0] <= time.monotonic():
            return None
        return kept[1]

    def put(self, key, value) -> None:
        seconds = settings.OUTBREAKHQ_API_CACHE_SECONDS
        if seconds <= 0:
            return
        if len(self._rows) >= _MOST:
            self._rows.clear()
        self._rows[key] = (time.monotonic() + seconds, value)

    def forget(self, **_signal) -> None:
        self._rows.clear()
