"""The ledger's front door for writes: accounts, transactions, reversals.

Every credit movement in the platform goes through `transaction_post`, which:
1. returns the first result when its idempotency key was seen before with the
   same request, and raises IdempotencyConflict when the request differs;
2. locks the accounts it touches in primary-key order (so two transfers
   between the same accounts cannot deadlock), re-reads their balances under
   the lock, and refuses to take any non-issuer account below zero;
3. writes the transaction, its postings (with each account's running balance)
   and the new cached balances in one database transaction.
The database's check constraints refuse a negative balance even if a caller
bypassed this function.
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.errors import AlreadyReversed, IdempotencyConflict, InsufficientCredits
from ledger.models import NON_NEGATIVE_KINDS, SCOPE_KINDS, Account, AccountKind, Posting, Transaction, TransactionKind


def account_get(*, kind: str, scope_id: int, holder_id: int | None = None, name: str = "") -> Account:
    """The account of this kind for this scope (and holder), created on first use."""
    if kind not in AccountKind.values:
        raise ValueError(f"unknown account kind {kind!r}")
    if (kind in SCOPE_KINDS) != (holder_id is None):
        raise ValueError(f"{kind} accounts {'have no' if kind in SCOPE_KINDS else 'need a'} holder")
    # Almost every call finds the account: read it without the savepoint creation needs.
    found = list(Account.objects.filter(kind=kind, scope_id=scope_id, holder_id=holder_id)[:1])
    if found:
        return found[0]
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(
                kind=kind, scope_id=scope_id, holder_id=holder_id, defaults={"name": name[:200]}
            )
    except IntegrityError:
        # Two first uses at once: the other one created it.
        account = Account.objects.get(kind=kind, scope_id=scope_id, holder_id=holder_id)
    return account


def request_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def transaction_post(
    *,
    kind: str,
    scope_id: int,
    postings: list[tuple[Account, int]],
    idempotency_key: str,
    created_by=None,
    memo: str = "",
    occurred_on: dt.date | None = None,
    request: dict | None = None,
    reverses: Transaction | None = None,
    reason: str = "",
    field: str = "amount",
) -> Transaction:
    """Post one balanced transaction.

    `postings` are (account, minutes) pairs summing to zero, none zero; several
    pairs on one account are added up. `request` describes what the caller was
    asked to do (defaults to the postings): a retry with the same key and the
    same request returns the first transaction; another request with that key
    raises IdempotencyConflict. Raises InsufficientCredits (naming `field`)
    when a non-issuer account would go below zero, ValidationError for an
    unbalanced or empty transaction; nothing is written when it raises.
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValidationError({"idempotency_key": [_("Give an idempotency key of 1 to 200 characters.")]})
    totals: dict[int, int] = defaultdict(int)
    accounts = {}
    for account, amount in postings:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ValidationError({field: [_("Amounts are whole minutes.")]})
        totals[account.pk] += amount
        accounts[account.pk] = account
    totals = {pk: amount for pk, amount in totals.items() if amount != 0}
    if not totals:
        raise ValidationError({field: [_("A transaction must move some credits.")]})
    if sum(totals.values()) != 0:
        raise ValidationError({field: [_("A transaction's postings must sum to zero.")]})
    if any(accounts[pk].scope_id != scope_id for pk in totals):
        raise ValidationError({field: [_("Credits cannot move between programmes.")]})
    fingerprint = request_hash(request if request is not None else {"kind": kind, "postings": sorted(totals.items())})

    try:
        with transaction.atomic():
            return _write(
                kind=kind,
                scope_id=scope_id,
                totals=totals,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                created_by=created_by,
                memo=memo,
                occurred_on=occurred_on or timezone.localdate(),
                reverses=reverses,
                reason=reason,
                field=field,
            )
    except IntegrityError:
        # The key was used before (a retry, or a concurrent request that committed
        # first), or another reversal of the same transaction committed first.
        existing = _replay(idempotency_key, fingerprint)
        if existing is not None:
            return existing
        if reverses is not None and Transaction.objects.filter(reverses=reverses).exists():
            raise AlreadyReversed() from None
        raise


def _replay(idempotency_key: str, fingerprint: str) -> Transaction | None:
    existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.request_hash != fingerprint:
        raise IdempotencyConflict(idempotency_key)
    return existing


# The posting path is the ledger's hot loop, so it is four plain statements, the same
# row writes a hand-written client would make; the ORM's query building cost more
# than the database work (bench/ledger.py measures the two side by side).
_INSERT_TRANSACTION = (
    f"INSERT INTO {Transaction._meta.db_table} (kind, scope_id, memo, created_by_id, created_at, occurred_on, "  # noqa: S608
    "idempotency_key, request_hash, reverses_id, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
# A conditional update: it takes the row lock, re-reads the balance under it (on
# PostgreSQL a waiting update re-checks the condition on the committed row), and
# matches nothing when the account may not go that far below zero.
_MOVE_BALANCE = (
    f"UPDATE {Account._meta.db_table} SET balance = balance + %s "  # noqa: S608 - table name from the model
    f"WHERE id = %s AND (balance + %s >= 0 OR kind NOT IN ({', '.join(['%s'] * len(NON_NEGATIVE_KINDS))})) "
    "RETURNING balance"
)
_INSERT_POSTING_ROW = "(%s, %s, %s, %s)"


def _insert_postings_sql(rows: int) -> str:
    return (
        f"INSERT INTO {Posting._meta.db_table} (transaction_id, account_id, amount, balance_after) VALUES "  # noqa: S608
        + ", ".join([_INSERT_POSTING_ROW] * rows)
    )


def _write(
    *, kind, scope_id, totals, idempotency_key, fingerprint, created_by, memo, occurred_on, reverses, reason, field
):
    """Insert the transaction first, so a used key or a second reversal fails on its unique
    index before any balance is judged (a retry returns the first result even when the
    credits have been spent since); then move the balances in primary-key order, so two
    transfers between the same accounts lock them in the same order and cannot deadlock."""
    ops = connection.ops
    now = timezone.now()
    values = [
        str(kind),
        scope_id,
        memo[:300],
        created_by.pk if created_by is not None else None,
        ops.adapt_datetimefield_value(now),
        ops.adapt_datefield_value(occurred_on),
        idempotency_key,
        fingerprint,
        reverses.pk if reverses is not None else None,
        reason[:300],
    ]
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_TRANSACTION, values)
        txn_id = cursor.fetchone()[0]
        for pk, amount in sorted(totals.items()):
            cursor.execute(_MOVE_BALANCE, [amount, pk, amount, *NON_NEGATIVE_KINDS])
            moved = cursor.fetchone()
            if moved is None:
                account = Account.objects.get(pk=pk)
                raise InsufficientCredits(account=account, needed=-amount, available=account.balance, field=field)
            rows.extend((txn_id, pk, amount, moved[0]))
        cursor.execute(_insert_postings_sql(len(totals)), rows)
    txn = Transaction(
        id=txn_id,
        kind=kind,
        scope_id=scope_id,
        memo=memo[:300],
        created_by=created_by,
        created_at=now,
        occurred_on=occurred_on,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        reverses=reverses,
        reason=reason[:300],
    )
    txn._state.adding = False
    txn._state.db = connection.alias
    return txn


def transaction_reverse(
    *, original: Transaction, reason: str, created_by, idempotency_key: str, memo: str = ""
) -> Transaction:
    """Undo a transaction with a new one that posts the opposite amounts.

    Refused (ValidationError) without a reason, for a reversal itself, for a
    transaction already reversed, or when the credits have since been spent
    (InsufficientCredits). A transaction is reversed at most once, also under
    concurrency: `reverses` is unique in the database.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the transaction is reversed.")]})
    request = {"reverse": original.pk, "reason": reason}
    # A retry of this very reversal returns it, before "already reversed" could refuse it.
    replayed = _replay(idempotency_key, request_hash(request))
    if replayed is not None:
        return replayed
    if original.kind == TransactionKind.REVERSE:
        raise ValidationError({"transaction": [_("A reversal cannot itself be reversed; post a new transaction.")]})
    if Transaction.objects.filter(reverses=original).exists():
        raise AlreadyReversed()
    postings = [(p.account, -p.amount) for p in original.postings.select_related("account")]
    return transaction_post(
        kind=TransactionKind.REVERSE,
        scope_id=original.scope_id,
        postings=postings,
        idempotency_key=idempotency_key,
        created_by=created_by,
        memo=memo or _("Reversal of #%(id)s") % {"id": original.pk},
        request=request,
        reverses=original,
        reason=reason,
        field="transaction",
    )
