"""The unit of work of a scoped change: one block fetches the row in scope, locks it, hands
it over, and commits what the block changed and published, or rolls it all back
(cosmicpython's unit of work, with scope and audit added).

    with unit_of_work(actor) as uow:
        contact = uow.fetch(access_contact, contact_id, Can.TRACE_CONTACT)  # in scope, locked
        contact.status = ContactStatus.LOST
        contact.save(update_fields=["status", "updated_at"])
        events.publish(ContactLost(actor=actor, ...))  # audit subscribes, in the transaction

The row is fetched once, inside the transaction. A refusal (missing, not yours, not your
role) is audited by core/scoped.py outside the transaction, after its rollback, so it stays
on record even when a whole batch fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from outbreakhq.core import scoped
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import NotFound, OutOfScope

Row = TypeVar("Row")


class UnitOfWork:
    def __init__(self, actor: Actor):
        self.actor = actor

    def fetch(self, access: Callable[..., Row], pk: int, capability: str) -> Row:
        """The row numbered `pk` through its typed accessor, locked until the end of the block."""
        return access(self.actor, pk, capability, lock=True)

    def fetch_each(self, access: Callable[..., Row], pks: tuple[int, ...],
                   capability: str) -> list[Row]:
        """The rows numbered `pks`, each fetched once and locked in id order, so that two
        changes touching the same rows cannot deadlock. The answer is the one of fetching them
        in the order given: the first refused of `pks` is audited and raised, the others'
        refusals are dropped (the caller would have stopped at the first)."""
        rows: dict[int, Row] = {}
        refusals: dict[int, tuple[Exception, list[dict]]] = {}
        for pk in sorted(set(pks)):
            mark = scoped.held_mark()
            try:
                rows[pk] = self.fetch(access, pk, capability)
            except (NotFound, OutOfScope) as exc:
                refusals[pk] = (exc, scoped.take_held(mark))
        for pk in pks:
            if pk in refusals:
                exc, held = refusals[pk]
                scoped.hold(held)
                raise exc
        return [rows[pk] for pk in pks]


@contextmanager
def unit_of_work(actor: Actor) -> Iterator[UnitOfWork]:
    with scoped.atomic():
        yield UnitOfWork(actor)
