"""Random sequences of earn, redeem, gift, expire, reverse and retry keep every ledger invariant.

A model of the expected balances runs beside the real ledger; after every step the
database must agree with it, ledger_verify must pass, no account but the issuer
may be below zero, and a refused step must have left the database as it was.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ledger.errors import AlreadyReversed, IdempotencyConflict, InsufficientCredits
from ledger.models import Account, AccountKind, Posting, Transaction, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import account_get, transaction_post, transaction_reverse

PROGRAMME = 41
VOLUNTEERS = ("vera", "mehmet", "otto")
minutes = st.integers(min_value=1, max_value=300)
# A spend asks for a share of the balance, up to 120%: most succeed, some are refused.
share = st.integers(min_value=1, max_value=120)
volunteer = st.sampled_from(VOLUNTEERS)


class LedgerMachine(RuleBasedStateMachine):
    posted = Bundle("posted")

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown, so examples start empty.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.accounts = {
            "issuer": account_get(kind=AccountKind.ISSUER, scope_id=PROGRAMME),
            "pool": account_get(kind=AccountKind.PARTNER, scope_id=PROGRAMME, holder_id=1),
            "expired": account_get(kind=AccountKind.EXPIRED, scope_id=PROGRAMME),
            **{
                name: account_get(kind=AccountKind.VOLUNTEER, scope_id=PROGRAMME, holder_id=n)
                for n, name in enumerate(VOLUNTEERS, start=1)
            },
        }
        self.expected = dict.fromkeys(self.accounts, 0)
        self.reversed: set[int] = set()
        self.keys = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- helpers -------------------------------------------------------------

    def key(self, kind: str) -> str:
        self.keys += 1
        return f"{kind}-{self.keys}"

    def snapshot(self):
        balances = dict(Account.objects.filter(scope_id=PROGRAMME).values_list("pk", "balance"))
        return balances, Transaction.objects.count(), Posting.objects.count()

    def spend(self, kind: str, source: str, target: str, percent: int):
        amount = max(1, -(-self.expected[source] * percent // 100))
        return self.move(kind, source, target, amount)

    def move(self, kind: str, source: str, target: str, amount: int):
        """Post source -> target; returns (transaction, legs) or None when the ledger refused it."""
        affordable = source == "issuer" or self.expected[source] >= amount
        before = self.snapshot()
        try:
            txn = transaction_post(
                kind=kind,
                scope_id=PROGRAMME,
                postings=[(self.accounts[source], -amount), (self.accounts[target], amount)],
                idempotency_key=self.key(kind),
            )
        except InsufficientCredits:
            assert not affordable, f"{source} holds {self.expected[source]} but {amount} was refused"
            assert self.snapshot() == before, "a refused transaction changed the ledger"
            return None
        assert affordable, f"{source} holds {self.expected[source]} but {amount} left it"
        self.expected[source] -= amount
        self.expected[target] += amount
        return txn, ((source, -amount), (target, amount))

    # --- rules ------------------------------------------------------------------

    @rule(target=posted, who=volunteer, amount=minutes)
    def earn(self, who, amount):
        return self.move(TransactionKind.EARN, "issuer", who, amount)

    @rule(target=posted, who=volunteer, percent=share)
    def redeem(self, who, percent):
        return self.spend(TransactionKind.REDEEM, who, "pool", percent)

    @rule(target=posted, giver=volunteer, skip=st.integers(min_value=1, max_value=len(VOLUNTEERS) - 1), percent=share)
    def gift(self, giver, skip, percent):
        recipient = VOLUNTEERS[(VOLUNTEERS.index(giver) + skip) % len(VOLUNTEERS)]
        return self.spend(TransactionKind.GIFT, giver, recipient, percent)

    @rule(target=posted, who=volunteer, percent=share)
    def expire(self, who, percent):
        return self.spend(TransactionKind.EXPIRE, who, "expired", percent)

    @rule(target=posted, entry=posted)
    def reverse(self, entry):
        if entry is None:
            return None
        original, legs = entry
        before = self.snapshot()
        undo = [(name, -amount) for name, amount in legs]
        affordable = all(name == "issuer" or self.expected[name] + amount >= 0 for name, amount in undo)
        try:
            reversal = transaction_reverse(
                original=original, reason="Entered by mistake", created_by=None, idempotency_key=self.key("reverse")
            )
        except AlreadyReversed:
            assert original.pk in self.reversed
        except InsufficientCredits:
            assert original.pk not in self.reversed and not affordable
        except ValidationError as refused:
            assert original.kind == TransactionKind.REVERSE, refused
        else:
            assert original.kind != TransactionKind.REVERSE and original.pk not in self.reversed and affordable
            self.reversed.add(original.pk)
            for name, amount in undo:
                self.expected[name] += amount
            return reversal, tuple(undo)
        assert self.snapshot() == before, "a refused reversal changed the ledger"
        return None

    @rule(entry=posted, other_amount=minutes)
    def retry(self, entry, other_amount):
        """A retry with the first key and request returns the first transaction; another
        request with that key is refused; neither changes anything."""
        if entry is None or entry[0].kind == TransactionKind.REVERSE:
            return
        original, ((source, debit), (target, _credit)) = entry
        before = self.snapshot()
        again = transaction_post(
            kind=original.kind,
            scope_id=PROGRAMME,
            postings=[(self.accounts[source], debit), (self.accounts[target], -debit)],
            idempotency_key=original.idempotency_key,
        )
        assert again.pk == original.pk
        if other_amount != -debit:
            with pytest.raises(IdempotencyConflict):
                transaction_post(
                    kind=original.kind,
                    scope_id=PROGRAMME,
                    postings=[(self.accounts[source], -other_amount), (self.accounts[target], other_amount)],
                    idempotency_key=original.idempotency_key,
                )
        assert self.snapshot() == before

    # --- invariants ------------------------------------------------------------

    @invariant()
    def ledger_verifies(self):
        report = ledger_verify()
        assert report.ok, report.problems

    @invariant()
    def balances_match_the_model(self):
        actual = {name: Account.objects.get(pk=a.pk).balance for name, a in self.accounts.items()}
        assert actual == self.expected
        assert all(balance >= 0 for name, balance in actual.items() if name != "issuer")
        assert sum(actual.values()) == 0


@pytest.mark.django_db
def test_random_sequences_keep_every_invariant():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
