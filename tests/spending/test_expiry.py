"""Credits expire per the programme's policy, first in first out, with a warning 30 days before.

Worked example (credits expire 12 months after they were earned): Vera earns 3 credits
at the tenants' meeting on 10 January 2025, swims for 1 credit on 1 March 2025 and
earns 2 more on the newsletter on 1 June 2025. The swim used the January credits
first, so on 10 January 2026 the 2 January credits left expire, and on 1 June 2026
the 2 June credits. She is warned on 11 December 2025 and on 2 May 2026.
"""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ledger.models import AccountKind, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify, statement
from ledger.services import transaction_post
from timebank.accounts.credits import programme_account
from timebank.accounts.models import AuditEntry, CreditExpiryPolicy, Programme
from timebank.spending.credits import partner_account
from timebank.spending.models import CreditExpiryWarning, PartnerVenue
from timebank.spending.services.expiry import credits_expire
from timebank.spending.tasks import expire_credits
from timebank.volunteers.credits import volunteer_account, volunteer_balance

D = dt.date


@pytest.fixture
def pool(programme):
    return PartnerVenue.objects.create(programme=programme, name="Llanishen pool", category="sport")


def set_policy(programme, policy, months):
    Programme.objects.filter(pk=programme.pk).update(credit_expiry_policy=policy, credit_expiry_months=months)
    programme.refresh_from_db()


def recorded_on(txn, day: dt.date):
    """Date the transaction's recording as if it had been posted on that day."""
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Transaction.objects.filter(pk=txn.pk).update(created_at=noon)
    return txn


def earn(programme, volunteer, minutes, on, *, recorded: dt.date | None = None):
    txn = transaction_post(
        kind=TransactionKind.EARN,
        scope_id=programme.pk,
        postings=[
            (programme_account(programme, AccountKind.ISSUER), -minutes),
            (volunteer_account(programme, volunteer), minutes),
        ],
        idempotency_key=f"test-earn:{volunteer.pk}:{on}:{minutes}",
        occurred_on=on,
    )
    return recorded_on(txn, recorded or on)


def swim(programme, volunteer, venue, minutes, on):
    txn = transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=programme.pk,
        postings=[(volunteer_account(programme, volunteer), -minutes), (partner_account(venue), minutes)],
        idempotency_key=f"test-swim:{volunteer.pk}:{on}:{minutes}",
        occurred_on=on,
    )
    return recorded_on(txn, on)


def expired_minutes(programme) -> int:
    return balance_of(kind=AccountKind.EXPIRED, scope_id=programme.pk)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the beat task's service on a given day, letting the mails queued on commit go out."""

    def run_on(today: dt.date):
        with django_capture_on_commit_callbacks(execute=True):
            return credits_expire(today=today)

    return run_on


@pytest.fixture
def vera_earned_and_swam(programme, volunteer, pool):
    set_policy(programme, CreditExpiryPolicy.AFTER_EARNED, 12)
    earn(programme, volunteer, 180, D(2025, 1, 10))
    swim(programme, volunteer, pool, 60, D(2025, 3, 1))
    earn(programme, volunteer, 120, D(2025, 6, 1))
    assert volunteer_balance(programme, volunteer) == 240


def test_credits_expire_first_in_first_out_twelve_months_after_they_were_earned(
    run, programme, volunteer, vera_earned_and_swam
):
    assert run(D(2026, 1, 9)).minutes == 0, "the January credits last twelve months to the day"

    on_the_day = run(D(2026, 1, 10))

    assert (on_the_day.transactions, on_the_day.minutes) == (1, 120)
    assert volunteer_balance(programme, volunteer) == 120
    assert expired_minutes(programme) == 120
    last = statement(volunteer_account(programme, volunteer)).lines[-1]
    assert (last.kind, last.amount, last.balance_after, last.occurred_on) == ("expire", -120, 120, D(2026, 1, 10))
    assert run(D(2026, 1, 11)).minutes == 0, "the June credits are not due yet"
    assert run(D(2026, 5, 31)).minutes == 0

    assert run(D(2026, 6, 1)).minutes == 120
    assert volunteer_balance(programme, volunteer) == 0
    assert expired_minutes(programme) == 240
    entries = AuditEntry.objects.filter(action="credits.expire").order_by("pk")
    assert [(e.actor, e.target_type, e.changes["minutes"]) for e in entries] == [
        (None, "ledger.transaction", 120),
        (None, "ledger.transaction", 120),
    ]
    assert ledger_verify().ok


def test_spending_before_the_expiry_date_uses_the_oldest_credits(run, programme, volunteer, pool, vera_earned_and_swam):
    swim(programme, volunteer, pool, 90, D(2025, 12, 20))

    assert run(D(2026, 1, 10)).minutes == 30, "3 January credits, less 1 swum in March and 1.5 in December"
    assert run(D(2026, 6, 1)).minutes == 120
    assert volunteer_balance(programme, volunteer) == 0
    assert ledger_verify().ok


def test_running_twice_on_the_same_day_changes_nothing(run, programme, volunteer, vera_earned_and_swam):
    run(D(2026, 1, 10))
    before = (volunteer_balance(programme, volunteer), expired_minutes(programme), AuditEntry.objects.count())
    postings = len(statement(volunteer_account(programme, volunteer)).lines)

    again = run(D(2026, 1, 10))

    assert (again.transactions, again.minutes, again.warnings) == (0, 0, 0)
    assert (volunteer_balance(programme, volunteer), expired_minutes(programme), AuditEntry.objects.count()) == before
    assert len(statement(volunteer_account(programme, volunteer)).lines) == postings
    assert ledger_verify().ok


def test_a_rerun_that_finds_more_due_replays_the_days_expiry(run, programme, volunteer, vera_earned_and_swam):
    """Credits approved late for an old date fall due at once; the day's expiry is already
    written, so a rerun that day replays it and the rest expires the next day."""
    run(D(2026, 1, 10))
    earn(programme, volunteer, 60, D(2025, 1, 5))
    before = (volunteer_balance(programme, volunteer), AuditEntry.objects.count())

    assert run(D(2026, 1, 10)).minutes == 0
    assert (volunteer_balance(programme, volunteer), AuditEntry.objects.count()) == before
    assert run(D(2026, 1, 11)).minutes == 60
    assert ledger_verify().ok


def test_the_volunteer_is_warned_once_thirty_days_before(run, programme, volunteer, vera_earned_and_swam):
    assert run(D(2025, 12, 10)).warnings == 0

    assert run(D(2025, 12, 11)).warnings == 1

    warning = CreditExpiryWarning.objects.get()
    assert (warning.volunteer, warning.programme, warning.expires_on, warning.minutes) == (
        volunteer,
        programme,
        D(2026, 1, 10),
        120,
    )
    (message,) = mail.outbox
    assert message.to == ["vera@example.org"]
    assert message.subject == "2 credits expire on 2026-01-10"
    assert "Tenants' time credits" in message.body
    assert AuditEntry.objects.filter(action="credits.expiry_warning").count() == 1

    for day in (D(2025, 12, 11), D(2025, 12, 12), D(2026, 1, 9)):
        assert run(day).warnings == 0, day
    assert len(mail.outbox) == 1 and CreditExpiryWarning.objects.count() == 1

    assert run(D(2026, 1, 10)).minutes == 120
    assert run(D(2026, 5, 2)).warnings == 1
    assert [(w.expires_on, w.minutes) for w in CreditExpiryWarning.objects.order_by("expires_on")] == [
        (D(2026, 1, 10), 120),
        (D(2026, 6, 1), 120),
    ]
    assert mail.outbox[-1].subject == "2 credits expire on 2026-06-01"


def test_credits_earned_on_a_day_the_task_did_not_run_are_still_announced(run, programme, volunteer, pool):
    set_policy(programme, CreditExpiryPolicy.AFTER_EARNED, 12)
    earn(programme, volunteer, 60, D(2025, 1, 10))
    earn(programme, volunteer, 60, D(2025, 1, 12))
    run(D(2025, 12, 11))  # warns of the 10 January credit; the task then stops for two days

    assert run(D(2025, 12, 14)).warnings == 1

    assert [(w.expires_on, w.minutes) for w in CreditExpiryWarning.objects.order_by("expires_on")] == [
        (D(2026, 1, 10), 60),
        (D(2026, 1, 13), 60),
    ]


def test_after_inactivity_the_whole_balance_expires(run, programme, volunteer, pool):
    set_policy(programme, CreditExpiryPolicy.AFTER_INACTIVITY, 6)
    earn(programme, volunteer, 180, D(2025, 1, 10))
    swim(programme, volunteer, pool, 60, D(2025, 3, 1))  # credits last moved on 1 March

    assert run(D(2025, 8, 1)).warnings == 0
    assert run(D(2025, 8, 2)).warnings == 1
    assert [(w.expires_on, w.minutes) for w in CreditExpiryWarning.objects.all()] == [(D(2025, 9, 1), 120)]
    assert mail.outbox[0].subject == "2 credits expire on 2025-09-01"
    assert run(D(2025, 8, 3)).warnings == 0
    assert run(D(2025, 8, 31)).minutes == 0

    assert run(D(2025, 9, 1)).minutes == 120

    assert volunteer_balance(programme, volunteer) == 0
    assert expired_minutes(programme) == 120
    assert run(D(2025, 9, 1)).minutes == 0
    assert ledger_verify().ok


def test_any_movement_restarts_the_inactivity_clock(run, programme, volunteer, pool):
    set_policy(programme, CreditExpiryPolicy.AFTER_INACTIVITY, 6)
    earn(programme, volunteer, 180, D(2025, 1, 10))
    swim(programme, volunteer, pool, 60, D(2025, 7, 15))

    assert run(D(2025, 9, 1)).minutes == 0
    assert run(D(2026, 1, 14)).minutes == 0
    assert run(D(2026, 1, 15)).minutes == 120


def test_credits_approved_late_for_an_old_date_count_as_activity_on_the_day_they_arrive(run, programme, volunteer):
    set_policy(programme, CreditExpiryPolicy.AFTER_INACTIVITY, 6)
    earn(programme, volunteer, 60, D(2025, 1, 10))
    # A claim for a meeting in January, approved on 1 August.
    earn(programme, volunteer, 120, D(2025, 1, 20), recorded=D(2025, 8, 1))

    assert run(D(2025, 9, 1)).minutes == 0
    assert run(D(2026, 2, 1)).minutes == 180


def test_credits_never_expire_by_default(run, programme, volunteer, pool):
    assert programme.credit_expiry_policy == CreditExpiryPolicy.NEVER
    earn(programme, volunteer, 180, D(2020, 1, 10))

    result = run(D(2030, 1, 1))

    assert (result.transactions, result.minutes, result.warnings) == (0, 0, 0)
    assert volunteer_balance(programme, volunteer) == 180
    assert CreditExpiryWarning.objects.count() == 0 and mail.outbox == []


def test_other_programmes_and_other_accounts_are_untouched(
    run, programme, other_programme, volunteer, other_volunteer, pool, vera_earned_and_swam
):
    earn(other_programme, other_volunteer, 60, D(2024, 1, 1))
    community_fund = programme_account(programme, AccountKind.COMMUNITY_FUND)
    transaction_post(
        kind=TransactionKind.GIFT,
        scope_id=programme.pk,
        postings=[(volunteer_account(programme, volunteer), -60), (community_fund, 60)],
        idempotency_key="gift-to-fund",
        occurred_on=D(2025, 6, 2),
    )

    assert run(D(2026, 1, 10)).minutes == 60, "the gift, like the swim, used January credits"
    assert volunteer_balance(programme, other_volunteer) == 0
    assert balance_of(kind=AccountKind.VOLUNTEER, scope_id=other_programme.pk, holder_id=other_volunteer.pk) == 60
    assert balance_of(kind=AccountKind.COMMUNITY_FUND, scope_id=programme.pk) == 60
    assert balance_of(kind=AccountKind.PARTNER, scope_id=programme.pk, holder_id=pool.pk) == 60


def test_the_beat_task_runs_the_expiry_and_is_scheduled(settings, programme, volunteer, vera_earned_and_swam, capsys):
    assert settings.CELERY_BEAT_SCHEDULE["credit-expiry"]["task"] == expire_credits.name

    assert expire_credits.delay("2026-01-10").get() == {"transactions": 1, "minutes": 120, "warnings": 0}
    assert expire_credits.delay("2026-01-10").get() == {"transactions": 0, "minutes": 0, "warnings": 0}

    call_command("ledger_verify")
    assert "Ledger OK" in capsys.readouterr().out
