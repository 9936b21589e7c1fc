"""Spending credits, on worked examples: Vera, a tenant with 5 credits, takes a 2-credit swim
voucher at the leisure centre, the till confirms it, and she gives the rest away.

Every refusal leaves every core table and every ledger row as it was.
"""

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.utils import timezone
from djmoney.money import Money

from ledger.errors import IdempotencyConflict, InsufficientCredits
from ledger.models import AccountKind, Posting, Transaction, TransactionKind
from ledger.selectors import ledger_verify
from tests.assertions import assert_audited, errors_of, last_audit
from tests.concurrency import at_once, postgres_only, run_on_sqlite, sqlite_only
from tests.conftest import PASSWORD
from tests.spending_support import CREDIT, balance, earn, nothing_changes, spending_world
from timebank.accounts.models import AuditEntry, MembershipStatus, Role, User
from timebank.accounts.services.people import membership_status_change
from timebank.accounts.services.programmes import (
    account_create,
    membership_grant,
    organisation_create,
    programme_create,
)
from timebank.spending.models import Gift, Redemption, Voucher, VoucherStatus
from timebank.spending.selectors.partners import (
    monthly_uses,
    offer_rows_for,
    offers_for,
    partner_dashboard,
    till_member_lookup,
)
from timebank.spending.services.gifts import fund_grant, gift_to_fund, gift_to_member
from timebank.spending.services.partners import (
    offer_create,
    offer_update,
    partner_staff_add,
    partner_venue_create,
    partner_venue_update,
)
from timebank.spending.services.redeem import (
    VOUCHER_ALPHABET,
    redeem_at_till,
    voucher_cancel,
    voucher_confirm,
    voucher_issue,
    vouchers_expire,
)
from timebank.spending.tasks import expire_vouchers
from timebank.volunteers.services.profiles import volunteer_register


@pytest.fixture
def world(coordinator, programme, partner):
    return spending_world(coordinator=coordinator, programme=programme, partner=partner)


@pytest.fixture
def vera(programme, volunteer):
    """Vera with 5 credits."""
    earn(programme, volunteer, 5 * CREDIT)
    return volunteer


def held(programme) -> int:
    return balance(programme, kind=AccountKind.HELD)


def fund(programme) -> int:
    return balance(programme, kind=AccountKind.COMMUNITY_FUND)


# --- The worked example ------------------------------------------------------------------


def test_a_swim_voucher_confirmed_at_the_till_then_the_rest_given_away(
    programme, world, vera, mentor, partner, coordinator
):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)

    assert (balance(programme, volunteer=vera), held(programme)) == (3 * CREDIT, 2 * CREDIT)
    assert voucher.status == VoucherStatus.ISSUED
    assert len(voucher.code) == 8 and set(voucher.code) <= set(VOUCHER_ALPHABET)
    assert voucher.hold_transaction.kind == TransactionKind.REDEEM
    assert timezone.now() + dt.timedelta(days=29) < voucher.expires_at <= timezone.now() + dt.timedelta(days=30)
    assert_audited(last_audit(), action="voucher.issue", actor=vera.user, target=voucher)

    redemption = voucher_confirm(actor=partner, code=voucher.code.lower(), venue=world.pool)

    assert (balance(programme, venue=world.pool), held(programme)) == (2 * CREDIT, 0)
    assert balance(programme, volunteer=vera) == 3 * CREDIT
    voucher.refresh_from_db()
    assert (voucher.status, voucher.closed_by, voucher.settled_transaction) == (
        VoucherStatus.REDEEMED,
        partner,
        redemption.transaction,
    )
    assert (redemption.volunteer, redemption.price_minutes, redemption.cash_value) == (
        vera,
        2 * CREDIT,
        Money("4.50", "GBP"),
    )
    assert_audited(last_audit(), action="voucher.redeem", actor=partner, target=voucher)

    gift = gift_to_member(
        actor=vera.user, giver=vera, programme=programme, membership_number=mentor.membership_number, minutes=3 * CREDIT
    )

    assert (balance(programme, volunteer=vera), balance(programme, volunteer=mentor)) == (0, 3 * CREDIT)
    assert (gift.giver, gift.recipient, gift.minutes, gift.transaction.kind) == (
        vera,
        mentor,
        180,
        TransactionKind.GIFT,
    )
    assert ledger_verify().ok


def test_a_cancelled_voucher_gives_its_2_credits_back_once(programme, world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)

    voucher_cancel(actor=vera.user, voucher=voucher, reason="Pool closed")

    voucher.refresh_from_db()
    assert (balance(programme, volunteer=vera), held(programme)) == (5 * CREDIT, 0)
    assert voucher.status == VoucherStatus.CANCELLED
    assert voucher.settled_transaction.reverses == voucher.hold_transaction
    assert_audited(last_audit(), action="voucher.cancel", actor=vera.user, target=voucher)

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        voucher_cancel(actor=vera.user, voucher=voucher)
    assert errors_of(refused) == {"voucher": ["This voucher was cancelled."]}
    with nothing_changes(), pytest.raises(ValidationError) as refused:
        voucher_confirm(actor=partner, code=voucher.code, venue=world.pool)
    assert errors_of(refused) == {"code": ["This voucher was cancelled."]}
    with nothing_changes():
        assert vouchers_expire(now=voucher.expires_at + dt.timedelta(days=1)) == 0
    assert Transaction.objects.filter(reverses=voucher.hold_transaction).count() == 1
    assert ledger_verify().ok


def test_a_coordinator_may_cancel_a_voucher_of_their_programme(programme, world, vera, coordinator):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)

    voucher_cancel(actor=coordinator, voucher=voucher)

    assert balance(programme, volunteer=vera) == 5 * CREDIT


@pytest.mark.parametrize("persona", ["mentor", "partner", "funder", "other_programme_coordinator", "outsider"])
def test_nobody_else_may_cancel_a_voucher(request, world, vera, persona):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    actor = request.getfixturevalue(persona)
    actor = getattr(actor, "user", actor)

    with nothing_changes(), pytest.raises(PermissionDenied):
        voucher_cancel(actor=actor, voucher=voucher)


def test_an_expired_voucher_returns_its_credits_and_expiring_twice_changes_nothing(programme, world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    later = voucher.expires_at + dt.timedelta(seconds=1)

    with nothing_changes():
        assert vouchers_expire(now=voucher.expires_at - dt.timedelta(seconds=1)) == 0
    assert vouchers_expire(now=later) == 1

    voucher.refresh_from_db()
    assert (voucher.status, voucher.closed_by) == (VoucherStatus.EXPIRED, None)
    assert (balance(programme, volunteer=vera), held(programme)) == (5 * CREDIT, 0)
    assert_audited(last_audit(), action="voucher.expire", actor=None, target=voucher)
    with nothing_changes():
        assert vouchers_expire(now=later) == 0
        assert vouchers_expire(now=later + dt.timedelta(days=365)) == 0
    assert ledger_verify().ok


def test_the_beat_task_expires_vouchers_and_is_safe_to_run_twice(programme, world, vera):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    later = (voucher.expires_at + dt.timedelta(minutes=1)).isoformat()

    assert expire_vouchers.delay(later).get() == 1
    with nothing_changes():
        assert expire_vouchers.delay(later).get() == 0
    assert balance(programme, volunteer=vera) == 5 * CREDIT


def test_the_beat_schedule_runs_the_expiry_task_and_a_worker_finds_it():
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "timebank.spending.tasks.expire_vouchers" in scheduled
    # A fresh interpreter, as a worker starts: only Celery's autodiscovery imports the task.
    script = (
        "import django; django.setup(); from timebank.celery import app; "
        "app.loader.import_default_modules(); print('timebank.spending.tasks.expire_vouchers' in app.tasks)"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "timebank.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == "True", result.stdout + result.stderr


def test_a_voucher_past_its_expiry_cannot_be_used_even_before_the_task_ran(programme, world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        voucher_confirm(actor=partner, code=voucher.code, venue=world.pool)

    assert "This voucher expired on" in errors_of(refused)["code"][0]


def test_a_voucher_expires_at_the_end_of_its_offer_when_that_comes_first(programme, world, vera, coordinator):
    last_day = timezone.localdate() + dt.timedelta(days=3)
    offer_update(actor=coordinator, offer=world.swim, ends_on=last_day)

    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)

    assert timezone.localtime(voucher.expires_at) == timezone.make_aware(
        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min)
    )


# --- Confirming at the till -------------------------------------------------------------


def test_confirming_twice_pays_once(programme, world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    voucher_confirm(actor=partner, code=voucher.code, venue=world.pool)

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        voucher_confirm(actor=partner, code=voucher.code, venue=world.pool)

    assert "This voucher was already used on" in errors_of(refused)["code"][0]
    assert balance(programme, venue=world.pool) == 2 * CREDIT
    assert Redemption.objects.count() == 1


def test_a_confirmation_retried_with_its_key_returns_the_first_redemption(programme, world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    first = voucher_confirm(actor=partner, code=voucher.code, idempotency_key="till-7")

    with nothing_changes():
        again = voucher_confirm(actor=partner, code=voucher.code, idempotency_key="till-7")

    assert again == first
    other = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    with nothing_changes(), pytest.raises(IdempotencyConflict):
        voucher_confirm(actor=partner, code=other.code, idempotency_key="till-7")


def test_a_code_can_be_typed_with_spaces_or_scanned_as_the_address_in_the_qr_code(world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    scanned = f"https://timebank.example.org/venues/{world.pool.pk}/confirm/?code={voucher.code}"

    redemption = voucher_confirm(actor=partner, code=scanned, venue=world.pool)

    assert redemption.voucher == voucher


@pytest.mark.parametrize("persona", ["coordinator", "admin", "funder", "outsider"])
def test_only_the_venues_staff_may_confirm_a_voucher(request, world, vera, persona):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    actor = request.getfixturevalue(persona)

    with nothing_changes(), pytest.raises(PermissionDenied):
        voucher_confirm(actor=actor, code=voucher.code, venue=world.pool)
    with nothing_changes(), pytest.raises(PermissionDenied):
        voucher_confirm(actor=actor, code=voucher.code)


def test_a_partner_cannot_confirm_a_voucher_for_another_venue(world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.film)

    with nothing_changes(), pytest.raises(PermissionDenied):
        voucher_confirm(actor=partner, code=voucher.code, venue=world.cinema)
    with nothing_changes(), pytest.raises(ValidationError) as refused:
        voucher_confirm(actor=partner, code=voucher.code, venue=world.pool)
    assert errors_of(refused) == {
        "code": ["No voucher with this code is for your venue. Check the code and try again."]
    }
    with nothing_changes(), pytest.raises(ValidationError):
        voucher_confirm(actor=partner, code="ZZZZ2222")


def test_a_partner_whose_role_was_taken_away_loses_the_till(admin, programme, world, vera, partner):
    voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    membership = partner.memberships.get(programme=programme)
    membership.status = MembershipStatus.LEFT
    membership.save()

    with nothing_changes(), pytest.raises(PermissionDenied):
        voucher_confirm(actor=partner, code=voucher.code, venue=world.pool)


# --- Taking a voucher: refusals ------------------------------------------------------------


def test_a_voucher_costing_more_than_the_balance_is_refused_with_the_figures(programme, world, volunteer):
    earn(programme, volunteer, CREDIT)

    with nothing_changes(), pytest.raises(InsufficientCredits) as refused:
        voucher_issue(actor=volunteer.user, volunteer=volunteer, offer=world.swim)

    assert errors_of(refused) == {"offer": ["Not enough credits: 2 credits needed, 1 credit available."]}


def test_a_volunteer_without_any_credit_is_refused_and_no_account_is_left_behind(world, volunteer):
    with nothing_changes(), pytest.raises(InsufficientCredits):
        voucher_issue(actor=volunteer.user, volunteer=volunteer, offer=world.swim)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"active": False}, "This offer is not available any more."),
        ({"starts_on": dt.date(2099, 1, 1)}, "This offer starts on"),
        ({"starts_on": dt.date(2020, 1, 1), "ends_on": dt.date(2020, 12, 31)}, "This offer ended on"),
        ({"venue_active": False}, "This offer is not available any more."),
    ],
    ids=["inactive", "not-started", "ended", "venue-closed"],
)
def test_an_offer_not_available_today_is_refused(world, vera, coordinator, change, message):
    if change.pop("venue_active", True) is False:
        partner_venue_update(actor=coordinator, venue=world.pool, active=False)
    else:
        offer_update(actor=coordinator, offer=world.swim, **change)
    world.swim.refresh_from_db()

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)

    assert errors_of(refused)["offer"][0].startswith(message)
    assert world.swim not in offers_for(vera.user)


def test_only_active_volunteers_of_the_programme_may_take_its_vouchers(world, vera, coordinator, programme):
    membership_status_change(
        actor=coordinator, membership=vera.user.memberships.get(programme=programme), status=MembershipStatus.PAUSED
    )

    with nothing_changes(), pytest.raises(PermissionDenied):
        voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    assert list(offers_for(vera.user)) == []


def test_nobody_takes_a_voucher_on_a_volunteers_behalf(world, vera, coordinator, mentor):
    for actor in (coordinator, mentor.user):
        with nothing_changes(), pytest.raises(PermissionDenied):
            voucher_issue(actor=actor, volunteer=vera, offer=world.swim)


def test_another_programmes_volunteer_may_not_use_the_offer(world, other_volunteer, other_programme):
    earn(other_programme, other_volunteer, 5 * CREDIT)

    with nothing_changes(), pytest.raises(PermissionDenied):
        voucher_issue(actor=other_volunteer.user, volunteer=other_volunteer, offer=world.swim)
    assert list(offers_for(other_volunteer.user)) == []


# --- The monthly limit -------------------------------------------------------------------


def test_the_monthly_limit_counts_redemptions_this_month_and_open_vouchers(
    programme, world, vera, partner, coordinator
):
    earn(programme, vera, 10 * CREDIT)
    offer_update(actor=coordinator, offer=world.swim, monthly_limit_per_person=2)
    world.swim.refresh_from_db()
    used = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    voucher_confirm(actor=partner, code=used.code, venue=world.pool)
    open_voucher = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    assert monthly_uses(vera, world.swim) == 2

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)
    assert "The limit for this offer is 2 per person per month" in errors_of(refused)["offer"][0]
    with nothing_changes(), pytest.raises(ValidationError):
        redeem_at_till(actor=partner, venue=world.pool, membership_number=vera.membership_number, offer=world.swim)
    assert [row.limit_reached for row in offer_rows_for(vera.user) if row.offer == world.swim] == [True]

    voucher_cancel(actor=vera.user, voucher=open_voucher)
    voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim)

    # Last month's swims do not count this month.
    last_month = timezone.now() - dt.timedelta(days=40)
    Redemption.objects.update(redeemed_at=last_month)
    assert monthly_uses(vera, world.swim) == 1
    redeem_at_till(actor=partner, venue=world.pool, membership_number=vera.membership_number, offer=world.swim)
    assert monthly_uses(vera, world.swim) == 2


def test_a_voucher_retried_with_its_key_is_not_counted_against_the_limit(programme, world, vera, coordinator):
    offer_update(actor=coordinator, offer=world.swim, monthly_limit_per_person=1)
    world.swim.refresh_from_db()
    first = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim, idempotency_key="tap-1")

    with nothing_changes():
        again = voucher_issue(actor=vera.user, volunteer=vera, offer=world.swim, idempotency_key="tap-1")

    assert again == first
    assert balance(programme, volunteer=vera) == 3 * CREDIT
    with nothing_changes(), pytest.raises(IdempotencyConflict):
        voucher_issue(actor=vera.user, volunteer=vera, offer=world.film, idempotency_key="tap-1")


# --- Redeeming at the till by membership number ---------------------------------------------


def test_the_till_sees_the_name_and_balance_and_redeems_in_one_transfer(programme, world, vera, partner):
    member = till_member_lookup(partner, world.pool, vera.membership_number.lower())
    assert (member.name, member.balance_minutes) == ("Vera Volunteer", 5 * CREDIT)
    assert set(vars(member)) == {"name", "membership_number", "balance_minutes"}

    redemption = redeem_at_till(
        actor=partner, venue=world.pool, membership_number=vera.membership_number, offer=world.swim
    )

    assert (balance(programme, volunteer=vera), balance(programme, venue=world.pool), held(programme)) == (
        3 * CREDIT,
        2 * CREDIT,
        0,
    )
    assert (redemption.voucher, redemption.confirmed_by, redemption.cash_value) == (
        None,
        partner,
        Money("4.50", "GBP"),
    )
    assert_audited(last_audit(), action="redemption.till", actor=partner, target=redemption)
    assert ledger_verify().ok


def test_a_double_submit_at_the_till_pays_once_and_another_payload_with_its_key_conflicts(
    programme, world, vera, partner, mentor
):
    arguments = {"actor": partner, "venue": world.pool, "offer": world.swim, "idempotency_key": "form-token-1"}
    first = redeem_at_till(membership_number=vera.membership_number, **arguments)

    with nothing_changes():
        again = redeem_at_till(membership_number=vera.membership_number, **arguments)
    assert again == first
    assert balance(programme, volunteer=vera) == 3 * CREDIT

    earn(programme, mentor, 5 * CREDIT)
    with nothing_changes(), pytest.raises(IdempotencyConflict):
        redeem_at_till(membership_number=mentor.membership_number, **arguments)


@pytest.mark.parametrize(
    "number",
    ["", "TB9999999", "{other}"],
    ids=["empty", "unknown", "other-programme"],
)
def test_the_till_finds_only_active_members_of_its_programme(world, vera, partner, other_volunteer, number):
    number = number.format(other=other_volunteer.membership_number)

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        redeem_at_till(actor=partner, venue=world.pool, membership_number=number, offer=world.swim)

    assert errors_of(refused) == {
        "membership_number": ["No active member of Tenants' time credits has this membership number."]
    }
    with pytest.raises(Exception, match="does not exist"):
        till_member_lookup(partner, world.pool, number)


def test_the_till_refuses_a_paused_member(world, vera, partner, coordinator, programme):
    membership_status_change(
        actor=coordinator, membership=vera.user.memberships.get(programme=programme), status=MembershipStatus.PAUSED
    )

    with nothing_changes(), pytest.raises(ValidationError):
        redeem_at_till(actor=partner, venue=world.pool, membership_number=vera.membership_number, offer=world.swim)


def test_the_till_refuses_another_venues_offer_a_short_balance_and_other_people(
    programme, world, volunteer, partner, coordinator
):
    earn(programme, volunteer, CREDIT)
    number = volunteer.membership_number

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        redeem_at_till(actor=partner, venue=world.pool, membership_number=number, offer=world.film)
    assert errors_of(refused) == {"offer": ["Choose an offer of Splash Leisure Centre."]}
    with nothing_changes(), pytest.raises(InsufficientCredits):
        redeem_at_till(actor=partner, venue=world.pool, membership_number=number, offer=world.swim)
    for actor in (coordinator, volunteer.user):
        with nothing_changes(), pytest.raises(PermissionDenied):
            redeem_at_till(actor=actor, venue=world.pool, membership_number=number, offer=world.swim)
        with pytest.raises(PermissionDenied):
            till_member_lookup(actor, world.pool, number)


# --- Gifts -----------------------------------------------------------------------------------


def test_gifts_to_a_member_to_the_fund_and_a_grant_from_the_fund(programme, vera, mentor, coordinator):
    gift_to_member(
        actor=vera.user, giver=vera, programme=programme, membership_number=mentor.membership_number, minutes=60
    )
    to_fund = gift_to_fund(actor=vera.user, giver=vera, programme=programme, minutes=120, message="For the kids' trip")
    assert (to_fund.recipient, to_fund.message) == (None, "For the kids' trip")
    assert_audited(last_audit(), action="gift.fund", actor=vera.user, target=to_fund)

    grant = fund_grant(actor=coordinator, programme=programme, membership_number=mentor.membership_number, minutes=90)

    assert (grant.giver, grant.recipient, grant.created_by) == (None, mentor, coordinator)
    assert_audited(last_audit(), action="fund.grant", actor=coordinator, target=grant)
    assert balance(programme, volunteer=vera) == 2 * CREDIT
    assert balance(programme, volunteer=mentor) == 150
    assert fund(programme) == 30
    assert Gift.objects.count() == 3
    assert ledger_verify().ok


@pytest.mark.parametrize(
    ("number", "minutes", "field", "message"),
    [
        ("{self}", 60, "membership_number", "You cannot give credits to yourself."),
        ("TB9999999", 60, "membership_number", "No member of Tenants' time credits has this membership number."),
        ("{other}", 60, "membership_number", "No member of Tenants' time credits has this membership number."),
        ("{mentor}", 0, "minutes", "Give a positive number of minutes."),
        ("{mentor}", -60, "minutes", "Give a positive number of minutes."),
        ("{mentor}", 6 * CREDIT, "minutes", "Not enough credits: 6 credits needed, 5 credits available."),
        ("{mentor}", 1.5, "minutes", "Give a positive number of minutes."),
    ],
    ids=["self", "unknown", "other-programme", "zero", "negative", "over-balance", "fraction"],
)
def test_a_gift_that_cannot_be_made_is_refused_and_changes_nothing(
    programme, vera, mentor, other_volunteer, number, minutes, field, message
):
    number = number.format(
        self=vera.membership_number, other=other_volunteer.membership_number, mentor=mentor.membership_number
    )

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        gift_to_member(actor=vera.user, giver=vera, programme=programme, membership_number=number, minutes=minutes)

    assert errors_of(refused) == {field: [message]}


def test_refused_gifts_to_the_fund_and_grants(programme, vera, mentor, coordinator, other_programme_coordinator):
    with nothing_changes(), pytest.raises(ValidationError):
        gift_to_fund(actor=vera.user, giver=vera, programme=programme, minutes=0)
    with nothing_changes(), pytest.raises(InsufficientCredits):
        gift_to_fund(actor=vera.user, giver=vera, programme=programme, minutes=6 * CREDIT)
    with nothing_changes(), pytest.raises(PermissionDenied):
        gift_to_fund(actor=mentor.user, giver=vera, programme=programme, minutes=60)
    with nothing_changes(), pytest.raises(PermissionDenied):
        gift_to_member(
            actor=coordinator, giver=vera, programme=programme, membership_number=mentor.membership_number, minutes=60
        )
    gift_to_fund(actor=vera.user, giver=vera, programme=programme, minutes=60)
    with nothing_changes(), pytest.raises(InsufficientCredits) as refused:
        fund_grant(actor=coordinator, programme=programme, membership_number=mentor.membership_number, minutes=120)
    assert errors_of(refused) == {"minutes": ["Not enough credits: 2 credits needed, 1 credit available."]}
    for actor in (other_programme_coordinator, vera.user, mentor.user):
        with nothing_changes(), pytest.raises(PermissionDenied):
            fund_grant(actor=actor, programme=programme, membership_number=mentor.membership_number, minutes=60)


def test_a_gift_retried_with_its_key_is_given_once_and_another_gift_with_that_key_conflicts(programme, vera, mentor):
    arguments = {
        "actor": vera.user,
        "giver": vera,
        "programme": programme,
        "membership_number": mentor.membership_number,
    }
    first = gift_to_member(minutes=60, idempotency_key="gift-1", **arguments)

    with nothing_changes():
        assert gift_to_member(minutes=60, idempotency_key="gift-1", **arguments) == first
    with nothing_changes(), pytest.raises(IdempotencyConflict):
        gift_to_member(minutes=120, idempotency_key="gift-1", **arguments)
    # Keys belong to the person: the mentor's "gift-1" is another request.
    earn(programme, mentor, CREDIT)
    gift_to_member(
        actor=mentor.user,
        giver=mentor,
        programme=programme,
        membership_number=vera.membership_number,
        minutes=60,
        idempotency_key="gift-1",
    )
    assert balance(programme, volunteer=vera) == 5 * CREDIT - 60 + 60


# --- Partner venues and offers -------------------------------------------------------------


def test_coordinators_set_up_venues_staff_and_offers(programme, coordinator, partner, today):
    venue = partner_venue_create(
        actor=coordinator,
        programme=programme,
        name=" New Theatre ",
        category="culture",
        contact_email="box@theatre.org",
    )
    assert_audited(last_audit(), action="partner_venue.create", actor=coordinator, target=venue)
    staff = partner_staff_add(actor=coordinator, venue=venue, user=partner)
    assert_audited(last_audit(), action="partner_staff.add", actor=coordinator, target=staff)
    with nothing_changes():
        assert partner_staff_add(actor=coordinator, venue=venue, user=partner) == staff

    # The venue's own staff list their offers.
    offer = offer_create(
        actor=partner, venue=venue, title="Matinee", price_minutes=90, cash_value=Decimal("12.00"), starts_on=today
    )
    assert (venue.name, offer.cash_value) == ("New Theatre", Money("12.00", "GBP"))
    offer_update(actor=partner, offer=offer, price_minutes=120, restrictions="Not on Saturdays")
    offer.refresh_from_db()
    assert (offer.price_minutes, offer.restrictions) == (120, "Not on Saturdays")
    assert last_audit().changes == {"price_minutes": [90, 120], "restrictions": ["", "Not on Saturdays"]}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Splash Leisure Centre"}, "name"),
        ({"category": "casino"}, "category"),
        ({"contact_email": "not-an-address"}, "contact_email"),
    ],
)
def test_a_venue_with_bad_details_is_refused(world, programme, coordinator, arguments, field):
    details = {"name": "Library", "category": "learning", **arguments}

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        partner_venue_create(actor=coordinator, programme=programme, **details)

    assert field in errors_of(refused)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"title": " "}, "title"),
        ({"price_minutes": 0}, "price_minutes"),
        ({"price_minutes": 101 * CREDIT}, "price_minutes"),
        ({"cash_value": "-1"}, "cash_value"),
        ({"cash_value": "1.005"}, "cash_value"),
        ({"cash_value": Money("3", "EUR")}, "cash_value"),
        ({"monthly_limit_per_person": 0}, "monthly_limit_per_person"),
        ({"ends_on": dt.date(2000, 1, 1)}, "ends_on"),
    ],
)
def test_an_offer_with_bad_details_is_refused(world, coordinator, today, arguments, field):
    details = {"title": "Sauna", "price_minutes": 60, "cash_value": "3.00", "starts_on": today, **arguments}

    with nothing_changes(), pytest.raises(ValidationError) as refused:
        offer_create(actor=coordinator, venue=world.pool, **details)

    assert field in errors_of(refused)


def test_who_may_manage_venues_staff_and_offers(
    world, programme, partner, volunteer, funder, other_programme_coordinator, outsider, today
):
    for actor in (partner, volunteer.user, funder, other_programme_coordinator, outsider):
        with nothing_changes(), pytest.raises(PermissionDenied):
            partner_venue_create(actor=actor, programme=programme, name="Library", category="learning")
        with nothing_changes(), pytest.raises(PermissionDenied):
            partner_staff_add(actor=actor, venue=world.pool, user=partner)
    # Partner staff manage their own venue's offers, not another venue's.
    for actor in (partner, volunteer.user, funder, other_programme_coordinator, outsider):
        with nothing_changes(), pytest.raises(PermissionDenied):
            offer_update(actor=actor, offer=world.film, price_minutes=60)
        with nothing_changes(), pytest.raises(PermissionDenied):
            offer_create(
                actor=actor, venue=world.cinema, title="Late show", price_minutes=60, cash_value="5", starts_on=today
            )


def test_only_holders_of_the_partner_role_join_a_venues_staff(world, coordinator, volunteer, funder):
    for user in (volunteer.user, funder):
        with nothing_changes(), pytest.raises(ValidationError) as refused:
            partner_staff_add(actor=coordinator, venue=world.pool, user=user)
        assert errors_of(refused) == {"user": ["This person does not hold the partner role in Tenants' time credits."]}


# --- The partner's dashboard ------------------------------------------------------------------


def test_the_dashboard_totals_redemptions_and_their_cash_value_by_month(programme, world, vera, partner, coordinator):
    earn(programme, vera, 10 * CREDIT)
    for _ in range(3):
        redeem_at_till(actor=partner, venue=world.pool, membership_number=vera.membership_number, offer=world.swim)
    last = Redemption.objects.order_by("pk").first()
    Redemption.objects.filter(pk=last.pk).update(redeemed_at=timezone.now() - dt.timedelta(days=40))

    dashboard = partner_dashboard(partner, world.pool)

    assert (dashboard.redemptions, dashboard.minutes, dashboard.cash_value) == (3, 6 * CREDIT, Money("13.50", "GBP"))
    assert [(m.redemptions, m.minutes, m.cash_value) for m in dashboard.months] == [
        (2, 4 * CREDIT, Money("9.00", "GBP")),
        (1, 2 * CREDIT, Money("4.50", "GBP")),
    ]
    assert dashboard.months[0].month == timezone.localdate().replace(day=1)
    assert partner_dashboard(coordinator, world.pool).redemptions == 3
    with pytest.raises(PermissionDenied):
        partner_dashboard(partner, world.cinema)


# --- At the same moment: threads with their own database connections -----------------------
#
# Each race builds its own programme through the services (it runs outside any test
# transaction) and returns a JSON-ready report. On PostgreSQL it runs in this process; on
# SQLite in a fresh interpreter against a database file (tests/concurrency.py). `written`
# counts the rows written while the requests raced, so a refused request that left a
# voucher, a redemption, a ledger transaction or an audit entry behind shows up there.

RACE_TABLES = {
    "vouchers": Voucher,
    "redemptions": Redemption,
    "transactions": Transaction,
    "postings": Posting,
    "audit": AuditEntry,
}


def _race_world(tag: str) -> SimpleNamespace:
    """The worked example, built afresh: a coordinator, the pool with `partner` on its till
    and its 2-credit swim, the cinema's 3-credit film, and Vera with 5 credits."""
    admin = User.objects.create_superuser(f"admin-{tag}", f"admin-{tag}@example.org", PASSWORD)
    organisation = organisation_create(actor=admin, name=f"Taff Housing {tag}", slug=f"taff-{tag}")
    programme = programme_create(
        actor=admin, organisation=organisation, name=f"Tenants {tag}", slug=f"tenants-{tag}", hourly_value="12.00"
    )
    staff = {}
    for role in (Role.COORDINATOR, Role.PARTNER):
        staff[role] = account_create(
            actor=admin, username=f"{role}-{tag}", password=PASSWORD, full_name=f"{role.title()} Person"
        )
        membership_grant(actor=admin, user=staff[role], programme=programme, role=role)
    coordinator, partner = staff[Role.COORDINATOR], staff[Role.PARTNER]
    vera = volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name="Vera Volunteer",
        status=MembershipStatus.ACTIVE,
        consent_to_record=True,
    )
    earn(programme, vera, 5 * CREDIT)
    venues = spending_world(coordinator=coordinator, programme=programme, partner=partner)
    return SimpleNamespace(programme=programme, coordinator=coordinator, partner=partner, vera=vera, **vars(venues))


def _one_credit_gym_session(world):
    """An offer without a monthly limit."""
    return offer_create(
        actor=world.coordinator,
        venue=world.pool,
        title="Gym session",
        price_minutes=CREDIT,
        cash_value="2.00",
        starts_on=timezone.localdate() - dt.timedelta(days=40),
    )


def _last_rows() -> dict[str, int]:
    """The highest id in each table a spending request writes: what a race writes comes after."""
    return {name: model.objects.aggregate(last=Max("pk"))["last"] or 0 for name, model in RACE_TABLES.items()}


def _race_report(world, outcomes: list[str], before: dict[str, int]) -> dict:
    new = {name: model.objects.filter(pk__gt=before[name]) for name, model in RACE_TABLES.items()}
    return {
        "outcomes": sorted(outcomes),
        "written": {
            "vouchers": new["vouchers"].count(),
            "redemptions": new["redemptions"].count(),
            "transactions": dict(Counter(new["transactions"].values_list("kind", flat=True))),
            "postings": new["postings"].count(),
            "audit": dict(Counter(new["audit"].values_list("action", flat=True))),
        },
        "balances": {
            "vera": balance(world.programme, volunteer=world.vera),
            "pool": balance(world.programme, venue=world.pool),
            "held": held(world.programme),
        },
        "problems": ledger_verify().problems,
    }


def eight_tills_confirming_one_voucher() -> dict:
    world = _race_world("tills")
    voucher = voucher_issue(actor=world.vera.user, volunteer=world.vera, offer=world.swim)
    before = _last_rows()

    outcomes = at_once(8, lambda i: voucher_confirm(actor=world.partner, code=voucher.code, venue=world.pool))
    return _race_report(world, outcomes, before)


def _cancel_confirm_and_expiry_on_one_voucher(tag: str, *, past_expiry: bool) -> dict:
    world = _race_world(tag)
    voucher = voucher_issue(actor=world.vera.user, volunteer=world.vera, offer=world.swim)
    if past_expiry:
        Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    expired = []

    actions = [
        lambda: voucher_cancel(actor=world.vera.user, voucher=voucher),
        lambda: voucher_confirm(actor=world.partner, code=voucher.code, venue=world.pool),
        lambda: expired.append(vouchers_expire()),
    ] * 3
    before = _last_rows()

    outcomes = at_once(len(actions), lambda i: actions[i]())
    voucher.refresh_from_db()
    return {
        **_race_report(world, outcomes, before),
        "by_action": {action: sorted(outcomes[n::3]) for n, action in enumerate(("cancel", "confirm", "expire"))},
        "expired": sum(expired),
        "status": voucher.status,
        "hold_reversals": Transaction.objects.filter(reverses=voucher.hold_transaction).count(),
    }


def cancel_confirm_and_expiry_on_a_live_voucher() -> dict:
    return _cancel_confirm_and_expiry_on_one_voucher("live", past_expiry=False)


def cancel_confirm_and_expiry_on_a_voucher_past_expiry() -> dict:
    return _cancel_confirm_and_expiry_on_one_voucher("past-expiry", past_expiry=True)


def eight_vouchers_against_a_monthly_limit_of_two() -> dict:
    world = _race_world("limit")
    earn(world.programme, world.vera, 20 * CREDIT)
    offer_update(actor=world.coordinator, offer=world.swim, monthly_limit_per_person=2)
    before = _last_rows()

    outcomes = at_once(8, lambda i: voucher_issue(actor=world.vera.user, volunteer=world.vera, offer=world.swim))
    return _race_report(world, outcomes, before)


def sixteen_vouchers_against_five_credits() -> dict:
    world = _race_world("vouchers")
    gym = _one_credit_gym_session(world)
    before = _last_rows()

    outcomes = at_once(16, lambda i: voucher_issue(actor=world.vera.user, volunteer=world.vera, offer=gym))
    return _race_report(world, outcomes, before)


def sixteen_till_redemptions_against_five_credits() -> dict:
    world = _race_world("till")
    gym = _one_credit_gym_session(world)
    before = _last_rows()

    outcomes = at_once(
        16,
        lambda i: redeem_at_till(
            actor=world.partner, venue=world.pool, membership_number=world.vera.membership_number, offer=gym
        ),
    )
    return _race_report(world, outcomes, before)


def one_key_each_retried_at_once_across_a_voucher_a_gift_and_the_till() -> dict:
    """Three paths on Vera's balance at once, each request sent four times with its own
    Idempotency-Key (a phone retrying): each happens once, and every retry answers it."""
    world = _race_world("retries")
    gym = _one_credit_gym_session(world)
    rhys = volunteer_register(
        actor=world.coordinator,
        programme=world.programme,
        full_name="Rhys Recipient",
        status=MembershipStatus.ACTIVE,
        consent_to_record=True,
    )
    results: dict[int, int] = {}
    actions = [
        lambda: voucher_issue(actor=world.vera.user, volunteer=world.vera, offer=world.swim, idempotency_key="tap"),
        lambda: gift_to_member(
            actor=world.vera.user,
            giver=world.vera,
            programme=world.programme,
            membership_number=rhys.membership_number,
            minutes=CREDIT,
            idempotency_key="gift",
        ),
        lambda: redeem_at_till(
            actor=world.partner,
            venue=world.pool,
            membership_number=world.vera.membership_number,
            offer=gym,
            idempotency_key="till",
        ),
    ] * 4
    before = _last_rows()

    def send(i):
        results[i] = actions[i]().pk

    outcomes = at_once(len(actions), send)
    return {
        **_race_report(world, outcomes, before),
        "answers": {path: len({results.get(i) for i in range(n, len(actions), 3)}) for n, path in enumerate("vgt")},
        "rhys": balance(world.programme, volunteer=rhys),
    }


RACES = {
    f.__name__: f
    for f in (
        one_key_each_retried_at_once_across_a_voucher_a_gift_and_the_till,
        eight_tills_confirming_one_voucher,
        cancel_confirm_and_expiry_on_a_live_voucher,
        cancel_confirm_and_expiry_on_a_voucher_past_expiry,
        eight_vouchers_against_a_monthly_limit_of_two,
        sixteen_vouchers_against_five_credits,
        sixteen_till_redemptions_against_five_credits,
    )
}


def _written(*, vouchers=0, redemptions=0, transactions=None, audit=None) -> dict:
    transactions = transactions or {}
    return {
        "vouchers": vouchers,
        "redemptions": redemptions,
        "transactions": transactions,
        "postings": 2 * sum(transactions.values()),
        "audit": audit or {},
    }


def check_race(name: str, report: dict) -> None:
    """What each race must show, on either database."""
    assert report["problems"] == [], report
    written = report["written"]
    if name == "one_key_each_retried_at_once_across_a_voucher_a_gift_and_the_till":
        assert report["outcomes"] == ["ok"] * 12, report
        # Every retry of a request answered with the same row.
        assert report["answers"] == {"v": 1, "g": 1, "t": 1}, report
        assert report["balances"] == {"vera": 1 * CREDIT, "pool": 1 * CREDIT, "held": 2 * CREDIT}, report
        assert report["rhys"] == CREDIT, report
        assert written == _written(
            vouchers=1,
            redemptions=1,
            transactions={"redeem": 2, "gift": 1},
            audit={"voucher.issue": 1, "gift.member": 1, "redemption.till": 1},
        )
    elif name == "eight_tills_confirming_one_voucher":
        assert report["outcomes"] == ["ValidationError"] * 7 + ["ok"], report
        assert report["balances"] == {"vera": 3 * CREDIT, "pool": 2 * CREDIT, "held": 0}, report
        assert written == _written(redemptions=1, transactions={"redeem": 1}, audit={"voucher.redeem": 1})
    elif name.startswith("cancel_confirm_and_expiry_on_a"):
        # One of the nine requests settles the voucher; which one is the race's to decide.
        winner = {VoucherStatus.CANCELLED: "cancel", VoucherStatus.REDEEMED: "confirm", VoucherStatus.EXPIRED: "expire"}
        winner = winner[report["status"]]
        assert winner in (("cancel", "expire") if name.endswith("past_expiry") else ("cancel", "confirm")), report

        def three(won: bool) -> list[str]:
            return ["ValidationError"] * (3 - won) + ["ok"] * won

        # Every expiry run finishes, expiring nothing unless it won; the losing cancels and
        # confirmations are refused.
        assert report["by_action"] == {
            "cancel": three(winner == "cancel"),
            "confirm": three(winner == "confirm"),
            "expire": ["ok"] * 3,
        }, report
        assert report["expired"] == int(winner == "expire"), report
        spent = 2 * CREDIT if winner == "confirm" else 0
        assert report["balances"] == {"vera": 5 * CREDIT - spent, "pool": spent, "held": 0}, report
        assert report["hold_reversals"] == (0 if spent else 1), report
        settlements = {
            "cancel": _written(transactions={"reverse": 1}, audit={"voucher.cancel": 1}),
            "confirm": _written(redemptions=1, transactions={"redeem": 1}, audit={"voucher.redeem": 1}),
            "expire": _written(transactions={"reverse": 1}, audit={"voucher.expire": 1}),
        }
        assert written == settlements[winner]
    elif name == "eight_vouchers_against_a_monthly_limit_of_two":
        assert report["outcomes"] == ["ValidationError"] * 6 + ["ok"] * 2, report
        assert report["balances"] == {"vera": 25 * CREDIT - 2 * 2 * CREDIT, "pool": 0, "held": 2 * 2 * CREDIT}, report
        assert written == _written(vouchers=2, transactions={"redeem": 2}, audit={"voucher.issue": 2})
    elif name == "sixteen_vouchers_against_five_credits":
        assert report["outcomes"] == ["InsufficientCredits"] * 11 + ["ok"] * 5, report
        assert report["balances"] == {"vera": 0, "pool": 0, "held": 5 * CREDIT}, report
        assert written == _written(vouchers=5, transactions={"redeem": 5}, audit={"voucher.issue": 5})
    elif name == "sixteen_till_redemptions_against_five_credits":
        assert report["outcomes"] == ["InsufficientCredits"] * 11 + ["ok"] * 5, report
        assert report["balances"] == {"vera": 0, "pool": 5 * CREDIT, "held": 0}, report
        assert written == _written(redemptions=5, transactions={"redeem": 5}, audit={"redemption.till": 5})
    else:
        raise AssertionError(f"no checks for {name}")


@postgres_only
@pytest.mark.parametrize("name", RACES)
def test_spending_race_on_postgresql(transactional_db, name):
    check_race(name, RACES[name]())


@sqlite_only
def test_spending_races_on_sqlite(tmp_path):
    for name, report in run_on_sqlite(tmp_path, RACES).items():
        check_race(name, report)
