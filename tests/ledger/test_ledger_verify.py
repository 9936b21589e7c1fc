"""ledger_verify catches every kind of corruption written behind the services' back, and names it.

Each test starts from a sound ledger (a tenant earned 3 credits and swam for 1), damages
it the way a bad migration, a hand-written SQL fix or a bug could, and reads the report.
What the database itself refuses is shown refused, with nothing changed.
"""

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from ledger.models import Account, AccountKind, Posting, Transaction, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import account_get, transaction_post, transaction_reverse

pytestmark = pytest.mark.django_db
PROGRAMME = 9
TENANT = f"(volunteer, scope {PROGRAMME}, holder 1)"


@pytest.fixture
def accounts():
    return {
        "issuer": account_get(kind=AccountKind.ISSUER, scope_id=PROGRAMME),
        "tenant": account_get(kind=AccountKind.VOLUNTEER, scope_id=PROGRAMME, holder_id=1),
        "pool": account_get(kind=AccountKind.PARTNER, scope_id=PROGRAMME, holder_id=1),
    }


@pytest.fixture
def earned(accounts):
    """The sound starting point: 180 minutes earned, 60 spent at the pool."""
    meeting = transaction_post(
        kind=TransactionKind.EARN,
        scope_id=PROGRAMME,
        postings=[(accounts["issuer"], -180), (accounts["tenant"], 180)],
        idempotency_key="meeting",
    )
    transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=PROGRAMME,
        postings=[(accounts["tenant"], -60), (accounts["pool"], 60)],
        idempotency_key="swim",
    )
    assert ledger_verify().ok
    return meeting


def insert_behind_the_back(legs, *, kind=TransactionKind.ADJUST, reverses=None, balance_after=None, cache=True):
    """Write a transaction and its postings without the services, as raw SQL would.
    Running balances follow the cached ones unless `balance_after` overrides them;
    `cache` also moves the cached balances, so only the intended fault remains."""
    txn = Transaction.objects.create(
        kind=kind,
        scope_id=PROGRAMME,
        occurred_on=timezone.localdate(),
        idempotency_key=f"behind-the-back-{Transaction.objects.count()}",
        request_hash="-",
        reverses=reverses,
        reason="Hand-written fix" if kind == TransactionKind.REVERSE else "",
    )
    postings = []
    for account, amount in legs:
        running = Account.objects.get(pk=account.pk).balance + amount
        postings.append(
            Posting(transaction=txn, account=account, amount=amount, balance_after=balance_after or running)
        )
        if cache:
            with connection.cursor() as cursor:
                cursor.execute("UPDATE ledger_account SET balance = balance + %s WHERE id = %s", [amount, account.pk])
    Posting.objects.bulk_create(postings)
    return txn, postings


@contextmanager
def rolled_back():
    """Undo the damage before the test ends: on PostgreSQL the test case checks deferred
    constraints at teardown, where the trigger would refuse an unbalanced transaction."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def ledger_rows():
    return (
        list(Account.objects.order_by("pk").values_list("pk", "balance")),
        list(Transaction.objects.order_by("pk").values_list("pk", "kind", "reverses_id")),
        list(Posting.objects.order_by("pk").values_list("pk", "amount", "balance_after")),
    )


def test_a_cached_balance_that_disagrees_with_the_postings(accounts, earned):
    tenant = accounts["tenant"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = 600 WHERE id = %s", [tenant.pk])

    assert ledger_verify().problems == [
        f"account #{tenant.pk} {TENANT}: cached balance 600 but its postings sum to 120",
        "all cached balances sum to 480 minutes, not zero",
    ]


def test_a_posting_whose_running_balance_is_wrong(accounts, earned):
    tenant, pool = accounts["tenant"], accounts["pool"]
    _txn, (from_tenant, _to_pool) = insert_behind_the_back([(tenant, -30), (pool, 30)], balance_after=999)

    problems = ledger_verify().problems

    assert problems == [
        f"posting #{from_tenant.pk} on account #{tenant.pk}: stored running balance disagrees with history",
        f"posting #{_to_pool.pk} on account #{pool.pk}: stored running balance disagrees with history",
    ]


def test_an_unbalanced_transaction(accounts, earned):
    """On PostgreSQL the deferred trigger refuses it at commit; the test's transaction
    never commits, so the verifier still sees it, and making the trigger fire at once
    shows the refusal."""
    with rolled_back():
        txn, _postings = insert_behind_the_back([(accounts["tenant"], 60)])

        assert ledger_verify().problems == [
            f"transaction #{txn.pk}: postings sum to 60 minutes over 1 posting(s), not zero",
            "all cached balances sum to 60 minutes, not zero",
            "all postings sum to 60 minutes, not zero",
        ]
        if connection.vendor == "postgresql":
            with (
                pytest.raises(DatabaseError, match="does not balance"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_negative_volunteer_balance_is_refused_by_the_database(accounts, earned):
    before = ledger_rows()

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = -60 WHERE id = %s", [accounts["tenant"].pk])

    assert ledger_rows() == before
    assert ledger_verify().ok


def test_postings_that_take_a_volunteer_below_zero(accounts, earned):
    """The cached balance cannot go negative, but postings written without it can."""
    tenant, issuer = accounts["tenant"], accounts["issuer"]
    insert_behind_the_back([(tenant, -240), (issuer, 240)], cache=False)

    problems = ledger_verify().problems

    assert f"account #{tenant.pk} {TENANT}: below zero (-120 minutes)" in problems
    assert (f"account #{tenant.pk} {TENANT}: cached balance 120 but its postings sum to -120") in problems


def test_a_reversal_of_a_reversal(accounts, earned, admin):
    swim = Transaction.objects.get(idempotency_key="swim")
    reversal = transaction_reverse(original=swim, reason="Pool was closed", created_by=admin, idempotency_key="undo")
    again, _postings = insert_behind_the_back(
        [(accounts["tenant"], -60), (accounts["pool"], 60)], kind=TransactionKind.REVERSE, reverses=reversal
    )

    assert ledger_verify().problems == [
        f"transaction #{again.pk}: not a proper reversal (kind, or it reverses a reversal)"
    ]


def test_a_second_reversal_or_a_reversing_earn_is_refused_by_the_database(accounts, earned):
    before = ledger_rows()
    reversal_fields = {"scope_id": PROGRAMME, "occurred_on": timezone.localdate(), "request_hash": "-"}
    Transaction.objects.create(
        kind=TransactionKind.REVERSE, reverses=earned, reason="First", idempotency_key="first", **reversal_fields
    )
    after_first = ledger_rows()

    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            kind=TransactionKind.REVERSE, reverses=earned, reason="Second", idempotency_key="second", **reversal_fields
        )
    assert ledger_rows() == after_first
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            kind=TransactionKind.EARN,
            reverses=Transaction.objects.get(idempotency_key="swim"),
            idempotency_key="x",
            **reversal_fields,
        )
    assert ledger_rows() == after_first != before


def test_the_command_exits_0_when_sound_and_1_with_the_report(accounts, earned, capsys):
    call_command("ledger_verify")
    out = capsys.readouterr().out
    assert "Ledger OK: 3 accounts, 2 transactions, 4 postings checked." in out

    with rolled_back():
        txn, _postings = insert_behind_the_back([(accounts["tenant"], 60)])
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_account SET balance = 600 WHERE id = %s", [accounts["pool"].pk])
        with pytest.raises(SystemExit) as exited:
            call_command("ledger_verify")

    out = capsys.readouterr().out
    assert exited.value.code == 1
    assert "Ledger FAULTY: 4 problem(s); 3 accounts, 3 transactions, 5 postings checked." in out
    assert f"  - transaction #{txn.pk}: postings sum to 60 minutes over 1 posting(s), not zero" in out
    assert f"  - account #{accounts['pool'].pk} (partner, scope {PROGRAMME}, holder 1): cached balance 600" in out
