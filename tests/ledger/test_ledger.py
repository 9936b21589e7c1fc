"""The ledger on worked examples: a tenant earns 3 hours, swims for 2 credits, gifts the rest."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from ledger.errors import AlreadyReversed, IdempotencyConflict, InsufficientCredits, format_minutes
from ledger.models import Account, AccountKind, Posting, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify, statement
from ledger.services import account_get, transaction_post, transaction_reverse

pytestmark = pytest.mark.django_db
PROGRAMME = 7


@pytest.fixture
def accounts():
    return {
        "issuer": account_get(kind=AccountKind.ISSUER, scope_id=PROGRAMME),
        "tenant": account_get(kind=AccountKind.VOLUNTEER, scope_id=PROGRAMME, holder_id=1),
        "neighbour": account_get(kind=AccountKind.VOLUNTEER, scope_id=PROGRAMME, holder_id=2),
        "pool": account_get(kind=AccountKind.PARTNER, scope_id=PROGRAMME, holder_id=1),
    }


def earn(accounts, minutes, key):
    return transaction_post(
        kind=TransactionKind.EARN,
        scope_id=PROGRAMME,
        postings=[(accounts["issuer"], -minutes), (accounts["tenant"], minutes)],
        idempotency_key=key,
    )


def balances(accounts):
    return {name: Account.objects.get(pk=a.pk).balance for name, a in accounts.items()}


def test_earn_spend_gift_worked_example(accounts):
    earn(accounts, 180, "earn-1")  # three hours at the tenants' meeting
    transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=PROGRAMME,
        postings=[(accounts["tenant"], -120), (accounts["pool"], 120)],
        idempotency_key="swim-1",
    )
    transaction_post(
        kind=TransactionKind.GIFT,
        scope_id=PROGRAMME,
        postings=[(accounts["tenant"], -60), (accounts["neighbour"], 60)],
        idempotency_key="gift-1",
    )

    assert balances(accounts) == {"issuer": -180, "tenant": 0, "neighbour": 60, "pool": 120}
    assert balance_of(kind=AccountKind.VOLUNTEER, scope_id=PROGRAMME, holder_id=1) == 0
    lines = statement(accounts["tenant"]).lines
    assert [(line.amount, line.balance_after) for line in lines] == [(180, 180), (-120, 60), (-60, 0)]
    assert ledger_verify().ok


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(accounts):
    earn(accounts, 90, "earn-1")
    before = balances(accounts), Transaction.objects.count(), Posting.objects.count()

    with pytest.raises(InsufficientCredits) as refused:
        transaction_post(
            kind=TransactionKind.REDEEM,
            scope_id=PROGRAMME,
            postings=[(accounts["tenant"], -120), (accounts["pool"], 120)],
            idempotency_key="swim-1",
        )

    assert "2 credits needed, 1.5 credits available" in str(refused.value)
    assert (balances(accounts), Transaction.objects.count(), Posting.objects.count()) == before


@pytest.mark.parametrize(
    "postings, message",
    [
        ([("issuer", -60), ("tenant", 30)], "sum to zero"),
        ([("issuer", 0), ("tenant", 0)], "move some credits"),
        ([("issuer", -60.0), ("tenant", 60.0)], "whole minutes"),
    ],
)
def test_unbalanced_empty_or_fractional_transactions_are_refused(accounts, postings, message):
    with pytest.raises(ValidationError, match=message):
        transaction_post(
            kind=TransactionKind.ADJUST,
            scope_id=PROGRAMME,
            postings=[(accounts[name], amount) for name, amount in postings],
            idempotency_key="bad",
        )
    assert Transaction.objects.count() == 0


def test_a_retry_returns_the_first_result_and_another_payload_is_refused(accounts):
    first = earn(accounts, 60, "key-1")
    again = earn(accounts, 60, "key-1")

    assert again.pk == first.pk
    assert balances(accounts)["tenant"] == 60
    with pytest.raises(IdempotencyConflict):
        earn(accounts, 120, "key-1")
    assert balances(accounts)["tenant"] == 60 and Transaction.objects.count() == 1


def test_reversal_posts_the_opposite_once(accounts, admin):
    original = earn(accounts, 60, "earn-1")

    reversal = transaction_reverse(original=original, reason="Logged twice", created_by=admin, idempotency_key="rev-1")

    assert reversal.reverses == original and reversal.reason == "Logged twice" and reversal.created_by == admin
    assert balances(accounts)["tenant"] == 0
    with pytest.raises(AlreadyReversed):
        transaction_reverse(original=original, reason="Again", created_by=admin, idempotency_key="rev-2")
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        transaction_reverse(original=reversal, reason="Undo", created_by=admin, idempotency_key="rev-3")
    assert Transaction.objects.count() == 2
    assert ledger_verify().ok


def test_a_reversal_of_spent_credits_is_refused(accounts, admin):
    original = earn(accounts, 60, "earn-1")
    transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=PROGRAMME,
        postings=[(accounts["tenant"], -60), (accounts["pool"], 60)],
        idempotency_key="swim",
    )
    with pytest.raises(InsufficientCredits):
        transaction_reverse(original=original, reason="Mistake", created_by=admin, idempotency_key="rev")
    assert Transaction.objects.count() == 2


def test_the_database_refuses_a_negative_volunteer_balance_and_zero_postings(accounts):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=accounts["tenant"].pk).update(balance=-1)
    txn = earn(accounts, 60, "earn-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.bulk_create([Posting(transaction=txn, account=accounts["tenant"], amount=0, balance_after=60)])


def test_postings_are_never_updated(accounts):
    earn(accounts, 60, "earn-1")
    posting = Posting.objects.get(account=accounts["tenant"])
    with pytest.raises(ValueError, match="never updated"):
        posting.save()
    with pytest.raises(ValueError, match="never deleted"):
        posting.delete()
    with pytest.raises(Exception, match="never updated"), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(amount=600)
    assert Posting.objects.get(pk=posting.pk).amount == 60


def test_ledger_verify_names_the_faulty_account(accounts, capsys):
    earn(accounts, 60, "earn-1")
    call_command("ledger_verify")
    assert "Ledger OK" in capsys.readouterr().out

    # Corrupt the cached balance behind the services' back.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = 600 WHERE id = %s", [accounts["tenant"].pk])
    with pytest.raises(SystemExit) as exited:
        call_command("ledger_verify")
    out = capsys.readouterr().out
    assert exited.value.code == 1
    assert f"account #{accounts['tenant'].pk}" in out and "cached balance 600" in out
    assert "sum to 540 minutes, not zero" in out


@pytest.mark.parametrize(
    "minutes, text", [(60, "1 credit"), (90, "1.5 credits"), (15, "0.25 credits"), (0, "0 credits")]
)
def test_minutes_display_as_credits(minutes, text):
    assert format_minutes(minutes) == text
