"""The ledger's front door for reads: balances, statements, verification."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from ledger.models import NON_NEGATIVE_KINDS, Account, AccountKind, Posting, Transaction, TransactionKind


def account_find(*, kind: str, scope_id: int, holder_id: int | None = None) -> Account | None:
    """The account if it exists (reads never create accounts)."""
    return Account.objects.filter(kind=kind, scope_id=scope_id, holder_id=holder_id).first()


def balance_of(*, kind: str, scope_id: int, holder_id: int | None = None) -> int:
    """Minutes on the account; 0 for an account never used. One indexed row read,
    whatever the length of the account's history."""
    balance = Account.objects.filter(kind=kind, scope_id=scope_id, holder_id=holder_id).values_list(
        "balance", flat=True
    )
    return next(iter(balance), 0)


def balances_of(*, kind: str, scope_id: int, holder_ids) -> dict[int, int]:
    rows = Account.objects.filter(kind=kind, scope_id=scope_id, holder_id__in=holder_ids)
    return dict(rows.values_list("holder_id", "balance"))


def balances_by_scope(*, kind: str, holder_id: int) -> dict[int, int]:
    """The holder's balance on each of their accounts of `kind`, in minutes, keyed by
    scope id. A scope where the holder has no account yet is absent (read it as 0).
    One query over cached balances, whatever the history."""
    rows = Account.objects.filter(kind=kind, holder_id=holder_id)
    return dict(rows.values_list("scope_id", "balance"))


def balances_by_kind(*, scope_id: int) -> dict[str, int]:
    """The sum of the cached balances of the scope's accounts of each kind, in minutes,
    keyed by account kind (the issuer's is negative by what it issued). A kind with no
    account in the scope is absent (read it as 0). One query, a few rows."""
    rows = Account.objects.filter(scope_id=scope_id).values("kind").annotate(total=Sum("balance"))
    return dict(rows.values_list("kind", "total"))


@dataclass(frozen=True)
class PostingTotals:
    account: Account
    credits_in: int
    credits_out: int
    last_occurred_on: dt.date | None
    last_recorded_at: dt.datetime | None


def posting_totals(
    *, kind: str, scope_id: int, until: dt.date | None = None, holding_only: bool = False
) -> dict[int, PostingTotals]:
    """Per account of `kind` in the scope (only those with a positive balance when
    `holding_only`), keyed by account id: the minutes its positive postings added
    (`credits_in`), the minutes its negative postings took (`credits_out`, as a
    positive number), and when credits last moved on it (the latest date a
    transaction occurred on, and the latest time one was recorded), counting only
    transactions that occurred on or before `until` when given. One query."""
    moved = Q() if until is None else Q(postings__transaction__occurred_on__lte=until)
    accounts = Account.objects.filter(kind=kind, scope_id=scope_id)
    if holding_only:
        accounts = accounts.filter(balance__gt=0)
    accounts = accounts.annotate(
        credits_in=Coalesce(Sum("postings__amount", filter=moved & Q(postings__amount__gt=0)), 0),
        credits_out=Coalesce(-Sum("postings__amount", filter=moved & Q(postings__amount__lt=0)), 0),
        last_occurred_on=Max("postings__transaction__occurred_on", filter=moved),
        last_recorded_at=Max("postings__transaction__created_at", filter=moved),
    ).order_by("pk")
    return {
        a.pk: PostingTotals(
            account=a,
            credits_in=a.credits_in,
            credits_out=a.credits_out,
            last_occurred_on=a.last_occurred_on,
            last_recorded_at=a.last_recorded_at,
        )
        for a in accounts
    }


@dataclass
class StatementLine:
    posting_id: int
    transaction_id: int
    kind: str
    recorded_at: dt.datetime
    occurred_on: dt.date
    memo: str
    amount: int
    balance_after: int
    reverses_id: int | None
    reversed: bool


@dataclass
class Statement:
    account: Account
    opening_balance: int
    closing_balance: int
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def credits_in(self) -> int:
        return sum(line.amount for line in self.lines if line.amount > 0)

    @property
    def credits_out(self) -> int:
        return -sum(line.amount for line in self.lines if line.amount < 0)


def statement(account: Account, *, start: dt.date | None = None, end: dt.date | None = None) -> Statement:
    """The account's postings recorded from `start` to `end` (inclusive), with the
    running balance after each, and the balances before and after the period.

    Running balances are stored on each posting, so a statement costs the same
    whatever came before the period.
    """
    postings = Posting.objects.filter(account=account).select_related("transaction").order_by("id")
    if start is not None:
        postings = postings.filter(transaction__created_at__date__gte=start)
    if end is not None:
        postings = postings.filter(transaction__created_at__date__lte=end)
    rows = list(postings)
    reversed_ids = set(
        Transaction.objects.filter(reverses_id__in=[p.transaction_id for p in rows]).values_list(
            "reverses_id", flat=True
        )
    )
    if rows:
        opening = rows[0].balance_after - rows[0].amount
        closing = rows[-1].balance_after
    else:
        # Nothing in the period: the balance is whatever it was when the period began.
        last = None
        if start is not None:
            before = Posting.objects.filter(account=account, transaction__created_at__date__lt=start)
            last = before.order_by("-id").values_list("balance_after", flat=True).first()
        opening = closing = last or 0
    lines = [
        StatementLine(
            posting_id=p.pk,
            transaction_id=p.transaction_id,
            kind=p.transaction.kind,
            recorded_at=p.transaction.created_at,
            occurred_on=p.transaction.occurred_on,
            memo=p.transaction.memo,
            amount=p.amount,
            balance_after=p.balance_after,
            reverses_id=p.transaction.reverses_id,
            reversed=p.transaction_id in reversed_ids,
        )
        for p in rows
    ]
    return Statement(account=account, opening_balance=opening, closing_balance=closing, lines=lines)


def transactions_of_scope(scope_id: int) -> QuerySet[Transaction]:
    """The scope's transactions, newest first, each with `is_reversed` (True once a reversal points at it)."""
    return (
        Transaction.objects.filter(scope_id=scope_id)
        .annotate(is_reversed=Exists(Transaction.objects.filter(reverses=OuterRef("pk"))))
        .prefetch_related("postings__account")
        .order_by("-id")
    )


def transaction_get(scope_ids, pk: int) -> Transaction:
    """Raises Transaction.DoesNotExist unless the transaction belongs to one of `scope_ids`."""
    return Transaction.objects.filter(scope_id__in=scope_ids).get(pk=pk)


def reversed_transactions() -> QuerySet:
    """The ids of the transactions that have been reversed, as a subquery: `exclude(
    transaction_id__in=...)` leaves them out with a plan that reads only the reversals."""
    return Transaction.objects.filter(reverses__isnull=False).values("reverses_id")


def transaction_key_used(*, idempotency_key: str) -> bool:
    """True when a transaction was posted with this idempotency key: posting again with
    the same key and request would return that transaction instead of a new one."""
    return Transaction.objects.filter(idempotency_key=idempotency_key).exists()


def reversal_of(*, original: Transaction) -> Transaction | None:
    """The transaction that reversed `original`, or None while it stands (a transaction
    is reversed at most once)."""
    return Transaction.objects.filter(reverses=original).first()


def scope_totals(scope_id: int, *, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, int]:
    """Minutes moved in a programme by transaction kind (earned, redeemed, ...), counted
    once per transaction as the credits that left their source account."""
    postings = Posting.objects.filter(transaction__scope_id=scope_id, amount__gt=0)
    if start is not None:
        postings = postings.filter(transaction__occurred_on__gte=start)
    if end is not None:
        postings = postings.filter(transaction__occurred_on__lte=end)
    rows = postings.values("transaction__kind").annotate(total=Sum("amount"))
    return {row["transaction__kind"]: row["total"] for row in rows}


@dataclass(frozen=True)
class FlowGroup:
    """The postings of one kind of transaction on one kind of account. `kind` is the
    transaction's kind, `reverses_kind` the kind of the transaction a reversal reverses
    ("" otherwise). Sums are in minutes; accounts are counted once each."""

    kind: str
    reverses_kind: str
    account_kind: str
    period_net: int  # every posting occurred in the period, summed
    period_credited: int  # the positive postings of the period
    credited_accounts: int  # members' accounts with a positive posting in the period (0 for other kinds)
    debited_accounts: int  # members' accounts with a negative posting in the period (0 for other kinds)
    before_net: int  # every posting occurred before the period
    holders_to_end: int  # members' accounts with a positive posting up to the period's end (0 for other kinds)


def scope_flows_of_periods(scope_ids, periods: list[tuple[dt.date, dt.date]]) -> list[list[FlowGroup]]:
    """How credits moved in the scopes in each (start, end) of `periods` (by the date
    transactions occurred on, both included), grouped by transaction kind and account kind,
    with what had moved before each start: one list of groups per period, in the order given
    (a group with no postings up to a period's end has zeros in its list). One aggregate
    query, one pass over the postings: its cost grows with the postings it reads, its number
    of rows only with the kinds."""
    columns = {}
    for index, (start, end) in enumerate(periods):
        in_period = Q(transaction__occurred_on__gte=start, transaction__occurred_on__lte=end)
        credit, debit = Q(amount__gt=0), Q(amount__lt=0)
        # People are counted on members' accounts only: an issuer or a venue is not a person,
        # and leaving their postings out of the DISTINCT counts halves the sorting.
        member = Q(account__kind=AccountKind.VOLUNTEER)
        columns |= {
            f"p{index}_period_net": Coalesce(Sum("amount", filter=in_period), 0),
            f"p{index}_period_credited": Coalesce(Sum("amount", filter=in_period & credit), 0),
            f"p{index}_credited_accounts": Count("account", filter=member & in_period & credit, distinct=True),
            f"p{index}_debited_accounts": Count("account", filter=member & in_period & debit, distinct=True),
            f"p{index}_before_net": Coalesce(Sum("amount", filter=Q(transaction__occurred_on__lt=start)), 0),
            f"p{index}_holders_to_end": Count(
                "account", filter=member & credit & Q(transaction__occurred_on__lte=end), distinct=True
            ),
        }
    rows = list(
        Posting.objects.filter(
            transaction__scope_id__in=list(scope_ids),
            transaction__occurred_on__lte=max(end for _, end in periods),
        )
        .values("transaction__kind", "transaction__reverses__kind", "account__kind")
        .annotate(**columns)
        .order_by("transaction__kind", "transaction__reverses__kind", "account__kind")
    )
    return [
        [
            FlowGroup(
                kind=row["transaction__kind"],
                reverses_kind=row["transaction__reverses__kind"] or "",
                account_kind=row["account__kind"],
                period_net=row[f"p{index}_period_net"],
                period_credited=row[f"p{index}_period_credited"],
                credited_accounts=row[f"p{index}_credited_accounts"],
                debited_accounts=row[f"p{index}_debited_accounts"],
                before_net=row[f"p{index}_before_net"],
                holders_to_end=row[f"p{index}_holders_to_end"],
            )
            for row in rows
        ]
        for index in range(len(periods))
    ]


# --- Verification -----------------------------------------------------------


@dataclass
class VerificationReport:
    problems: list[str] = field(default_factory=list)
    accounts_checked: int = 0
    transactions_checked: int = 0
    postings_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def ledger_verify() -> VerificationReport:
    """Check every ledger invariant with aggregate queries; name every account and
    transaction at fault."""
    report = VerificationReport(
        accounts_checked=Account.objects.count(),
        transactions_checked=Transaction.objects.count(),
        postings_checked=Posting.objects.count(),
    )
    problems = report.problems

    unbalanced = (
        Transaction.objects.annotate(total=Sum("postings__amount"), n=Count("postings"))
        .filter(Q(n__lt=2) | ~Q(total=0))
        .values_list("pk", "total", "n")
    )
    for pk, total, n in unbalanced:
        problems.append(f"transaction #{pk}: postings sum to {total or 0} minutes over {n} posting(s), not zero")

    computed = dict(Posting.objects.values("account").annotate(total=Sum("amount")).values_list("account", "total"))
    cached_total = 0
    for account in Account.objects.order_by("pk"):
        cached_total += account.balance
        actual = computed.get(account.pk, 0)
        if account.balance != actual:
            problems.append(
                f"account #{account.pk} ({account.kind}, scope {account.scope_id}, holder {account.holder_id}): "
                f"cached balance {account.balance} but its postings sum to {actual}"
            )
        if account.kind in NON_NEGATIVE_KINDS and min(account.balance, actual) < 0:
            problems.append(
                f"account #{account.pk} ({account.kind}, scope {account.scope_id}, holder {account.holder_id}): "
                f"below zero ({min(account.balance, actual)} minutes)"
            )
    if cached_total != 0:
        problems.append(f"all cached balances sum to {cached_total} minutes, not zero")
    posting_total = sum(computed.values())
    if posting_total != 0:
        problems.append(f"all postings sum to {posting_total} minutes, not zero")

    for pk, account_id in _running_balance_faults():
        problems.append(f"posting #{pk} on account #{account_id}: stored running balance disagrees with history")

    twice = (
        Transaction.objects.filter(reverses__isnull=False).values("reverses").annotate(n=Count("id")).filter(n__gt=1)
    )
    for row in twice:
        problems.append(f"transaction #{row['reverses']} reversed {row['n']} times")
    bad_reversals = Transaction.objects.filter(
        Q(reverses__isnull=False) & (~Q(kind=TransactionKind.REVERSE) | Q(reverses__kind=TransactionKind.REVERSE))
    )
    for pk in bad_reversals.values_list("pk", flat=True):
        problems.append(f"transaction #{pk}: not a proper reversal (kind, or it reverses a reversal)")
    issuers_positive = Account.objects.filter(kind=AccountKind.ISSUER, balance__gt=0)
    for account in issuers_positive:
        problems.append(
            f"account #{account.pk} (issuer, scope {account.scope_id}): above zero, issued negative credits"
        )
    return report


def _running_balance_faults() -> list[tuple[int, int]]:
    """Postings whose stored balance_after differs from the running sum of their account's history."""
    sql = """
        SELECT id, account_id FROM (
            SELECT id, account_id, balance_after,
                   SUM(amount) OVER (PARTITION BY account_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS running
            FROM ledger_posting
        ) AS history
        WHERE balance_after <> running
        ORDER BY id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
