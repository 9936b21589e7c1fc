"""API for balances, statements, a programme's ledger and reversals."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from timebank.accounts.models import Programme
from timebank.accounts.selectors.programmes import coordinated_programme_get
from timebank.common.api import IDEMPOTENCY_KEY, Pagination
from timebank.problems import READ_ERRORS, WRITE_ERRORS
from timebank.spending.selectors.credits import (
    my_balances,
    programme_ledger,
    programme_transaction_get,
    programme_transactions,
    volunteer_statement,
)
from timebank.spending.services.corrections import ledger_transaction_reverse
from timebank.volunteers.selectors.volunteers import volunteer_get

router = Router(tags=["credits"])


class BalanceOut(Schema):
    programme: str
    programme_name: str
    minutes: int


class StatementLineOut(Schema):
    transaction: int
    kind: str
    recorded_at: dt.datetime
    occurred_on: dt.date
    memo: str
    minutes: int
    balance_after: int
    reversed: bool


class StatementOut(Schema):
    volunteer: int
    programme: str
    start: dt.date | None
    end: dt.date | None
    opening_balance: int
    closing_balance: int
    lines: list[StatementLineOut]


class PeriodQuery(Schema):
    programme: str
    start: dt.date | None = None
    end: dt.date | None = None


class LedgerSummaryOut(Schema):
    programme: str
    issued: int
    with_volunteers: int
    community_fund: int
    held_for_vouchers: int
    spent_at_partners: int
    expired: int
    outstanding: int


class PostingOut(Schema):
    account: int
    account_kind: str
    holder: int | None
    minutes: int


class TransactionOut(Schema):
    id: int
    kind: str
    occurred_on: dt.date
    recorded_at: dt.datetime
    memo: str
    reason: str
    reverses: int | None
    created_by: int | None
    postings: list[PostingOut]

    @staticmethod
    def resolve_recorded_at(txn) -> dt.datetime:
        return txn.created_at

    @staticmethod
    def resolve_reverses(txn) -> int | None:
        return txn.reverses_id

    @staticmethod
    def resolve_created_by(txn) -> int | None:
        return txn.created_by_id

    @staticmethod
    def resolve_postings(txn) -> list[dict]:
        return [
            {
                "account": p.account_id,
                "account_kind": p.account.kind,
                "holder": p.account.holder_id,
                "minutes": p.amount,
            }
            for p in txn.postings.all()
        ]


class ReverseIn(Schema):
    reason: str


@router.get("/me/credits", response={200: list[BalanceOut], **READ_ERRORS}, summary="My balances")
def my_credits(request):
    """The caller's balance, in minutes (60 = 1 credit), in each programme they volunteer in."""
    return [
        {"programme": b.programme.slug, "programme_name": b.programme.name, "minutes": b.minutes}
        for b in my_balances(request.auth)
    ]


@router.get("/volunteers/{volunteer_id}/statement", response={200: StatementOut, **READ_ERRORS}, summary="A statement")
def statement(request, volunteer_id: int, query: Query[PeriodQuery]):
    """A volunteer's postings in a programme over a period (inclusive), with running balances.
    For the volunteer and the programme's coordinators."""
    if query.start and query.end and query.start > query.end:
        raise ValidationError({"end": [_("The end of the period must not be before its start.")]})
    volunteer = volunteer_get(request.auth, volunteer_id)
    programme = Programme.objects.get(slug=query.programme)
    result = volunteer_statement(
        request.auth, volunteer=volunteer, programme=programme, start=query.start, end=query.end
    )
    lines = result.lines if result else []
    return {
        "volunteer": volunteer.pk,
        "programme": programme.slug,
        "start": query.start,
        "end": query.end,
        "opening_balance": result.opening_balance if result else 0,
        "closing_balance": result.closing_balance if result else 0,
        "lines": [
            {
                "transaction": line.transaction_id,
                "kind": line.kind,
                "recorded_at": line.recorded_at,
                "occurred_on": line.occurred_on,
                "memo": line.memo,
                "minutes": line.amount,
                "balance_after": line.balance_after,
                "reversed": line.reversed,
            }
            for line in lines
        ],
    }


@router.get(
    "/programmes/{slug}/ledger", response={200: LedgerSummaryOut, **READ_ERRORS}, summary="Where the credits are"
)
def ledger_summary(request, slug: str):
    """Minutes issued and where they are now (coordinators)."""
    ledger = programme_ledger(coordinated_programme_get(request.auth, slug))
    return {
        "programme": slug,
        "issued": ledger.issued,
        "with_volunteers": ledger.volunteers_hold,
        "community_fund": ledger.community_fund,
        "held_for_vouchers": ledger.held_for_vouchers,
        "spent_at_partners": ledger.partners_hold,
        "expired": ledger.expired,
        "outstanding": ledger.outstanding,
    }


@router.get(
    "/programmes/{slug}/transactions", response={200: list[TransactionOut], **READ_ERRORS}, summary="The ledger"
)
@paginate(Pagination)
def transaction_list(request, slug: str):
    """The programme's transactions, newest first, with their postings (coordinators)."""
    programme = coordinated_programme_get(request.auth, slug)
    return programme_transactions(programme)


@router.post("/transactions/{transaction_id}/reverse", response={201: TransactionOut, **WRITE_ERRORS})
def transaction_reverse(
    request, transaction_id: int, payload: ReverseIn, idempotency_key: str | None = IDEMPOTENCY_KEY
):
    """Reverse a transaction with a reason (coordinators of its programme). With an
    `Idempotency-Key`, a retry returns the reversal already made (201 again)."""
    original = programme_transaction_get(request.auth, transaction_id)
    reversal = ledger_transaction_reverse(
        actor=request.auth, original=original, reason=payload.reason, idempotency_key=idempotency_key
    )
    return Status(201, reversal)
