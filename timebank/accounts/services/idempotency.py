"""The one idempotency mechanism: every write a client may retry goes through here.

A service that may be retried calls `idempotent_request` first thing inside its
transaction. The first request with a key inserts a record for (who asks, the
programme, the operation, the key) holding the request's fingerprint; the service
then does its work and `finish`es the record with a reference to what it produced,
in the same transaction. A retry finds the record and gets the first result back;
the same key with another request raises IdempotencyConflict (409 in the API).

Two requests with one key at once: the second's insert waits on the unique index
until the first commits, then fails, and the second replays the first's result (if
the first rolled back, the second's insert goes through and it does the work).
"""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.errors import IdempotencyConflict
from ledger.services import request_hash
from timebank.accounts.models import IdempotencyRecord, Programme, User

KEY_MAX = 100


def clean_key(key: str) -> str:
    """The client's key, stripped; ValidationError (naming Idempotency-Key) when empty, too long or unprintable."""
    key = (key or "").strip() if isinstance(key, str) else ""
    if not 1 <= len(key) <= KEY_MAX or not key.isprintable():
        raise ValidationError(
            {"Idempotency-Key": [_("Send an Idempotency-Key of 1 to %(max)s printable characters.") % {"max": KEY_MAX}]}
        )
    return key


@dataclass
class IdempotentRequest:
    """What `idempotent_request` found: a new request to carry out, or a retry of one that was.

    `ledger_key` is the key of the ledger transaction the request posts: the same for a
    retry of the same request even after its record was purged, so the ledger never pays twice.
    """

    record: IdempotencyRecord | None = None
    replayed: bool = False
    ledger_key: str = ""

    def result(self, model: type[models.Model]) -> models.Model:
        """The row the first request produced, marked `replayed = True`."""
        row = model._default_manager.get(pk=self.record.result_id)
        row.replayed = True
        return row

    @property
    def data(self):
        """What the first request produced, when it was not one row (a summary)."""
        return self.record.result_data

    def finish(self, result: models.Model | None = None, *, data=None):
        """Remember what the request produced (a row, or a JSON summary); returns `result`."""
        if self.record is not None:
            if result is not None:
                self.record.result_type = result._meta.label_lower
                self.record.result_id = result.pk
            self.record.result_data = data
            self.record.save(update_fields=["result_type", "result_id", "result_data"])
        return result


def idempotent_request(
    *, actor: User, operation: str, key: str | None, request: dict, programme: Programme | int | None = None
) -> IdempotentRequest:
    """Start a request that a client may retry. Call inside the transaction that makes the change.

    Without a key (the caller asked for no retry protection) every call is a new request.
    Raises ValidationError for a malformed key and IdempotencyConflict when the key was
    used by this person (in this programme) for this operation with another request.
    `programme` is the programme or its id.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("idempotent_request must run inside the transaction of the change it guards")
    if key is None:
        return IdempotentRequest(ledger_key=f"{operation}:{uuid.uuid4().hex}")
    key = clean_key(key)
    fingerprint = request_hash(request)
    scope = _scope(actor, operation, key, programme)
    ledger_key = (
        f"{operation}:" + hashlib.sha256(f"{actor.pk}:{scope['programme_id'] or '-'}:{key}".encode()).hexdigest()[:40]
    )
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(**scope, fingerprint=fingerprint)
    except IntegrityError:
        record = IdempotencyRecord.objects.get(**scope)
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict(key) from None
        return IdempotentRequest(record, replayed=True, ledger_key=ledger_key)
    return IdempotentRequest(record, ledger_key=ledger_key)


def idempotent_replay(
    *, actor: User, operation: str, key: str, request: dict, programme: Programme | int | None = None
) -> IdempotentRequest | None:
    """The earlier request with this key, without recording a new one: None when there is
    none; IdempotencyConflict when it asked for something else. For a caller that must look
    before it decides whether to go on (it holds a lock that keeps a concurrent retry out)."""
    key = clean_key(key)
    record = IdempotencyRecord.objects.filter(**_scope(actor, operation, key, programme)).first()
    if record is None:
        return None
    if record.fingerprint != request_hash(request):
        raise IdempotencyConflict(key)
    return IdempotentRequest(record, replayed=True)


def _scope(actor: User, operation: str, key: str, programme: Programme | int | None) -> dict:
    programme_id = programme.pk if isinstance(programme, Programme) else programme
    return {"actor": actor, "programme_id": programme_id, "operation": operation, "key": key}


def idempotency_records_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the records older than IDEMPOTENCY_KEEP_DAYS; returns how many. Safe to run twice."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
