"""Mentorships: from an accepted match, sessions that become hours claims (never twice),
goals reviewed with Goal Attainment Scaling, and who may see a supported person."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError

from ledger.selectors import ledger_verify
from matching.models import Match, MatchStatus
from matching.services import match_accept, match_propose
from mentoring.models import AccessLog, MentoringSession, Mentorship
from mentoring.selectors import goals_with_progress, mentorship_get, mentorships_for, people_for, person_get
from mentoring.services import (
    goal_create,
    goal_review,
    mentoring_request_create,
    mentorship_close,
    mentorship_start,
    session_log,
    session_update,
    supported_person_create,
)
from tests.api_support import assert_problem, call
from tests.assertions import unchanged
from tests.matching_support import kitchen_volunteer
from tests.spending_support import balance
from timebank.accounts.models import AuditEntry, Membership, MembershipStatus, Role
from timebank.accounts.services.people import membership_status_change
from timebank.accounts.services.programmes import membership_grant
from timebank.earning.models import ClaimStatus, HoursClaim
from timebank.earning.services.claims import claim_approve

LEVELS = {
    "-2": "Eviction notice served",
    "-1": "Arrears growing",
    "0": "Arrears stable",
    "1": "Repayment plan agreed",
    "2": "Arrears cleared",
}


@pytest.fixture
def family(coordinator, programme):
    return supported_person_create(
        actor=coordinator,
        programme=programme,
        kind="family",
        reference="Family Y.",
        languages=["tr"],
        topics=["housing", "debt"],
        latitude=51.478,
        longitude=-3.189,
    )


@pytest.fixture
def ayse(coordinator, programme):
    return kitchen_volunteer(
        coordinator,
        programme,
        name="Ayşe",
        role=Role.MENTOR,
        availability=((1, "16:00", "20:00"),),
        languages=("tr",),
        max_mentees=2,
    )


@pytest.fixture
def mentorship(coordinator, family, ayse):
    return mentorship_start(actor=coordinator, person=family, mentor=ayse)


@pytest.fixture
def offer(coordinator, family, ayse):
    """Family Y.'s request for a mentor, offered to Ayşe."""
    need = mentoring_request_create(
        actor=coordinator,
        person=family,
        weekly_slots=[[1, "17:00", "19:00"]],
        home_visits=False,
        involves_children=False,
    )
    return match_propose(actor=coordinator, need=need, volunteer=ayse, offer=True)


def test_an_accepted_mentoring_match_becomes_a_mentorship_in_the_accepting_transaction(
    coordinator, family, ayse, offer
):
    match_accept(actor=ayse.user, match=offer)

    mentorship = Mentorship.objects.get()
    assert (mentorship.mentor, mentorship.person, mentorship.match) == (ayse, family, offer)
    assert (mentorship.planned_end_on - mentorship.starts_on).days in range(181, 185)  # six months
    # Started on the word of the coordinator who offered it; recorded as Ayşe's doing.
    assert mentorship.created_by == coordinator
    started = AuditEntry.objects.get(action="mentorship.start")
    assert (started.actor, started.target_id, started.changes) == (ayse.user, mentorship.pk, {"match": offer.pk})


def test_a_mentorship_that_cannot_start_refuses_the_acceptance_and_keeps_the_offer(coordinator, family, ayse, offer):
    # Between the offer and Ayşe's answer, a coordinator started her mentorship of the family directly.
    direct = mentorship_start(actor=coordinator, person=family, mentor=ayse)

    with unchanged(), pytest.raises(ValidationError) as refused:
        match_accept(actor=ayse.user, match=offer)

    assert refused.value.message_dict == {"mentor": ["Ayşe already mentors Family Y."]}
    offer.refresh_from_db()
    assert offer.status == MatchStatus.OFFERED
    assert list(Mentorship.objects.all()) == [direct]


def test_through_the_api_a_refused_acceptance_answers_422_and_its_retry_goes_through_once_it_can(
    coordinator, family, ayse, offer, client_for
):
    direct = mentorship_start(actor=coordinator, person=family, mentor=ayse)
    client = client_for(ayse.user)

    with unchanged():
        refused = call(client, "post", f"/matching/matches/{offer.pk}/accept", HTTP_IDEMPOTENCY_KEY="yes-please")

    problem = assert_problem(refused, 422, "mentor")
    assert problem["errors"][0]["message"] == "Ayşe already mentors Family Y."
    assert Match.objects.get(pk=offer.pk).status == MatchStatus.OFFERED
    # Nothing of the refused request was kept, its key included: once the direct mentorship
    # has ended, the same request is carried out.
    mentorship_close(actor=coordinator, mentorship=direct, reason="other")
    accepted = call(client, "post", f"/matching/matches/{offer.pk}/accept", HTTP_IDEMPOTENCY_KEY="yes-please")
    assert (accepted.status_code, accepted.json()["status"]) == (200, MatchStatus.ACCEPTED)
    assert Mentorship.objects.get(match=offer).status == "active"


def test_on_the_page_a_refused_acceptance_says_why(coordinator, family, ayse, offer, client_for):
    mentorship_start(actor=coordinator, person=family, mentor=ayse)

    client = client_for(ayse.user)

    with unchanged():
        page = client.post(f"/me/matches/{offer.pk}/accept/", follow=True).content.decode()

    assert "Ayşe already mentors Family Y." in page


def test_the_mentorship_starts_even_when_whoever_offered_no_longer_coordinates(
    admin, coordinator, programme, family, ayse, offer
):
    membership = Membership.objects.get(user=coordinator, programme=programme, role=Role.COORDINATOR)
    membership_status_change(actor=admin, membership=membership, status=MembershipStatus.LEFT)

    match_accept(actor=ayse.user, match=offer)

    assert Mentorship.objects.get(match=offer).created_by == coordinator
    # Starting one directly still takes a coordinator.
    other = supported_person_create(actor=admin, programme=programme, kind="individual", reference="Mr K.")
    with unchanged(), pytest.raises(PermissionDenied):
        mentorship_start(actor=coordinator, person=other, mentor=ayse)


def log(mentorship, actor, minutes=90, key=None, **extra):
    return session_log(
        actor=actor,
        mentorship=mentorship,
        date=extra.pop("date", dt.date.today()),
        minutes=minutes,
        mode="home_visit",
        notes="Read the letters together",
        idempotency_key=key or uuid.uuid4().hex,
        **extra,
    )


def test_a_session_becomes_a_pending_claim_and_its_credits_once_approved(coordinator, programme, mentorship, ayse):
    session = log(mentorship, ayse.user, minutes=90)

    claim = session.claim
    assert (claim.volunteer, claim.minutes, claim.status, claim.source) == (ayse, 90, ClaimStatus.PENDING, "mentoring")
    claim_approve(actor=coordinator, claim=claim)
    assert balance(programme, volunteer=ayse) == 90
    assert ledger_verify().ok


def test_saving_a_session_twice_makes_one_session_and_one_claim(mentorship, ayse):
    first = log(mentorship, ayse.user, key="same-form")
    again = log(mentorship, ayse.user, key="same-form")

    assert first.pk == again.pk
    assert MentoringSession.objects.count() == 1 and HoursClaim.objects.count() == 1


def test_two_sessions_with_two_families_on_one_day_are_both_claimed(coordinator, programme, mentorship, ayse):
    other = supported_person_create(actor=coordinator, programme=programme, kind="individual", reference="Mr K.")
    second = mentorship_start(actor=coordinator, person=other, mentor=ayse)

    log(mentorship, ayse.user, minutes=60)
    log(second, ayse.user, minutes=60)

    assert HoursClaim.objects.filter(volunteer=ayse).count() == 2


def test_editing_a_pending_session_changes_its_claim_and_never_adds_one(mentorship, ayse):
    session = log(mentorship, ayse.user, minutes=90)

    session_update(
        actor=ayse.user,
        session=session,
        date=session.date,
        minutes=120,
        mode="remote",
        notes="Called the landlord",
        next_steps="Send the form",
    )

    claim = HoursClaim.objects.get()
    assert (claim.minutes, claim.credited_minutes) == (120, 120)
    assert MentoringSession.objects.get().mode == "remote"


def test_the_time_of_an_approved_session_cannot_change_so_nothing_is_paid_twice(
    coordinator, programme, mentorship, ayse
):
    session = log(mentorship, ayse.user, minutes=90)
    claim_approve(actor=coordinator, claim=session.claim)

    with unchanged(), pytest.raises(ValidationError) as refused:
        session_update(
            actor=ayse.user, session=session, date=session.date, minutes=180, mode="home_visit", notes="", next_steps=""
        )
    assert "already approved" in refused.value.message_dict["minutes"][0]
    # The notes alone may still change.
    session_update(
        actor=ayse.user,
        session=session,
        date=session.date,
        minutes=90,
        mode="home_visit",
        notes="Landlord agreed to wait",
        next_steps="",
    )
    assert balance(programme, volunteer=ayse) == 90 and HoursClaim.objects.count() == 1
    assert ledger_verify().ok


def test_another_mentor_cannot_log_a_session(mentorship, mentor):
    with unchanged(), pytest.raises(PermissionDenied):
        log(mentorship, mentor.user)


def test_goals_reviewed_move_the_t_score(mentorship, ayse):
    goals = [
        goal_create(
            actor=ayse.user, mentorship=mentorship, domain=domain, description=text, levels=LEVELS, baseline_level=-1
        )
        for domain, text in (("housing", "Keep the flat"), ("money", "Pay the arrears"), ("paperwork", "Benefits"))
    ]
    today = dt.date.today()
    for goal in goals:
        goal_review(actor=ayse.user, goal=goal, level=1, reviewed_on=today)

    _lines, history = goals_with_progress(mentorship)

    # Three equal goals at -1 give 36.31; all at +1, 63.69.
    assert [(point.on, point.t) for point in history] == [(None, 36.31), (today, 63.69)]


def test_a_dropped_goal_leaves_the_composite(mentorship, ayse):
    keep = goal_create(
        actor=ayse.user,
        mentorship=mentorship,
        domain="housing",
        description="Keep the flat",
        levels=LEVELS,
        baseline_level=0,
    )
    drop = goal_create(
        actor=ayse.user,
        mentorship=mentorship,
        domain="money",
        description="Pay the arrears",
        levels=LEVELS,
        baseline_level=0,
    )
    goal_review(actor=ayse.user, goal=drop, level=-2, status="dropped")
    goal_review(actor=ayse.user, goal=keep, level=2)

    assert goals_with_progress(mentorship)[1][-1].t == 70.0  # one goal at +2


def test_a_goal_needs_five_described_levels(mentorship, ayse):
    with unchanged(), pytest.raises(ValidationError) as refused:
        goal_create(
            actor=ayse.user,
            mentorship=mentorship,
            domain="housing",
            description="Keep the flat",
            levels={**LEVELS, "2": ""},
        )
    assert "levels" in refused.value.message_dict


# --- Confidentiality -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["other_mentor", "other_programme_coordinator", "funder", "partner", "volunteer", "admin", "outsider"]
)
def test_only_the_programmes_coordinators_and_the_assigned_mentor_see_a_person(
    request, persona, coordinator, programme, family, mentorship, ayse, mentor
):
    if persona == "other_mentor":
        user = mentor.user
    else:
        value = request.getfixturevalue(persona)
        user = value.user if hasattr(value, "user") else value

    with unchanged():
        assert family not in people_for(user)
        assert mentorship not in mentorships_for(user)
        with pytest.raises(ObjectDoesNotExist):
            person_get(user, family.pk)
        with pytest.raises(ObjectDoesNotExist):
            mentorship_get(user, mentorship.pk)
    assert not AccessLog.objects.filter(viewer=user).exists()

    for allowed in (coordinator, ayse.user):
        assert person_get(allowed, family.pk) == family
        assert mentorship_get(allowed, mentorship.pk) == mentorship
    assert AccessLog.objects.filter(person=family).count() == 4


def test_a_mentor_loses_sight_of_the_person_when_the_mentorship_ends(coordinator, family, mentorship, ayse):
    from mentoring.services import mentorship_close

    mentorship_close(actor=coordinator, mentorship=mentorship, reason="goals_met", outcome_notes="Flat kept")

    with pytest.raises(ObjectDoesNotExist):
        person_get(ayse.user, family.pk)


def test_a_coordinator_of_the_programme_who_is_also_a_mentor_elsewhere_sees_it(admin, coordinator, family):
    membership_grant(actor=admin, user=coordinator, programme=family.programme, role=Role.MENTOR)
    assert person_get(coordinator, family.pk) == family


def test_a_quiet_mentorship_is_flagged_once_per_occasion(
    coordinator, mentorship, ayse, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    from mentoring.alerts import mentorship_alerts_raise
    from mentoring.tasks import raise_mentorship_alerts

    settings.MENTORSHIP_QUIET_DAYS = 21
    Mentorship.objects.filter(pk=mentorship.pk).update(starts_on=dt.date.today() - dt.timedelta(days=60))
    mentorship.refresh_from_db()
    later = mentorship.starts_on + dt.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        first = mentorship_alerts_raise(today=later)
        again = mentorship_alerts_raise(today=later + dt.timedelta(days=1))
        raise_mentorship_alerts.apply()

    assert [(a.kind, a.occasion) for a in first] == [("quiet", mentorship.starts_on)]
    assert again == []
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "no session with Family Y." in mail.outbox[0].body

    # A session starts a new occasion: quiet again three weeks after it, flagged again.
    session = log(mentorship, ayse.user, date=dt.date.today())
    with django_capture_on_commit_callbacks(execute=True):
        fresh = mentorship_alerts_raise(today=session.date + dt.timedelta(days=22))
    assert [(a.kind, a.occasion) for a in fresh] == [("quiet", session.date)]


def test_a_mentorship_past_its_planned_end_is_flagged_once(mentorship):
    from mentoring.alerts import mentorship_alerts_raise

    after = mentorship.planned_end_on + dt.timedelta(days=1)
    kinds = {a.kind for a in mentorship_alerts_raise(today=after)}
    assert kinds == {"quiet", "overdue"}
    assert mentorship_alerts_raise(today=after + dt.timedelta(days=5)) == []


def test_erasure_pseudonymises_the_person_and_keeps_the_ledger_and_the_figures_whole(
    coordinator, programme, family, mentorship, ayse
):
    from mentoring.selectors import person_export
    from mentoring.services import check_in_record, person_erase

    goal = goal_create(
        actor=ayse.user, mentorship=mentorship, domain="housing", description="Keep the flat", levels=LEVELS
    )
    goal_review(actor=ayse.user, goal=goal, level=1, note="Mrs Y. paid the rent")
    session = log(mentorship, ayse.user, minutes=90)
    claim_approve(actor=coordinator, claim=session.claim)
    check_in_record(actor=coordinator, mentorship=mentorship, note="Spoke to Mrs Y. about her son")
    scores_before = goals_with_progress(mentorship)[1]

    person_erase(actor=coordinator, person=family, reason="Her request of 3 December")

    data = person_export(coordinator, family.pk)
    text = str(data)
    for word in ("Family Y.", "Mrs Y.", "Keep the flat", "Read the letters", "her son"):
        assert word not in text
    assert (data["person"]["languages"], data["person"]["latitude"]) == ([], None)
    assert data["person"]["reference"] == f"Erased person {family.pk}"
    assert data["mentorships"][0]["sessions"][0]["minutes"] == 90
    assert goals_with_progress(mentorship)[1] == scores_before
    assert balance(programme, volunteer=ayse) == 90 and ledger_verify().ok

    with unchanged(), pytest.raises(ValidationError):
        person_erase(actor=coordinator, person=family, reason="again")


def test_only_a_coordinator_of_the_programme_erases(family, mentorship, ayse, other_programme_coordinator):
    from mentoring.services import person_erase

    for intruder in (ayse.user, other_programme_coordinator):
        with unchanged(), pytest.raises(PermissionDenied):
            person_erase(actor=intruder, person=family, reason="x")


def test_the_programme_summary_counts_goals_and_averages_the_t_scores(coordinator, programme, mentorship, ayse):
    from mentoring.selectors import programme_goal_summary

    other_person = supported_person_create(actor=coordinator, programme=programme, kind="individual", reference="K.")
    other = mentorship_start(actor=coordinator, person=other_person, mentor=ayse)
    a = goal_create(
        actor=ayse.user, mentorship=mentorship, domain="housing", description="Flat", levels=LEVELS, baseline_level=0
    )
    b = goal_create(
        actor=ayse.user, mentorship=other, domain="money", description="Debt", levels=LEVELS, baseline_level=-2
    )
    c = goal_create(actor=ayse.user, mentorship=other, domain="paperwork", description="Forms", levels=LEVELS)
    goal_review(actor=ayse.user, goal=a, level=2, status="achieved")
    goal_review(actor=ayse.user, goal=b, level=0)
    goal_review(actor=ayse.user, goal=c, level=-1, status="dropped")

    summary = programme_goal_summary(programme)

    # Person 1: one goal, 0 -> +2: 50 -> 70. Person 2 (the dropped goal left out): -2 -> 0: 30 -> 50.
    assert (summary.goals_set, summary.achieved, summary.dropped, summary.people_with_goals) == (3, 1, 1, 2)
    assert (summary.mean_baseline, summary.mean_latest) == (40.0, 60.0)


def test_consents_risk_flags_and_household_are_recorded_exported_and_erased(coordinator, family, mentorship):
    from mentoring.selectors import person_export
    from mentoring.services import person_consent_record, person_consent_withdraw, person_erase, person_record_update

    consent = person_consent_record(actor=coordinator, person=family, agreed_to="Share notes with the housing office")
    person_consent_withdraw(actor=coordinator, consent=consent)
    person_record_update(
        actor=coordinator,
        person=family,
        risk_flags=["risk_of_eviction"],
        household=[{"label": "Mother", "birth_year": 1985}, {"label": "Son", "birth_year": 2014}],
    )

    data = person_export(coordinator, family.pk)
    assert data["risk_flags"] == ["risk_of_eviction"]
    assert [m["label"] for m in data["household"]] == ["Mother", "Son"]
    assert data["consents"][0]["agreed_to"] == "Share notes with the housing office"
    assert data["consents"][0]["withdrawn_on"] == dt.date.today().isoformat()

    with unchanged(), pytest.raises(ValidationError):
        person_record_update(actor=coordinator, person=family, risk_flags=["unknown_flag"])
    with unchanged(), pytest.raises(ValidationError):
        person_consent_withdraw(actor=coordinator, consent=consent)

    person_erase(actor=coordinator, person=family, reason="Her request")
    erased = person_export(coordinator, family.pk)
    assert (erased["risk_flags"], erased["household"]) == ([], [])
    assert "housing office" not in str(erased)
