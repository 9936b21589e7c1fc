"""Each hard constraint excludes with its reason; the score explains itself.

Given Saturday's community kitchen and a volunteer who meets everything, each
test changes one thing and checks that the volunteer drops out of the ranked
list and that "why not" names the rule in words a coordinator can act on.
"""

import datetime as dt

import pytest

from matching.evaluate import COMPONENTS
from matching.models import MatchStatus
from matching.selectors import need_candidates, need_why_not
from matching.services import exclusion_record, match_accept, match_offer, match_propose, mentoring_need_create
from tests.matching_support import (
    at,
    dbs_check,
    food_hygiene,
    kitchen_task,
    kitchen_volunteer,
    km_east,
    next_saturday,
)
from timebank.accounts.models import MembershipStatus, Role
from timebank.training.services.records import check_type_create
from timebank.volunteers.services.profiles import volunteer_update


@pytest.fixture
def saturday(today):
    return next_saturday(today)


@pytest.fixture
def hygiene(coordinator, programme):
    return food_hygiene(coordinator, programme)


@pytest.fixture
def kitchen(coordinator, programme, saturday, hygiene):
    return kitchen_task(coordinator, programme, saturday, courses=[hygiene])


def ranked_ids(coordinator, need):
    return [c.volunteer_id for c in need_candidates(coordinator, need, limit=50).candidates]


def reasons(coordinator, need, volunteer):
    return {r["constraint"]: r["reason"] for r in need_why_not(coordinator, need, volunteer).reasons}


def test_a_volunteer_who_meets_everything_is_ranked_with_an_explanation_that_adds_up(
    coordinator, programme, kitchen, hygiene
):
    ready = kitchen_volunteer(coordinator, programme, name="Rhian Ready", hygiene=hygiene)

    result = need_candidates(coordinator, kitchen)

    assert [c.name for c in result.candidates] == ["Rhian Ready"]
    candidate = result.candidates[0]
    assert [part["component"] for part in candidate.explanation] == list(COMPONENTS)
    assert round(sum(part["contribution"] for part in candidate.explanation), 4) == candidate.score
    assert 0 < candidate.score <= 1
    assert need_why_not(coordinator, kitchen, ready).eligible


def test_training_that_expired_the_day_before_the_shift_excludes_and_says_when(
    coordinator, programme, kitchen, saturday
):
    dbs = check_type_create(actor=coordinator, programme=programme, name="Enhanced DBS", validity_months=36)
    kitchen.required_checks.add(dbs)
    lapsed = kitchen_volunteer(coordinator, programme, name="Lapsed Lewis", hygiene=kitchen.required_courses.get())
    current = kitchen_volunteer(coordinator, programme, name="Current Cath", hygiene=kitchen.required_courses.get())
    # expires_on is the first day a check no longer counts: Lewis's last valid day is Thursday.
    dbs_check(coordinator, lapsed, dbs, expires_on=saturday - dt.timedelta(days=1))
    dbs_check(coordinator, current, dbs, expires_on=saturday + dt.timedelta(days=1))

    assert ranked_ids(coordinator, kitchen) == [current.pk]
    why = reasons(coordinator, kitchen, lapsed)
    assert list(why) == ["qualification"]
    assert "Enhanced DBS expired on" in why["qualification"]


def test_a_check_that_expires_on_the_shifts_own_day_excludes(coordinator, programme, kitchen, saturday):
    """The boundary itself: expiring on the first day of the work means not valid for it."""
    dbs = check_type_create(actor=coordinator, programme=programme, name="Enhanced DBS", validity_months=36)
    kitchen.required_checks.add(dbs)
    on_the_day = kitchen_volunteer(coordinator, programme, name="Edge Eira", hygiene=kitchen.required_courses.get())
    dbs_check(coordinator, on_the_day, dbs, expires_on=saturday)

    assert ranked_ids(coordinator, kitchen) == []
    assert "Enhanced DBS expired on" in reasons(coordinator, kitchen, on_the_day)["qualification"]


def test_missing_training_excludes(coordinator, programme, kitchen):
    untrained = kitchen_volunteer(coordinator, programme, name="Una Untrained")

    assert ranked_ids(coordinator, kitchen) == []
    assert reasons(coordinator, kitchen, untrained) == {"qualification": "Food hygiene: missing."}


def test_a_clash_with_another_shift_excludes(coordinator, programme, kitchen, hygiene, saturday):
    busy = kitchen_volunteer(coordinator, programme, name="Busy Bronwen", hygiene=hygiene)
    litter_pick = kitchen_task(coordinator, programme, saturday, title="Litter pick", start=11, end=12)
    match = match_propose(actor=coordinator, need=litter_pick, volunteer=busy, offer=True)
    match_accept(actor=busy.user, match=match)

    assert busy.pk not in ranked_ids(coordinator, kitchen)
    assert reasons(coordinator, kitchen, busy) == {"capacity": "Clashes with another commitment: Litter pick."}


def test_no_availability_overlap_excludes(coordinator, programme, kitchen, hygiene):
    weekday_only = kitchen_volunteer(coordinator, programme, hygiene=hygiene, availability=((0, "09:00", "17:00"),))

    assert ranked_ids(coordinator, kitchen) == []
    assert list(reasons(coordinator, kitchen, weekday_only)) == ["availability"]


def test_beyond_the_volunteers_travel_distance_excludes(coordinator, programme, kitchen, hygiene):
    far = kitchen_volunteer(coordinator, programme, hygiene=hygiene, place=km_east(8), travel_km=5)
    near = kitchen_volunteer(coordinator, programme, hygiene=hygiene, place=km_east(3), travel_km=5)

    assert ranked_ids(coordinator, kitchen) == [near.pk]
    assert reasons(coordinator, kitchen, far) == {"distance": "8.0 km away; they travel up to 5 km."}


def test_work_with_children_needs_willingness_and_a_check_that_clears_it(coordinator, programme, saturday, hygiene):
    dbs = check_type_create(
        actor=coordinator, programme=programme, name="Enhanced DBS", validity_months=36, covers_children=True
    )
    holiday_club = kitchen_task(coordinator, programme, saturday, title="Holiday club", involves_children=True)
    unwilling = kitchen_volunteer(coordinator, programme, name="Unwilling")
    unchecked = kitchen_volunteer(coordinator, programme, name="Unchecked", willing_children=True)
    cleared = kitchen_volunteer(coordinator, programme, name="Cleared", willing_children=True)
    dbs_check(coordinator, cleared, dbs, expires_on=saturday + dt.timedelta(days=400))

    assert ranked_ids(coordinator, holiday_club) == [cleared.pk]
    assert "willing to work with children" in reasons(coordinator, holiday_club, unwilling)["safeguarding"]
    assert "No valid background check" in reasons(coordinator, holiday_club, unchecked)["safeguarding"]


def test_a_recorded_conflict_of_interest_excludes(coordinator, programme, kitchen, hygiene):
    cousin = kitchen_volunteer(coordinator, programme, hygiene=hygiene)
    exclusion_record(
        actor=coordinator,
        programme=programme,
        volunteer=cousin,
        group_key=kitchen.group_key,
        reason="Runs the kitchen's supplier",
    )

    assert ranked_ids(coordinator, kitchen) == []
    assert reasons(coordinator, kitchen, cousin) == {"exclusion": "A coordinator recorded: Runs the kitchen's supplier"}


def test_a_paused_volunteer_is_excluded(coordinator, programme, kitchen, hygiene):
    paused = kitchen_volunteer(coordinator, programme, hygiene=hygiene, status=MembershipStatus.PAUSED)

    assert ranked_ids(coordinator, kitchen) == []
    assert list(reasons(coordinator, kitchen, paused)) == ["membership"]


def test_someone_outside_the_programme_is_not_eligible(coordinator, kitchen, other_volunteer):
    answer = need_why_not(coordinator, kitchen, other_volunteer)

    assert not answer.eligible
    assert "does not volunteer in" in answer.reasons[0]["reason"]


def test_several_failures_are_all_named(coordinator, programme, kitchen):
    hopeless = kitchen_volunteer(
        coordinator, programme, availability=((0, "09:00", "10:00"),), place=km_east(20), travel_km=2
    )

    assert set(reasons(coordinator, kitchen, hopeless)) == {"qualification", "availability", "distance"}


@pytest.fixture
def family_need(coordinator, programme, today):
    return mentoring_need_create(
        actor=coordinator,
        programme=programme,
        title="Family Y. (risk of eviction)",
        group_key="person:1",
        starts_at=at(today + dt.timedelta(days=3), 9),
        ends_at=at(today + dt.timedelta(days=180), 9),
        languages=["tr"],
        topics=["housing", "debt"],
        latitude=51.48,
        longitude=-3.18,
        weekly_slots=[[2, "16:00", "19:00"]],
        minutes_per_week=120,
    )


def _mentor(coordinator, programme, **extra):
    return kitchen_volunteer(
        coordinator,
        programme,
        role=Role.MENTOR,
        availability=((2, "15:00", "20:00"),),
        languages=("tr", "en"),
        **extra,
    )


def test_mentoring_needs_a_mentor_and_prefers_shared_language_and_topics(coordinator, programme, family_need):
    plain_volunteer = kitchen_volunteer(coordinator, programme, availability=((2, "15:00", "20:00"),))
    turkish = _mentor(coordinator, programme, name="Ayse", interests=["housing", "debt"])
    english = _mentor(coordinator, programme, name="Emma", interests=["health"])
    english = volunteer_update(actor=coordinator, volunteer=english, languages=["en"])

    ranked = need_candidates(coordinator, family_need).candidates
    assert [c.volunteer_id for c in ranked] == [turkish.pk, english.pk]
    parts = {p["component"]: p["value"] for p in ranked[0].explanation}
    assert parts["languages"] == 1.0 and parts["topics"] == 1.0
    assert {p["component"]: p["value"] for p in ranked[1].explanation}["languages"] == 0.0
    assert list(reasons(coordinator, family_need, plain_volunteer)) == ["role"]


def test_a_mentor_at_their_limit_of_families_is_excluded(coordinator, programme, family_need, today):
    full = _mentor(coordinator, programme, max_mentees=1)
    other_family = mentoring_need_create(
        actor=coordinator,
        programme=programme,
        title="Family Z.",
        group_key="person:2",
        starts_at=at(today + dt.timedelta(days=3), 9),
        ends_at=at(today + dt.timedelta(days=90), 9),
        latitude=51.48,
        longitude=-3.18,
    )
    match_propose(actor=coordinator, need=other_family, volunteer=full)

    assert reasons(coordinator, family_need, full) == {"capacity": "Already mentors 1 of the 1 they can take on."}


def test_the_mentors_gender_a_family_asked_for_is_a_hard_constraint(coordinator, programme, family_need):
    family_need.preferred_gender = "woman"
    family_need.save()
    man = _mentor(coordinator, programme, gender="man")
    woman = _mentor(coordinator, programme, gender="woman")

    assert ranked_ids(coordinator, family_need) == [woman.pk]
    assert list(reasons(coordinator, family_need, man)) == ["preference"]


def test_someone_who_declined_is_not_asked_again(coordinator, programme, kitchen, hygiene):
    from matching.services import match_decline

    declined = kitchen_volunteer(coordinator, programme, hygiene=hygiene)
    match = match_propose(actor=coordinator, need=kitchen, volunteer=declined)
    match_offer(actor=coordinator, match=match)
    match_decline(actor=declined.user, match=match, reason="Away that weekend")

    assert declined.pk not in ranked_ids(coordinator, kitchen)
    assert reasons(coordinator, kitchen, declined) == {"already": "Declined this need before."}
    match.refresh_from_db()
    assert match.status == MatchStatus.DECLINED


def test_a_mentor_whose_weekly_hours_would_be_exceeded_is_excluded(coordinator, programme, family_need, today):
    busy = _mentor(coordinator, programme, max_mentees=3, max_hours_per_week=3)
    other_family = mentoring_need_create(
        actor=coordinator,
        programme=programme,
        title="Family Z.",
        group_key="person:2",
        starts_at=at(today + dt.timedelta(days=3), 9),
        ends_at=at(today + dt.timedelta(days=90), 9),
        latitude=51.48,
        longitude=-3.18,
        weekly_slots=[[2, "15:00", "17:00"]],
        minutes_per_week=120,
    )
    match_propose(actor=coordinator, need=other_family, volunteer=busy)

    # Two hours a week already, two more asked for, three at most.
    assert reasons(coordinator, family_need, busy) == {
        "capacity": "2.0 more hours a week would exceed the 3 they can give."
    }


@pytest.mark.parametrize(("days_after_the_last_day", "eligible"), [(-1, False), (0, False), (1, True)])
def test_a_mentoring_check_must_hold_through_the_last_day_of_the_mentoring(
    coordinator, programme, family_need, days_after_the_last_day, eligible
):
    """A check expiring on the mentoring's last day (the first day it no longer counts) leaves
    that day uncovered; one expiring the day after covers every day."""
    fuhrungszeugnis = check_type_create(actor=coordinator, programme=programme, name="Führungszeugnis")
    family_need.required_checks.add(fuhrungszeugnis)
    mentor = _mentor(coordinator, programme, name="Grenz Greta")
    last_day = family_need.ends_at.date()
    dbs_check(coordinator, mentor, fuhrungszeugnis, expires_on=last_day + dt.timedelta(days=days_after_the_last_day))

    assert (mentor.pk in ranked_ids(coordinator, family_need)) is eligible
    assert ("qualification" in reasons(coordinator, family_need, mentor)) is not eligible
