"""Earning credits by giving time, on worked examples with real numbers.

Vera is a tenant volunteering in the tenants' programme. The programme credits
its tenants' meeting per hour given, a newsletter article with a fixed 2
credits, and event help per hour, approved at once up to 3 hours. Every
refusal leaves every row of the core and ledger apps as it was.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ledger.errors import AlreadyReversed, IdempotencyConflict, InsufficientCredits
from ledger.models import AccountKind, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify
from ledger.services import transaction_post
from tests.assertions import assert_audited, errors_of, last_audit, unchanged
from tests.concurrency import at_once, postgres_only, run_on_sqlite, sqlite_only
from timebank.accounts.models import AuditEntry
from timebank.accounts.services.people import membership_status_change
from timebank.accounts.services.programmes import membership_grant
from timebank.earning.models import ClaimSource, ClaimStatus, HoursClaim
from timebank.earning.services.activities import activity_create, activity_session_create
from timebank.earning.services.attendance import attendance_record
from timebank.earning.services.claim_credits import approval_key
from timebank.earning.services.claims import claim_approve, claim_log, claim_reject, claim_reverse, claims_approve_bulk
from timebank.spending.credits import partner_account
from timebank.spending.models import PartnerVenue
from timebank.volunteers.credits import volunteer_account
from timebank.volunteers.models import VolunteerProfile


def balance(programme, volunteer) -> int:
    return balance_of(kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=volunteer.pk)


def issuer_balance(programme) -> int:
    return balance_of(kind=AccountKind.ISSUER, scope_id=programme.pk)


def log(volunteer, activity, date, minutes, **extra):
    return claim_log(actor=volunteer.user, volunteer=volunteer, activity=activity, date=date, minutes=minutes, **extra)


# --- Worked examples ---------------------------------------------------------------------


def test_a_tenant_logs_two_and_a_half_hours_and_earns_150_minutes(
    programme, coordinator, volunteer, activities, yesterday
):
    claim = log(volunteer, activities["meeting"], yesterday, 150, note="Minutes taker")

    assert (claim.status, claim.credited_minutes, claim.source) == (ClaimStatus.PENDING, 150, ClaimSource.VOLUNTEER)
    assert balance(programme, volunteer) == 0
    assert_audited(last_audit(), action="claim.log", actor=volunteer.user, target=claim)

    claim_approve(actor=coordinator, claim=claim)

    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == (ClaimStatus.APPROVED, coordinator)
    assert balance(programme, volunteer) == 150
    assert issuer_balance(programme) == -150
    txn = claim.transaction
    assert (txn.kind, txn.occurred_on, txn.idempotency_key, txn.created_by) == (
        TransactionKind.EARN,
        yesterday,
        f"claim:{claim.pk}:approve",
        coordinator,
    )
    assert_audited(last_audit(), action="claim.approve", actor=coordinator, target=claim)
    assert ledger_verify().ok


def test_a_fixed_two_credit_article_of_45_minutes_earns_120_minutes(
    programme, coordinator, volunteer, activities, yesterday
):
    claim = log(volunteer, activities["article"], yesterday, 45)

    assert (claim.minutes, claim.credited_minutes) == (45, 120)
    claim_approve(actor=coordinator, claim=claim)
    assert balance(programme, volunteer) == 120
    assert issuer_balance(programme) == -120
    assert ledger_verify().ok


def test_a_claim_within_the_activitys_limit_is_approved_at_once_by_the_rule(
    programme, volunteer, activities, yesterday
):
    claim = log(volunteer, activities["event"], yesterday, 180)

    assert (claim.status, claim.decided_by) == (ClaimStatus.APPROVED, None)
    assert balance(programme, volunteer) == 180
    approval = last_audit()
    assert_audited(approval, action="claim.approve", actor=None, target=claim)
    assert approval.changes["rule"] == "activity.auto_approve_max_minutes"
    assert approval.changes["limit"] == 180
    assert "approved automatically" in approval.reason.lower()


def test_a_claim_over_the_activitys_limit_waits_for_a_coordinator(programme, volunteer, activities, today):
    claim = log(volunteer, activities["event"], today, 181)

    assert claim.status == ClaimStatus.PENDING
    assert balance(programme, volunteer) == 0


def test_activities_take_the_programmes_approval_default(admin, coordinator, programme):
    programme.auto_approve_max_minutes = 60
    programme.save()

    focus_group = activity_create(actor=coordinator, programme=programme, name="Focus group")
    panel = activity_create(actor=coordinator, programme=programme, name="Interview panel", auto_approve_max_minutes=0)

    assert (focus_group.auto_approve_max_minutes, panel.auto_approve_max_minutes) == (60, 0)
    assert_audited(last_audit(), action="activity.create", actor=coordinator, target=panel)


def test_a_coordinator_logs_hours_for_a_tenant_without_email(programme, coordinator, volunteer, activities, today):
    claim = claim_log(actor=coordinator, volunteer=volunteer, activity=activities["meeting"], date=today, minutes=60)

    assert (claim.source, claim.created_by, claim.status) == (ClaimSource.COORDINATOR, coordinator, "pending")


def test_a_claim_for_a_session_takes_its_date_and_duration(volunteer, march_meeting, activities):
    claim = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], session=march_meeting, minutes=None
    )

    assert (claim.date, claim.minutes, claim.session) == (march_meeting.date, 90, march_meeting)


# --- Approving twice never pays twice ----------------------------------------------------------


def test_approving_twice_is_refused_and_pays_once(programme, coordinator, admin, volunteer, activities, yesterday):
    claim = log(volunteer, activities["meeting"], yesterday, 150)
    claim_approve(actor=coordinator, claim=claim)

    with unchanged(), pytest.raises(ValidationError) as refused:
        claim_approve(actor=admin, claim=claim)

    assert "no longer waiting" in errors_of(refused)["status"][0]
    assert balance(programme, volunteer) == 150


def test_a_stale_approval_replays_the_ledger_transaction_instead_of_paying_again(
    programme, coordinator, volunteer, activities, yesterday
):
    """Even if the claim row had lost its approval (a bug, a restore), the deterministic
    ledger key returns the first transaction: the volunteer is paid once."""
    claim = log(volunteer, activities["meeting"], yesterday, 150)
    first = claim_approve(actor=coordinator, claim=claim).transaction
    HoursClaim.objects.filter(pk=claim.pk).update(status=ClaimStatus.PENDING, transaction=None)

    again = claim_approve(actor=coordinator, claim=claim).transaction

    assert again.pk == first.pk
    assert Transaction.objects.filter(idempotency_key=approval_key(claim)).count() == 1
    assert balance(programme, volunteer) == 150
    assert ledger_verify().ok


def test_a_retry_of_an_approval_with_the_same_client_key_returns_the_claim(
    programme, coordinator, admin, volunteer, activities, yesterday
):
    claim = log(volunteer, activities["meeting"], yesterday, 60)
    claim_approve(actor=coordinator, claim=claim, idempotency_key="approve-1")

    with unchanged():
        again = claim_approve(actor=coordinator, claim=claim, idempotency_key="approve-1")
    assert again.status == ClaimStatus.APPROVED
    with unchanged(), pytest.raises(ValidationError):
        claim_approve(actor=admin, claim=claim, idempotency_key="another-key")
    assert balance(programme, volunteer) == 60


# --- Rejection -------------------------------------------------------------------------------


def test_a_rejected_claim_keeps_its_reason_and_may_be_logged_again(
    programme, coordinator, volunteer, activities, yesterday
):
    claim = log(volunteer, activities["meeting"], yesterday, 150)

    claim_reject(actor=coordinator, claim=claim, reason="The meeting lasted one hour.")

    claim.refresh_from_db()
    assert (claim.status, claim.rejection_reason) == (ClaimStatus.REJECTED, "The meeting lasted one hour.")
    assert_audited(last_audit(), action="claim.reject", actor=coordinator, target=claim)
    assert balance(programme, volunteer) == 0
    again = log(volunteer, activities["meeting"], yesterday, 60)
    assert again.status == ClaimStatus.PENDING


def test_a_rejection_needs_a_reason(coordinator, volunteer, activities, yesterday):
    claim = log(volunteer, activities["meeting"], yesterday, 150)

    with unchanged(), pytest.raises(ValidationError) as refused:
        claim_reject(actor=coordinator, claim=claim, reason="   ")

    assert "reason" in errors_of(refused)


# --- Bulk approval ------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [500, 2], ids=["one-chunk", "chunks-of-two"])
def test_bulk_approval_approves_what_it_can_and_says_why_not_for_the_rest(
    monkeypatch,
    chunk,
    programme,
    other_programme,
    coordinator,
    other_programme_coordinator,
    volunteer,
    mentor,
    other_volunteer,
    activities,
    yesterday,
    today,
):
    meeting, article = activities["meeting"], activities["article"]
    vera_meeting = log(volunteer, meeting, yesterday, 150)
    vera_article = log(volunteer, article, today, 45)
    mehmet_meeting = log(mentor, meeting, yesterday, 90)
    already = log(mentor, article, yesterday, 30)
    claim_approve(actor=coordinator, claim=already)
    rejected = log(mentor, meeting, today, 30)
    claim_reject(actor=coordinator, claim=rejected, reason="No meeting today.")
    garden = activity_create(actor=other_programme_coordinator, programme=other_programme, name="Garden day")
    membership_status_change(
        actor=other_programme_coordinator,
        membership=other_volunteer.user.memberships.get(),
        status="active",
    )
    elsewhere = claim_log(
        actor=other_programme_coordinator, volunteer=other_volunteer, activity=garden, date=today, minutes=60
    )

    monkeypatch.setattr("timebank.earning.services.claims.BULK_CHUNK", chunk)
    audit_before = AuditEntry.objects.count()

    result = claims_approve_bulk(
        actor=coordinator, claims=[vera_meeting, vera_article, mehmet_meeting, already, rejected, elsewhere]
    )

    assert [c.pk for c in result.approved] == [vera_meeting.pk, vera_article.pk, mehmet_meeting.pk]
    assert result.credited_minutes == 150 + 120 + 90
    reasons = {claim.pk: message for claim, message in result.refused}
    assert set(reasons) == {already.pk, rejected.pk, elsewhere.pk}
    assert "was approved" in reasons[already.pk]
    assert "was rejected" in reasons[rejected.pk]
    assert "Only a coordinator of Family mentors" in reasons[elsewhere.pk]
    assert balance(programme, volunteer) == 270
    assert balance(programme, mentor) == 90 + 120
    assert HoursClaim.objects.get(pk=elsewhere.pk).status == ClaimStatus.PENDING
    assert Transaction.objects.filter(kind=TransactionKind.EARN).count() == 4
    for claim in result.approved:
        claim.refresh_from_db()
        assert (claim.status, claim.decided_by, claim.transaction.idempotency_key) == (
            ClaimStatus.APPROVED,
            coordinator,
            approval_key(claim),
        )
    entries = AuditEntry.objects.order_by("id")[audit_before:]
    assert [(e.action, e.actor, e.target_id) for e in entries] == [
        ("claim.approve", coordinator, claim.pk) for claim in result.approved
    ]
    assert ledger_verify().ok


# --- Attendance register -------------------------------------------------------------------------


def test_the_register_credits_every_attendee_at_once(programme, coordinator, volunteer, mentor, march_meeting):
    result = attendance_record(actor=coordinator, session=march_meeting, volunteers=[volunteer, mentor])

    assert len(result.approved) == 2 and not result.already
    assert result.credited_minutes == 180
    for claim in result.approved:
        assert (claim.status, claim.source, claim.minutes, claim.date) == (
            ClaimStatus.APPROVED,
            ClaimSource.ATTENDANCE,
            90,
            march_meeting.date,
        )
    assert balance(programme, volunteer) == balance(programme, mentor) == 90
    assert issuer_balance(programme) == -180
    assert_audited(last_audit(), action="attendance.record", actor=coordinator, target=march_meeting)
    assert ledger_verify().ok


def test_recording_the_same_register_twice_creates_nothing_new(
    programme, coordinator, volunteer, mentor, march_meeting
):
    attendance_record(actor=coordinator, session=march_meeting, volunteers=[volunteer, mentor])

    with unchanged():
        again = attendance_record(actor=coordinator, session=march_meeting, volunteers=[volunteer, mentor])

    assert not again.approved and len(again.already) == 2
    assert HoursClaim.objects.filter(session=march_meeting).count() == 2
    assert balance(programme, volunteer) == 90


def test_the_register_approves_a_claim_the_attendee_logged_themselves(
    programme, coordinator, volunteer, mentor, activities, march_meeting
):
    own = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], session=march_meeting, minutes=None
    )

    result = attendance_record(actor=coordinator, session=march_meeting, volunteers=[volunteer, mentor])

    assert {c.pk for c in result.approved} >= {own.pk}
    assert HoursClaim.objects.filter(session=march_meeting).count() == 2
    assert balance(programme, volunteer) == 90


def test_a_register_with_someone_not_active_writes_nothing(coordinator, volunteer, mentor, march_meeting):
    membership_status_change(actor=coordinator, membership=mentor.user.memberships.get(), status="paused")

    with unchanged(), pytest.raises(ValidationError) as refused:
        attendance_record(actor=coordinator, session=march_meeting, volunteers=[volunteer, mentor])

    assert "Mehmet Mentor" in errors_of(refused)["attendees"][0]


def test_a_register_that_takes_someone_over_24_hours_writes_nothing(
    coordinator, volunteer, mentor, activities, march_meeting
):
    claim_log(
        actor=coordinator, volunteer=mentor, activity=activities["article"], date=march_meeting.date, minutes=23 * 60
    )

    with unchanged(), pytest.raises(ValidationError) as refused:
        attendance_record(actor=coordinator, session=march_meeting, volunteers=[volunteer, mentor])

    assert "Mehmet Mentor" in errors_of(refused)["attendees"][0]


def test_a_register_for_a_future_session_is_refused(coordinator, volunteer, activities, today):
    next_week = activity_session_create(
        actor=coordinator, activity=activities["meeting"], date=today + dt.timedelta(days=7), duration_minutes=60
    )

    with unchanged(), pytest.raises(ValidationError) as refused:
        attendance_record(actor=coordinator, session=next_week, volunteers=[volunteer])

    assert "session" in errors_of(refused)


@pytest.mark.parametrize("persona", ["other_programme_coordinator", "volunteer", "mentor", "funder", "partner"])
def test_only_the_programmes_coordinators_record_attendance(request, persona, volunteer, march_meeting):
    actor = request.getfixturevalue(persona)
    actor = getattr(actor, "user", actor)

    with unchanged(), pytest.raises(PermissionDenied):
        attendance_record(actor=actor, session=march_meeting, volunteers=[volunteer])


# --- Refusals: nothing written, the reason names the field -----------------------------------------


REFUSED_CLAIMS = {
    "a future date": (lambda w: {"date": w.today + dt.timedelta(days=1)}, "date"),
    "zero minutes": (lambda w: {"minutes": 0}, "minutes"),
    "more than 24 hours": (lambda w: {"minutes": 24 * 60 + 1}, "minutes"),
    "a note too long": (lambda w: {"note": "x" * 501}, "note"),
    "a session of another activity": (
        lambda w: {"activity": w.activities["article"], "session": w.session, "date": w.session.date},
        "session",
    ),
    "a date that is not the session's": (lambda w: {"session": w.session, "date": w.today}, "date"),
    "a closed activity": (lambda w: {"activity": w.closed}, "activity"),
}


@pytest.fixture
def world(coordinator, volunteer, mentor, activities, march_meeting, today):
    closed = activity_create(actor=coordinator, programme=activities["meeting"].programme, name="Old panel")
    closed.active = False
    closed.save()

    class World:
        pass

    w = World()
    w.today, w.activities, w.session, w.closed = today, activities, march_meeting, closed
    return w


@pytest.mark.parametrize("case", REFUSED_CLAIMS)
def test_a_claim_is_refused_and_nothing_is_written(world, volunteer, case):
    changes, field = REFUSED_CLAIMS[case]
    arguments = {"activity": world.activities["meeting"], "date": world.today, "minutes": 60, **changes(world)}

    with unchanged(), pytest.raises(ValidationError) as refused:
        claim_log(actor=volunteer.user, volunteer=volunteer, **arguments)

    assert field in errors_of(refused), errors_of(refused)


def test_a_second_claim_for_the_same_session_is_refused(volunteer, activities, march_meeting):
    claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], session=march_meeting, minutes=None
    )

    with unchanged(), pytest.raises(ValidationError) as refused:
        claim_log(
            actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], session=march_meeting, minutes=30
        )

    assert "already has a claim for this session" in errors_of(refused)["session"][0]


def test_a_second_claim_for_the_same_activity_and_day_is_refused(volunteer, activities, yesterday):
    log(volunteer, activities["meeting"], yesterday, 60)

    with unchanged(), pytest.raises(ValidationError) as refused:
        log(volunteer, activities["meeting"], yesterday, 30)

    assert "already has a claim for Tenants' meeting" in errors_of(refused)["activity"][0]


def test_more_than_24_hours_in_one_day_across_activities_is_refused(volunteer, activities, yesterday):
    log(volunteer, activities["meeting"], yesterday, 20 * 60)
    log(volunteer, activities["article"], yesterday, 3 * 60)

    with unchanged(), pytest.raises(ValidationError) as refused:
        log(volunteer, activities["event"], yesterday, 61)

    message = errors_of(refused)["minutes"][0]
    assert "23 h" in message and "at most 1 h more" in message
    assert log(volunteer, activities["event"], yesterday, 60).minutes == 60


def test_a_rejected_claim_does_not_count_towards_the_day(coordinator, volunteer, activities, yesterday):
    claim = log(volunteer, activities["meeting"], yesterday, 24 * 60)
    claim_reject(actor=coordinator, claim=claim, reason="Nobody meets for 24 hours.")

    assert log(volunteer, activities["article"], yesterday, 120).status == ClaimStatus.PENDING


def test_a_claim_in_a_programme_the_volunteer_is_not_active_in_is_refused(
    coordinator, volunteer, other_programme_coordinator, other_programme, activities, today
):
    garden = activity_create(actor=other_programme_coordinator, programme=other_programme, name="Garden day")
    with unchanged(), pytest.raises(ValidationError) as refused:
        log(volunteer, garden, today, 60)
    assert "not an active volunteer of Family mentors" in errors_of(refused)["activity"][0]

    membership_status_change(actor=coordinator, membership=volunteer.user.memberships.get(), status="paused")
    with unchanged(), pytest.raises(ValidationError) as refused:
        log(volunteer, activities["meeting"], today, 60)
    assert "activity" in errors_of(refused)


@pytest.mark.parametrize("persona", ["mentor", "other_programme_coordinator", "partner", "funder", "outsider"])
def test_only_the_programmes_coordinators_log_hours_for_someone_else(request, persona, volunteer, activities, today):
    actor = request.getfixturevalue(persona)
    actor = getattr(actor, "user", actor)

    with unchanged(), pytest.raises(PermissionDenied):
        claim_log(actor=actor, volunteer=volunteer, activity=activities["meeting"], date=today, minutes=60)


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_a_decided_claim_cannot_be_decided_again(coordinator, volunteer, activities, yesterday, decide):
    claim = log(volunteer, activities["meeting"], yesterday, 60)
    claim_reject(actor=coordinator, claim=claim, reason="Duplicate of the sign-in sheet.")

    with unchanged(), pytest.raises(ValidationError) as refused:
        if decide == "approve":
            claim_approve(actor=coordinator, claim=claim)
        else:
            claim_reject(actor=coordinator, claim=claim, reason="Again")

    assert "was rejected" in errors_of(refused)["status"][0]


@pytest.mark.parametrize("persona", ["other_programme_coordinator", "volunteer", "mentor", "partner", "funder"])
@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_only_the_programmes_coordinators_decide(request, persona, decide, volunteer, activities, yesterday):
    claim = log(volunteer, activities["meeting"], yesterday, 60)
    actor = request.getfixturevalue(persona)
    actor = getattr(actor, "user", actor)

    with unchanged(), pytest.raises(PermissionDenied):
        if decide == "approve":
            claim_approve(actor=actor, claim=claim)
        else:
            claim_reject(actor=actor, claim=claim, reason="No")


def test_a_coordinator_does_not_approve_their_own_claim(admin, coordinator, programme, activities, yesterday):
    """A coordinator who also volunteers logs hours like anybody else; another coordinator decides."""
    profile = VolunteerProfile.objects.create(user=coordinator, full_name="Coordinator Person")
    membership_grant(actor=admin, user=coordinator, programme=programme, role="volunteer")
    claim = claim_log(actor=coordinator, volunteer=profile, activity=activities["meeting"], date=yesterday, minutes=60)

    with unchanged(), pytest.raises(PermissionDenied):
        claim_approve(actor=coordinator, claim=claim)
    claim_approve(actor=admin, claim=claim)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Tenants' meeting"}, "name"),
        ({"credit_rule": "per_visit"}, "credit_rule"),
        ({"credit_rule": "fixed"}, "fixed_minutes"),
        ({"credit_rule": "fixed", "fixed_minutes": 0}, "fixed_minutes"),
        ({"fixed_minutes": 60}, "fixed_minutes"),
        ({"auto_approve_max_minutes": 24 * 60 + 1}, "auto_approve_max_minutes"),
    ],
)
def test_an_activity_is_refused_with_the_field_named(coordinator, programme, activities, arguments, field):
    with unchanged(), pytest.raises(ValidationError) as refused:
        activity_create(actor=coordinator, programme=programme, **{"name": "Focus group", **arguments})

    assert field in errors_of(refused)


@pytest.mark.parametrize("persona", ["other_programme_coordinator", "volunteer", "partner", "funder", "outsider"])
def test_only_coordinators_create_activities_and_sessions(request, persona, programme, activities, today):
    actor = request.getfixturevalue(persona)
    actor = getattr(actor, "user", actor)

    with unchanged(), pytest.raises(PermissionDenied):
        activity_create(actor=actor, programme=programme, name="Focus group")
    with unchanged(), pytest.raises(PermissionDenied):
        activity_session_create(actor=actor, activity=activities["meeting"], date=today, duration_minutes=60)


@pytest.mark.parametrize(
    ("arguments", "field"), [({"duration_minutes": 0}, "duration_minutes"), ({"date": None}, "date")]
)
def test_a_session_is_refused_with_the_field_named(coordinator, activities, today, arguments, field):
    with unchanged(), pytest.raises(ValidationError) as refused:
        activity_session_create(
            actor=coordinator, activity=activities["meeting"], **{"date": today, "duration_minutes": 60, **arguments}
        )

    assert field in errors_of(refused)


def test_creating_a_session_is_audited(coordinator, activities, today):
    session = activity_session_create(
        actor=coordinator, activity=activities["meeting"], date=today, duration_minutes=120, title="AGM"
    )

    assert_audited(last_audit(), action="activity_session.create", actor=coordinator, target=session)


# --- Idempotent creation through a client key ------------------------------------------------------


def test_a_claim_made_again_with_the_same_key_is_the_same_claim(volunteer, activities, yesterday):
    first = log(volunteer, activities["meeting"], yesterday, 150, idempotency_key="abc")

    with unchanged():
        again = log(volunteer, activities["meeting"], yesterday, 150, idempotency_key="abc")

    assert again.pk == first.pk


def test_the_same_key_for_another_claim_is_a_conflict(volunteer, activities, yesterday):
    log(volunteer, activities["meeting"], yesterday, 150, idempotency_key="abc")

    with unchanged(), pytest.raises(IdempotencyConflict):
        log(volunteer, activities["meeting"], yesterday, 120, idempotency_key="abc")


def test_a_new_key_does_not_get_round_the_one_claim_per_day_rule(volunteer, activities, yesterday):
    log(volunteer, activities["meeting"], yesterday, 150, idempotency_key="abc")

    with unchanged(), pytest.raises(ValidationError) as refused:
        log(volunteer, activities["meeting"], yesterday, 150, idempotency_key="def")

    assert "activity" in errors_of(refused)


def test_a_retry_after_approval_still_returns_the_claim(programme, coordinator, volunteer, activities, yesterday):
    claim = log(volunteer, activities["meeting"], yesterday, 150, idempotency_key="abc")
    claim_approve(actor=coordinator, claim=claim)

    with unchanged():
        again = log(volunteer, activities["meeting"], yesterday, 150, idempotency_key="abc")

    assert (again.pk, again.status) == (claim.pk, ClaimStatus.APPROVED)
    assert balance(programme, volunteer) == 150


# --- Reversal -----------------------------------------------------------------------------------


def test_reversing_a_claim_takes_its_credits_back_through_the_ledger(
    programme, coordinator, volunteer, activities, yesterday
):
    claim = log(volunteer, activities["meeting"], yesterday, 150)
    claim_approve(actor=coordinator, claim=claim)

    reversal = claim_reverse(actor=coordinator, claim=claim, reason="Counted twice with the sign-in sheet.")

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED  # the claim is left as it was; the ledger records the correction
    assert (reversal.kind, reversal.reverses_id, reversal.created_by) == ("reverse", claim.transaction_id, coordinator)
    assert reversal.reason == "Counted twice with the sign-in sheet."
    assert balance(programme, volunteer) == 0
    assert issuer_balance(programme) == 0
    assert_audited(last_audit(), action="claim.reverse", actor=coordinator, target=claim)
    assert ledger_verify().ok


def test_a_claim_is_reversed_once(coordinator, admin, volunteer, activities, yesterday):
    claim = log(volunteer, activities["meeting"], yesterday, 150)
    claim_approve(actor=coordinator, claim=claim)
    first = claim_reverse(actor=coordinator, claim=claim, reason="Counted twice.")

    with unchanged():
        retry = claim_reverse(actor=coordinator, claim=claim, reason="Counted twice.")
    assert retry.pk == first.pk
    with unchanged(), pytest.raises(AlreadyReversed):
        claim_reverse(actor=admin, claim=claim, reason="Another reason.")


@pytest.mark.parametrize("persona", ["other_programme_coordinator", "volunteer", "mentor", "funder"])
def test_only_the_programmes_coordinators_reverse(request, persona, coordinator, volunteer, activities, yesterday):
    claim = log(volunteer, activities["meeting"], yesterday, 150)
    claim_approve(actor=coordinator, claim=claim)
    actor = request.getfixturevalue(persona)
    actor = getattr(actor, "user", actor)

    with unchanged(), pytest.raises(PermissionDenied):
        claim_reverse(actor=actor, claim=claim, reason="No")


def test_a_reversal_needs_an_approved_claim_a_reason_and_unspent_credits(
    admin, programme, coordinator, volunteer, activities, yesterday
):
    pending = log(volunteer, activities["meeting"], yesterday, 150)
    with unchanged(), pytest.raises(ValidationError) as refused:
        claim_reverse(actor=coordinator, claim=pending, reason="Wrong")
    assert "status" in errors_of(refused)

    claim_approve(actor=coordinator, claim=pending)
    with unchanged(), pytest.raises(ValidationError) as refused:
        claim_reverse(actor=coordinator, claim=pending, reason=" ")
    assert "reason" in errors_of(refused)

    pool = PartnerVenue.objects.create(programme=programme, name="Cardiff pool", category="sport")
    transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=programme.pk,
        postings=[(volunteer_account(programme, volunteer), -120), (partner_account(pool), 120)],
        idempotency_key="swim-1",
    )
    with unchanged(), pytest.raises(InsufficientCredits):
        claim_reverse(actor=coordinator, claim=pending, reason="Counted twice.")


def test_every_flow_leaves_the_ledger_consistent(
    programme, coordinator, volunteer, mentor, activities, march_meeting, yesterday, today
):
    log(volunteer, activities["event"], today, 60)
    claim = log(volunteer, activities["article"], yesterday, 45)
    pending = log(mentor, activities["meeting"], today, 30)
    claims_approve_bulk(actor=coordinator, claims=[claim, pending])
    attendance_record(actor=coordinator, session=march_meeting, volunteers=[volunteer, mentor])
    claim_reverse(actor=coordinator, claim=pending, reason="Not held.")

    assert balance(programme, volunteer) == 60 + 120 + 90
    assert balance(programme, mentor) == 90
    assert issuer_balance(programme) == -(60 + 120 + 90 + 90)
    assert ledger_verify().ok
    assert AuditEntry.objects.filter(action="claim.approve").count() == 5


# --- Under concurrency: threads with their own database connections -------------------------------
#
# The scenarios build their own world through the services (they run outside the test's
# transaction) and return JSON-ready reports. On PostgreSQL they run in this process; on
# SQLite in a fresh interpreter against a database file (tests/concurrency.py).

THREADS = 8


def _concurrent_world(tag: str) -> dict:
    from timebank.accounts.models import MembershipStatus, Role, User
    from timebank.accounts.services.programmes import account_create, organisation_create, programme_create
    from timebank.volunteers.services.profiles import volunteer_register

    admin = User.objects.create_superuser(f"admin-{tag}", f"admin-{tag}@example.org", "x")
    organisation = organisation_create(actor=admin, name=f"Housing {tag}", slug=f"housing-{tag}")
    programme = programme_create(actor=admin, organisation=organisation, name=f"Tenants {tag}", slug=f"tenants-{tag}")
    coordinator = account_create(
        actor=admin, username=f"coord-{tag}", password="correct-horse-battery-42", full_name="Coordinator"
    )
    membership_grant(actor=admin, user=coordinator, programme=programme, role=Role.COORDINATOR)
    tenants = [
        volunteer_register(
            actor=coordinator,
            programme=programme,
            full_name=f"Tenant {n} {tag}",
            status=MembershipStatus.ACTIVE,
            consent_to_record=True,
        )
        for n in range(THREADS)
    ]
    return {"admin": admin, "coordinator": coordinator, "programme": programme, "tenants": tenants}


def approvals_of_one_claim() -> dict:
    world = _concurrent_world("approve")
    meeting = activity_create(actor=world["coordinator"], programme=world["programme"], name="Meeting")
    tenant = world["tenants"][0]
    claim = claim_log(actor=world["coordinator"], volunteer=tenant, activity=meeting, date=meeting_day(), minutes=150)

    outcomes = at_once(THREADS, lambda i: claim_approve(actor=world["coordinator"], claim=claim))
    return {
        "outcomes": sorted(outcomes),
        "transactions": Transaction.objects.filter(idempotency_key=approval_key(claim)).count(),
        "balance": balance(world["programme"], tenant),
        "verified": ledger_verify().ok,
    }


def claims_filling_one_day() -> dict:
    """Eight claims of 4 hours for one person on one day, at once: 6 fit in 24 hours."""
    world = _concurrent_world("day")
    activities = [
        activity_create(actor=world["coordinator"], programme=world["programme"], name=f"Activity {n}")
        for n in range(THREADS)
    ]
    tenant = world["tenants"][0]

    outcomes = at_once(
        THREADS,
        lambda i: claim_log(
            actor=world["coordinator"], volunteer=tenant, activity=activities[i], date=meeting_day(), minutes=240
        ),
    )
    return {
        "outcomes": sorted(outcomes),
        "claimed_minutes": sum(HoursClaim.objects.filter(volunteer=tenant).values_list("minutes", flat=True)),
    }


def registers_taken_at_once() -> dict:
    world = _concurrent_world("register")
    meeting = activity_create(actor=world["coordinator"], programme=world["programme"], name="Meeting")
    session = activity_session_create(
        actor=world["coordinator"], activity=meeting, date=meeting_day(), duration_minutes=90
    )

    outcomes = at_once(
        4, lambda i: attendance_record(actor=world["coordinator"], session=session, volunteers=world["tenants"])
    )
    return {
        "outcomes": sorted(outcomes),
        "claims": HoursClaim.objects.filter(session=session).count(),
        "issued": -balance_of(kind=AccountKind.ISSUER, scope_id=world["programme"].pk),
        "verified": ledger_verify().ok,
    }


def meeting_day() -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=1)


CONCURRENT_SCENARIOS = {
    f.__name__: f for f in (approvals_of_one_claim, claims_filling_one_day, registers_taken_at_once)
}


def check_concurrent(name: str, report: dict) -> None:
    if name == "approvals_of_one_claim":
        assert report["outcomes"] == ["ValidationError"] * (THREADS - 1) + ["ok"], report
        assert (report["transactions"], report["balance"], report["verified"]) == (1, 150, True), report
    elif name == "claims_filling_one_day":
        assert report["outcomes"] == ["ValidationError"] * 2 + ["ok"] * 6, report
        assert report["claimed_minutes"] == 24 * 60, report
    elif name == "registers_taken_at_once":
        assert report["outcomes"] == ["ok"] * 4, report
        assert (report["claims"], report["issued"], report["verified"]) == (THREADS, THREADS * 90, True), report
    else:
        raise AssertionError(f"no checks for {name}")


@postgres_only
@pytest.mark.parametrize("name", CONCURRENT_SCENARIOS)
def test_concurrent_scenario_on_postgresql(transactional_db, name):
    check_concurrent(name, CONCURRENT_SCENARIOS[name]())


@sqlite_only
def test_concurrent_scenarios_on_sqlite(tmp_path):
    for name, report in run_on_sqlite(tmp_path, CONCURRENT_SCENARIOS).items():
        check_concurrent(name, report)
