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
from django.db import IntegrityError, transaction
from django.db.models import F
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

    existing = _replay(idempotency_key, fingerprint)
    if existing is not None:
        return existing
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
        # A concurrent request with the same key committed first (unique key), or a
        # concurrent reversal of the same transaction did (unique `reverses`).
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


def _write(
    *, kind, scope_id, totals, idempotency_key, fingerprint, created_by, memo, occurred_on, reverses, reason, field
):
    # Lock every account touched, in primary-key order, and read balances under the lock.
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=totals).order_by("pk")}
    for pk, amount in sorted(totals.items()):
        account = locked[pk]
        if account.kind in NON_NEGATIVE_KINDS and account.balance + amount < 0:
            raise InsufficientCredits(account=account, needed=-amount, available=account.balance, field=field)
    txn = Transaction.objects.create(
        kind=kind,
        scope_id=scope_id,
        memo=memo[:300],
        created_by=created_by,
        occurred_on=occurred_on,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        reverses=reverses,
        reason=reason[:300],
    )
    Posting.objects.bulk_create(
        Posting(transaction=txn, account_id=pk, amount=amount, balance_after=locked[pk].balance + amount)
        for pk, amount in sorted(totals.items())
    )
    for pk, amount in totals.items():
        Account.objects.filter(pk=pk).update(balance=F("balance") + amount)
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
