"""Sections other modules add to a person's page (their cases, contacts, stays…), registered in
each module's AppConfig.ready() through hooks.person_panel(), so the core page shows what this
deployment has without importing the modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Person


@dataclass(frozen=True)
class PersonPanel:
    template: str
    # (actor, person) -> the template's context; must read through the module's scoped entry point.
    # Other people the section shows go in its "shown_rows" (rows with `person`): the page's
    # view event names them too.
    context: Callable[..., dict]
    order: int = 100


PANELS: list[PersonPanel] = []


def panels_for(actor: Actor, person: Person) -> list[tuple[str, dict]]:
    return [(p.template, p.context(actor, person)) for p in PANELS]
