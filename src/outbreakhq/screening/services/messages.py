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

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.screening.models import Message
from outbreakhq.screening.services.common import user_of

MAX_KEY = 200
KINDS = {"samples": "tubes", "results": "results"}  # a file's kind -> the message kind


def answer_once(*, actor: Actor, kind: str, key: str | None, body: bytes,
                process: Callable[[], dict]) -> tuple[dict, bool]:
    """(answer, replayed): `process()`'s answer, stored under `key` with the body's hash; or,
    for a key seen before with the same body, the stored answer (replayed=True). Without a
    key (or an anonymous actor) the message is simply processed."""
    user = user_of(actor)
    key = checked_key(key)
    if not key or user is None:
        return process(), False
    digest = hashlib.sha256(body).hexdigest()
    earlier = stored_answer(user=user, kind=kind, key=key, digest=digest)
    if earlier is not None:
        return earlier, True
    try:
        with transaction.atomic():
            answer = process()
            Message.objects.create(user=user, kind=kind, key=key, digest=digest, status=200,
                                   answer=answer)
    except (IntegrityError, connection.Database.IntegrityError) as lost:  # COPY: the driver's
        # The same message raced in on another connection and committed first: this one
        # then meets its message id, or already its tubes' barcodes, in a unique index; what
        # it wrote is rolled back with the transaction. Answer as the first.
        earlier = stored_answer(user=user, kind=kind, key=key, digest=digest)
        if earlier is None:
            raise lost from None  # another conflict than this message's copy: not ours
        return earlier, True
    return answer, False


def checked_key(key: str | None, source: str = "Idempotency-Key") -> str:
    """The message id stripped ("" for none); refused naming where it came from when it is
    longer than the column holds."""
    key = (key or "").strip()
    if len(key) > MAX_KEY:
        raise InvalidInput(_("The message was not processed."), [FieldError(
            source, _("a message id of at most %(n)d characters") % {"n": MAX_KEY})])
    return key


def stored_answer(*, user, kind: str, key: str, digest: str,
                  source: str = "Idempotency-Key") -> dict | None:
    """The answer given to message `key` of this sender and kind, None if it was never
    answered; refused (naming the id) when the id came with another body."""
    earlier = Message.objects.filter(user=user, kind=kind, key=key).first()
    if earlier is None:
        return None
    if earlier.digest != digest:
        raise InvalidInput(_("The message was not processed."), [FieldError(
            source, _("message id %(key)s was already used for another message") %
            {"key": earlier.key})])
    return earlier.answer


def remember(*, user, kind: str, key: str, digest: str, answer: dict) -> dict | None:
    """Store the answer to message `key` once what it wrote is committed (a file imported in
    batches); None, or the first answer when a copy of the message finished first."""
    try:
        with transaction.atomic():
            Message.objects.create(user=user, kind=kind, key=key, digest=digest, status=200,
                                   answer=answer)
    except IntegrityError:
        return stored_answer(user=user, kind=kind, key=key, digest=digest)
    return None


def key_of(headers, body: object) -> str | None:
    """The message id: the Idempotency-Key header, else a FHIR Bundle's identifier
    (system|value), else its id."""
    key = headers.get("Idempotency-Key")
    if key and key.strip():  # a blank header is no id: the bundle's own still counts
        return key
    return bundle_key(body)


def bundle_key(body: object) -> str | None:
    """A FHIR Bundle's own message id: its identifier (system|value), else its id. FHIR bounds
    neither in length, so a long one is kept as its hash rather than refusing a valid bundle
    for the width of our column."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        return None
    identifier = body.get("identifier")
    if isinstance(identifier, dict) and identifier.get("value"):
        key = f"Bundle.identifier:{identifier.get('system', '')}|{identifier['value']}"
    elif body.get("id"):
        key = f"Bundle.id:{body['id']}"
    else:
        return None
    if len(key) > MAX_KEY:
        key = f"{key.split(':', 1)[0]}#sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key
