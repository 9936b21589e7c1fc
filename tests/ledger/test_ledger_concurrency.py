"""The ledger under real concurrency: threads, each with its own database connection.

Worked example: a tenant holds 5 credits and 16 requests to swim for 1 credit each
arrive at once; exactly 5 are served, 11 are refused with InsufficientCredits, the
balance ends at 0 and ledger_verify passes. Also: 16 retries of one request make one
transaction, 16 reversals of one transaction reverse it once, and transfers both
ways between two accounts never deadlock.

On PostgreSQL the scenarios run in this process against the test database. The
suite's SQLite database lives in memory, shared by the threads of one connection,
so on SQLite they run in a fresh interpreter against a database file, where the
threads queue on SQLite's write lock.
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ledger.models import Account, AccountKind, Posting, Transaction, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import account_get, transaction_post, transaction_reverse
from tests.concurrency import at_once, failures, postgres_only, run_on_sqlite, sqlite_only, tally

THREADS = 16
CREDIT = 60


def _accounts(scope_id: int) -> dict[str, Account]:
    return {
        "issuer": account_get(kind=AccountKind.ISSUER, scope_id=scope_id),
        "tenant": account_get(kind=AccountKind.VOLUNTEER, scope_id=scope_id, holder_id=1),
        "neighbour": account_get(kind=AccountKind.VOLUNTEER, scope_id=scope_id, holder_id=2),
        "pool": account_get(kind=AccountKind.PARTNER, scope_id=scope_id, holder_id=1),
    }


def _earn(accounts, name: str, minutes: int, key: str) -> Transaction:
    scope_id = accounts["issuer"].scope_id
    return transaction_post(
        kind=TransactionKind.EARN,
        scope_id=scope_id,
        postings=[(accounts["issuer"], -minutes), (accounts[name], minutes)],
        idempotency_key=f"{scope_id}:{key}",
    )


def _balances(accounts) -> dict[str, int]:
    return {name: Account.objects.get(pk=account.pk).balance for name, account in accounts.items()}


# --- Scenarios: plain functions returning JSON-ready reports, run by both databases ---


def redemptions_of_a_five_credit_balance() -> dict:
    accounts = _accounts(scope_id=101)
    _earn(accounts, "tenant", 5 * CREDIT, "meeting")

    outcomes = at_once(
        THREADS,
        lambda i: transaction_post(
            kind=TransactionKind.REDEEM,
            scope_id=101,
            postings=[(accounts["tenant"], -CREDIT), (accounts["pool"], CREDIT)],
            idempotency_key=f"swim-{i}",
        ),
    )
    return {
        "tally": tally(outcomes),
        "errors": failures(outcomes),
        "balances": _balances(accounts),
        "redemptions": Transaction.objects.filter(scope_id=101, kind=TransactionKind.REDEEM).count(),
        "problems": ledger_verify().problems,
    }


def retries_with_one_idempotency_key() -> dict:
    accounts = _accounts(scope_id=102)

    transaction_ids = set()

    def retry(i):
        transaction_ids.add(_earn(accounts, "tenant", 2 * CREDIT, "claim:7:approve").pk)

    outcomes = at_once(THREADS, retry)
    return {
        "tally": tally(outcomes),
        "errors": failures(outcomes),
        "transaction_ids": sorted(transaction_ids),
        "transactions": Transaction.objects.filter(idempotency_key="102:claim:7:approve").count(),
        "balances": _balances(accounts),
        "problems": ledger_verify().problems,
    }


def reversals_of_one_transaction() -> dict:
    accounts = _accounts(scope_id=103)
    original = _earn(accounts, "tenant", 3 * CREDIT, "meeting")

    outcomes = at_once(
        THREADS,
        lambda i: transaction_reverse(
            original=original, reason="Logged twice", created_by=None, idempotency_key=f"undo-{i}"
        ),
    )
    return {
        "tally": tally(outcomes),
        "errors": failures(outcomes),
        "reversals": Transaction.objects.filter(reverses=original).count(),
        "balances": _balances(accounts),
        "problems": ledger_verify().problems,
    }


def transfers_both_ways() -> dict:
    accounts = _accounts(scope_id=104)
    _earn(accounts, "tenant", 1000, "tenant-meeting")
    _earn(accounts, "neighbour", 1000, "neighbour-meeting")
    per_thread = 25

    def transfer_many(i):
        giver, recipient = ("tenant", "neighbour") if i % 2 == 0 else ("neighbour", "tenant")
        for n in range(per_thread):
            transaction_post(
                kind=TransactionKind.GIFT,
                scope_id=104,
                postings=[(accounts[giver], -1), (accounts[recipient], 1)],
                idempotency_key=f"gift-{i}-{n}",
            )

    outcomes = at_once(8, transfer_many)
    return {
        "tally": tally(outcomes),
        "errors": failures(outcomes),
        "gifts": Transaction.objects.filter(scope_id=104, kind=TransactionKind.GIFT).count(),
        "balances": _balances(accounts),
        "problems": ledger_verify().problems,
    }


SCENARIOS = {
    f.__name__: f
    for f in (
        redemptions_of_a_five_credit_balance,
        retries_with_one_idempotency_key,
        reversals_of_one_transaction,
        transfers_both_ways,
    )
}


def check(name: str, report: dict) -> None:
    """What each scenario must show, on either database."""
    assert report["errors"] == [], report
    assert report["problems"] == [], report
    if name == "redemptions_of_a_five_credit_balance":
        assert report["tally"] == {"ok": 5, "InsufficientCredits": 11}
        assert report["redemptions"] == 5
        assert report["balances"] == {"issuer": -300, "tenant": 0, "neighbour": 0, "pool": 300}
    elif name == "retries_with_one_idempotency_key":
        assert report["tally"] == {"ok": THREADS}
        assert len(report["transaction_ids"]) == 1 and report["transactions"] == 1
        assert report["balances"]["tenant"] == 120
    elif name == "reversals_of_one_transaction":
        assert report["tally"] == {"ok": 1, "AlreadyReversed": THREADS - 1}
        assert report["reversals"] == 1
        assert report["balances"] == {"issuer": 0, "tenant": 0, "neighbour": 0, "pool": 0}
    elif name == "transfers_both_ways":
        assert report["tally"] == {"ok": 8}
        assert report["gifts"] == 8 * 25
        assert report["balances"]["tenant"] == report["balances"]["neighbour"] == 1000
    else:
        raise AssertionError(f"no checks for {name}")


# --- PostgreSQL: threads in this process -------------------------------------------


@postgres_only
@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_on_postgresql(transactional_db, name):
    check(name, SCENARIOS[name]())


@postgres_only
def test_postgresql_refuses_an_unbalanced_transaction_at_commit(transactional_db):
    accounts = _accounts(scope_id=105)

    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        # Behind the services' back: one posting, nothing taken from the issuer.
        txn = Transaction.objects.create(
            kind=TransactionKind.EARN,
            scope_id=105,
            occurred_on=timezone.localdate(),
            idempotency_key="behind-the-back",
            request_hash="-",
        )
        Posting.objects.bulk_create([Posting(transaction=txn, account=accounts["tenant"], amount=60, balance_after=60)])
        Account.objects.filter(pk=accounts["tenant"].pk).update(balance=60)

    assert (Transaction.objects.count(), Posting.objects.count()) == (0, 0)
    assert _balances(accounts)["tenant"] == 0


@postgres_only
def test_postgresql_postings_cannot_be_updated_or_deleted_with_sql(transactional_db):
    accounts = _accounts(scope_id=106)
    _earn(accounts, "tenant", 60, "meeting")
    posting = Posting.objects.get(account=accounts["tenant"])
    before = list(Posting.objects.order_by("pk").values_list("pk", "amount", "balance_after"))

    for sql in ("UPDATE ledger_posting SET amount = 600 WHERE id = %s", "DELETE FROM ledger_posting WHERE id = %s"):
        with (
            pytest.raises(DatabaseError, match="never updated or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [posting.pk])

    assert list(Posting.objects.order_by("pk").values_list("pk", "amount", "balance_after")) == before
    assert ledger_verify().ok


# --- SQLite: the same scenarios in a fresh interpreter against a database file ---------


@sqlite_only
def test_scenarios_on_sqlite(tmp_path):
    for name, report in run_on_sqlite(tmp_path, SCENARIOS).items():
        check(name, report)
