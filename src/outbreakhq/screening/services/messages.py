"""Bulk messages answered once by their id (issue 9, "idempotent by barcode or message id").

A lab system or a site's queue that does not know whether its last message arrived sends it
again. Barcodes make that harmless already (the same tube again is `unchanged`), but the
answer then differs from the first one (0 created, N unchanged) and the whole message is
checked again. With a message id (the `Idempotency-Key` header, or a FHIR Bundle's
`identifier.value` or `id`), the first answer is stored with the id in the same transaction as
what the message wrote, and the same id again gets that answer back, without processing.

The id is the sender's (one user's) and per kind (tubes, results): another user cannot read
an answer by guessing an id. The same id with another body is refused: answering it with the
first body's answer would hide that this body was never processed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.screening.models import Message
from outbreakhq.screening.services.common import user_of

MAX_KEY = 200


def answer_once(*, actor: Actor, kind: str, key: str | None, body: bytes,
                process: Callable[[], dict]) -> tuple[dict, bool]:
    """(answer, replayed): `process()`'s answer, stored under `key` with the body's hash; or,
    for a key seen before with the same body, the stored answer (replayed=True). Without a
    key (or an anonymous actor) the message is simply processed."""
    user = user_of(actor)
    key = (key or "").strip()
    if not key or user is None:
        return process(), False
    if len(key) > MAX_KEY:
        raise InvalidInput(_("The message was not processed."), [FieldError(
            "Idempotency-Key", _("a message id of at most %(n)d characters") % {"n": MAX_KEY})])
    digest = hashlib.sha256(body).hexdigest()
    earlier = Message.objects.filter(user=user, kind=kind, key=key).first()
    if earlier is not None:
        return _replayed(earlier, digest), True
    with transaction.atomic():
        answer = process()
        try:
            with transaction.atomic():
                Message.objects.create(user=user, kind=kind, key=key, digest=digest,
                                       status=200, answer=answer)
        except IntegrityError:
            # The same message raced in on another connection and committed first: what this
            # one wrote is rolled back with the outer transaction; answer as the first.
            pass
        else:
            return answer, False
        transaction.set_rollback(True)
    return _replayed(Message.objects.get(user=user, kind=kind, key=key), digest), True


def _replayed(earlier: Message, digest: str) -> dict:
    if earlier.digest != digest:
        raise InvalidInput(_("The message was not processed."), [FieldError(
            "Idempotency-Key", _("message id %(key)s was already used for another message") %
            {"key": earlier.key})])
    return earlier.answer


def key_of(headers, body: object) -> str | None:
    """The message id: the Idempotency-Key header, else a FHIR Bundle's identifier.value,
    else its id."""
    key = headers.get("Idempotency-Key")
    if key:
        return key
    if isinstance(body, dict) and body.get("resourceType") == "Bundle":
        identifier = body.get("identifier")
        if isinstance(identifier, dict) and identifier.get("value"):
            return f"Bundle.identifier:{identifier.get('system', '')}|{identifier['value']}"
        if body.get("id"):
            return f"Bundle.id:{body['id']}"
    return None
