"""Qualification status on a date, worked with real dates.

The rules (timebank/training/selectors/qualifications.py): a verified record counts
on D when it was completed (issued) on or before D and D < expires_on, the
first day it no longer counts; it is expiring_soon when it lapses within 30
days (days_left <= 30). The worked example throughout: a first-aid course
valid 36 months, completed on 15 March 2023, expires on 15 March 2026.
"""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timebank.accounts.models import Membership, MembershipStatus, Role
from timebank.accounts.services.people import membership_status_change
from timebank.accounts.services.programmes import membership_grant
from timebank.common.dates import add_months
from timebank.training.models import TrainingRecord
from timebank.training.selectors.qualifications import (
    QualificationState,
    Requirement,
    qualification_status,
    role_qualification,
    volunteer_ids_needing_attention,
    volunteer_qualifications,
)
from timebank.training.services.records import (
    background_check_add,
    background_check_verify,
    check_type_create,
    course_create,
    training_record_add,
    training_record_verify,
)
from timebank.volunteers.services.profiles import volunteer_register

D = dt.date
VALID, SOON, EXPIRED, MISSING = (
    QualificationState.VALID,
    QualificationState.EXPIRING_SOON,
    QualificationState.EXPIRED,
    QualificationState.MISSING,
)


def status_of(volunteer, on, *, course=None, check_type=None):
    report = qualification_status(
        volunteer=volunteer, requirements=[Requirement(course=course, check_type=check_type)], on=on
    )
    return report.items[0]


@pytest.fixture
def first_aid_2023(coordinator, volunteer, catalogue) -> TrainingRecord:
    return training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2023, 3, 15), verify=True
    )


def test_expiry_is_completion_plus_the_course_validity(first_aid_2023):
    assert first_aid_2023.expires_on == D(2026, 3, 15)


@pytest.mark.parametrize(
    ("on", "state", "days_left"),
    [
        pytest.param(D(2023, 3, 14), MISSING, None, id="day before completion: missing"),
        pytest.param(D(2023, 3, 15), VALID, 1096, id="completion day counts"),
        pytest.param(D(2026, 2, 12), VALID, 31, id="31 days before expiry: valid"),
        pytest.param(D(2026, 2, 13), SOON, 30, id="30 days before expiry: expiring soon"),
        pytest.param(D(2026, 3, 14), SOON, 1, id="day before expiry: expiring soon, 1 day left"),
        pytest.param(D(2026, 3, 15), EXPIRED, 0, id="expiry day itself: expired"),
        pytest.param(D(2026, 3, 16), EXPIRED, -1, id="day after expiry: expired"),
    ],
)
def test_first_aid_status_around_its_dates(first_aid_2023, volunteer, catalogue, on, state, days_left):
    item = status_of(volunteer, on, course=catalogue["first_aid"])
    assert item.state == state
    assert item.days_left == days_left
    assert item.counts == (state in (VALID, SOON))
    if state == MISSING:
        assert item.record is None
        assert not item.awaiting_verification
    else:
        assert item.record == first_aid_2023
        assert item.expires_on == D(2026, 3, 15)


def test_never_expiring_course_stays_valid(coordinator, volunteer, catalogue):
    induction = catalogue["induction"]
    record = training_record_add(
        actor=coordinator, volunteer=volunteer, course=induction, completed_on=D(2019, 9, 2), verify=True
    )
    assert record.expires_on is None
    for on in (D(2019, 9, 2), D(2030, 1, 1), D(2099, 12, 31)):
        item = status_of(volunteer, on, course=induction)
        assert (item.state, item.expires_on, item.days_left) == (VALID, None, None)
    assert status_of(volunteer, D(2019, 9, 1), course=induction).state == MISSING


def test_unverified_record_is_missing_and_awaiting_verification(coordinator, volunteer, catalogue):
    first_aid = catalogue["first_aid"]
    record = training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=first_aid, completed_on=D(2025, 10, 1)
    )
    assert record.verified_at is None

    item = status_of(volunteer, D(2025, 11, 1), course=first_aid)
    assert (item.state, item.awaiting_verification, item.record) == (MISSING, True, None)
    # Before the course was taken there is nothing to wait for.
    assert not status_of(volunteer, D(2025, 9, 30), course=first_aid).awaiting_verification

    training_record_verify(actor=coordinator, record=record)
    item = status_of(volunteer, D(2025, 11, 1), course=first_aid)
    assert (item.state, item.record, item.expires_on) == (VALID, record, D(2028, 10, 1))


def test_a_renewal_supersedes_the_record_it_renews(coordinator, volunteer, catalogue):
    first_aid = catalogue["first_aid"]
    old = training_record_add(
        actor=coordinator, volunteer=volunteer, course=first_aid, completed_on=D(2019, 6, 1), verify=True
    )
    renewal = training_record_add(
        actor=coordinator, volunteer=volunteer, course=first_aid, completed_on=D(2022, 5, 20), verify=True
    )
    assert (old.expires_on, renewal.expires_on) == (D(2022, 6, 1), D(2025, 5, 20))

    # While both count, the one lasting longer is the one reported.
    assert status_of(volunteer, D(2022, 5, 25), course=first_aid).record == renewal
    # After the old one lapsed the volunteer is still valid, thanks to the renewal.
    item = status_of(volunteer, D(2022, 7, 1), course=first_aid)
    assert (item.state, item.record, item.expires_on) == (VALID, renewal, D(2025, 5, 20))
    # When the renewal lapses too, the report points at the latest record.
    item = status_of(volunteer, D(2025, 5, 20), course=first_aid)
    assert (item.state, item.record, item.days_left) == (EXPIRED, renewal, 0)


def test_an_expired_record_alone_is_expired_not_missing(coordinator, volunteer, catalogue):
    training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2019, 6, 1), verify=True
    )
    item = status_of(volunteer, D(2024, 1, 1), course=catalogue["first_aid"])
    assert (item.state, item.expires_on, item.days_left) == (EXPIRED, D(2022, 6, 1), -579)


def test_background_check_with_the_expiry_printed_on_the_certificate(coordinator, volunteer, catalogue):
    dbs = catalogue["dbs"]
    check = background_check_add(
        actor=coordinator,
        volunteer=volunteer,
        check_type=dbs,
        issued_on=D(2024, 1, 10),
        expires_on=D(2025, 1, 10),
        reference="001234567890",
        verify=True,
    )
    # The certificate's own date wins over the check type's 36 months.
    assert check.expires_on == D(2025, 1, 10)
    item = status_of(volunteer, D(2025, 1, 9), check_type=dbs)
    assert (item.state, item.days_left) == (SOON, 1)
    assert status_of(volunteer, D(2025, 1, 10), check_type=dbs).state == EXPIRED


def test_background_check_without_an_expiry_uses_the_check_type_validity(coordinator, volunteer, catalogue):
    dbs = catalogue["dbs"]
    check = background_check_add(
        actor=coordinator, volunteer=volunteer, check_type=dbs, issued_on=D(2024, 1, 10), verify=True
    )
    assert check.expires_on == D(2027, 1, 10)
    assert status_of(volunteer, D(2026, 12, 10), check_type=dbs).state == VALID
    assert status_of(volunteer, D(2026, 12, 11), check_type=dbs).state == SOON
    assert status_of(volunteer, D(2027, 1, 10), check_type=dbs).state == EXPIRED


def test_background_check_of_a_type_that_never_lapses(coordinator, volunteer, programme):
    casier = check_type_create(actor=coordinator, programme=programme, name="Extrait de casier judiciaire")
    check = background_check_add(
        actor=coordinator, volunteer=volunteer, check_type=casier, issued_on=D(2024, 2, 1), verify=True
    )
    assert check.expires_on is None
    assert status_of(volunteer, D(2060, 2, 1), check_type=casier).state == VALID


@pytest.mark.parametrize(
    ("completed_on", "months", "expires_on"),
    [
        pytest.param(D(2021, 1, 31), 1, D(2021, 2, 28), id="31 Jan + 1 month = 28 Feb"),
        pytest.param(D(2024, 1, 31), 1, D(2024, 2, 29), id="31 Jan + 1 month in a leap year = 29 Feb"),
        pytest.param(D(2020, 2, 29), 12, D(2021, 2, 28), id="29 Feb + 12 months = 28 Feb"),
        pytest.param(D(2023, 8, 31), 1, D(2023, 9, 30), id="31 Aug + 1 month = 30 Sep"),
        pytest.param(D(2022, 12, 31), 2, D(2023, 2, 28), id="across the new year"),
    ],
)
def test_month_end_arithmetic(coordinator, volunteer, programme, completed_on, months, expires_on):
    course = course_create(actor=coordinator, programme=programme, name="Food hygiene", validity_months=months)
    record = training_record_add(
        actor=coordinator, volunteer=volunteer, course=course, completed_on=completed_on, verify=True
    )
    assert record.expires_on == expires_on
    day_before = expires_on - dt.timedelta(days=1)
    assert (
        status_of(volunteer, day_before, course=course).state,
        status_of(volunteer, expires_on, course=course).state,
    ) == (
        SOON,
        EXPIRED,
    )


def test_mentor_needs_a_dbs_check(coordinator, mentor, programme, catalogue):
    on = D(2025, 6, 1)
    report = role_qualification(volunteer=mentor, programme=programme, role=Role.MENTOR, on=on)
    assert (report.programme, report.role, report.on) == (programme, Role.MENTOR, on)
    assert [(i.requirement.check_type, i.state) for i in report.items] == [(catalogue["dbs"], MISSING)]
    assert not report.qualified
    assert report.needs_attention

    check = background_check_add(
        actor=coordinator, volunteer=mentor, check_type=catalogue["dbs"], issued_on=D(2024, 1, 10)
    )
    report = role_qualification(volunteer=mentor, programme=programme, role=Role.MENTOR, on=on)
    assert not report.qualified, "an unverified check does not qualify"
    assert report.items[0].awaiting_verification

    background_check_verify(actor=coordinator, check=check)
    report = role_qualification(volunteer=mentor, programme=programme, role=Role.MENTOR, on=on)
    assert report.qualified
    assert not report.needs_attention
    assert (report.items[0].state, report.items[0].expires_on) == (VALID, D(2027, 1, 10))
    # Six weeks before the check lapses the mentor is still qualified, but needs attention.
    report = role_qualification(volunteer=mentor, programme=programme, role=Role.MENTOR, on=D(2026, 12, 20))
    assert report.qualified
    assert report.needs_attention


def test_role_without_requirements_is_qualified(mentor, programme):
    report = role_qualification(volunteer=mentor, programme=programme, role=Role.PARTNER, on=D(2025, 1, 1))
    assert report.items == []
    assert report.qualified


def test_volunteer_qualifications_cover_each_role_held_and_skip_programmes_left(
    admin, coordinator, volunteer, programme, catalogue
):
    membership_grant(actor=coordinator, user=volunteer.user, programme=programme, role=Role.MENTOR)
    reports = volunteer_qualifications(volunteer=volunteer, on=D(2025, 1, 1))
    assert sorted((r.programme, r.role) for r in reports) == [(programme, Role.MENTOR), (programme, Role.VOLUNTEER)]

    mentoring = Membership.objects.get(user=volunteer.user, programme=programme, role=Role.MENTOR)
    membership_status_change(actor=coordinator, membership=mentoring, status=MembershipStatus.LEFT)
    reports = volunteer_qualifications(volunteer=volunteer, on=D(2025, 1, 1))
    assert [(r.programme, r.role) for r in reports] == [(programme, Role.VOLUNTEER)]


@pytest.fixture
def four_volunteers(coordinator, programme, catalogue):
    """On 15 June 2025: Val's first aid is valid, Sam's lapses in 16 days, Ed's lapsed
    in January 2024 and Mo never took it. All have the never-expiring induction."""
    first_aid_completed = {"Val": D(2024, 6, 1), "Sam": D(2022, 7, 1), "Ed": D(2021, 1, 1), "Mo": None}
    people = {}
    for name, completed_on in first_aid_completed.items():
        person = volunteer_register(actor=coordinator, programme=programme, full_name=name, consent_to_record=True)
        training_record_add(
            actor=coordinator, volunteer=person, course=catalogue["induction"], completed_on=D(2020, 1, 6), verify=True
        )
        if completed_on:
            training_record_add(
                actor=coordinator,
                volunteer=person,
                course=catalogue["first_aid"],
                completed_on=completed_on,
                verify=True,
            )
        people[name] = person
    return people


@pytest.mark.parametrize(
    ("kind", "flagged"),
    [
        ("expiring_soon", {"Sam"}),
        ("expired", {"Ed"}),
        ("missing", {"Mo"}),
        ("attention", {"Sam", "Ed", "Mo"}),
    ],
)
def test_volunteers_needing_attention_by_kind(four_volunteers, programme, kind, flagged):
    ids = [p.id for p in four_volunteers.values()]
    found = volunteer_ids_needing_attention(ids, kind=kind, on=D(2025, 6, 15), programme=programme)
    assert found == {four_volunteers[name].id for name in flagged}


def test_needing_attention_looks_only_at_the_volunteers_given(four_volunteers):
    found = volunteer_ids_needing_attention(
        [four_volunteers["Val"].id, four_volunteers["Ed"].id], kind="attention", on=D(2025, 6, 15)
    )
    assert found == {four_volunteers["Ed"].id}


def test_needing_attention_ignores_programmes_left_and_other_programmes(
    four_volunteers, coordinator, programme, other_programme
):
    ed = four_volunteers["Ed"]
    ids = [p.id for p in four_volunteers.values()]
    assert volunteer_ids_needing_attention(ids, kind="expired", on=D(2025, 6, 15), programme=other_programme) == set()
    membership_status_change(
        actor=coordinator, membership=Membership.objects.get(user=ed.user, programme=programme), status="left"
    )
    assert volunteer_ids_needing_attention(ids, kind="expired", on=D(2025, 6, 15)) == set()


def test_needing_attention_moves_with_the_date(four_volunteers):
    sam = four_volunteers["Sam"]
    # Sam's first aid lapses on 1 July 2025.
    assert volunteer_ids_needing_attention([sam.id], kind="expiring_soon", on=D(2025, 5, 31)) == set()
    assert volunteer_ids_needing_attention([sam.id], kind="expiring_soon", on=D(2025, 6, 1)) == {sam.id}
    assert volunteer_ids_needing_attention([sam.id], kind="expired", on=D(2025, 7, 1)) == {sam.id}


RANK = {MISSING: -1, VALID: 0, SOON: 1, EXPIRED: 2}


def test_state_is_a_monotone_function_of_the_date(coordinator, volunteer, programme):
    """For a single record, as D advances: missing, then valid, then expiring soon,
    then expired, never back, with the switches exactly where the rules put them."""
    courses = {}

    @settings(max_examples=60, deadline=None)
    @given(
        completed_on=st.dates(min_value=D(1990, 1, 1), max_value=D(2025, 12, 31)),
        months=st.integers(min_value=1, max_value=120),
        offsets=st.lists(st.integers(min_value=-40, max_value=120 * 31 + 60), min_size=2, max_size=12),
    )
    def check(completed_on, months, offsets):
        if months not in courses:
            courses[months] = course_create(
                actor=coordinator, programme=programme, name=f"Course of {months} months", validity_months=months
            )
        course = courses[months]
        record = training_record_add(
            actor=coordinator, volunteer=volunteer, course=course, completed_on=completed_on, verify=True
        )
        try:
            expires_on = record.expires_on
            assert expires_on == add_months(completed_on, months)
            days = sorted(completed_on + dt.timedelta(days=k) for k in offsets)
            states = [status_of(volunteer, on, course=course).state for on in days]
            assert [RANK[s] for s in states] == sorted(RANK[s] for s in states)
            for on, state in zip(days, states, strict=True):
                if on < completed_on:
                    assert state == MISSING
                elif on >= expires_on:
                    assert state == EXPIRED
                elif (expires_on - on).days <= 30:
                    assert state == SOON
                else:
                    assert state == VALID
        finally:
            TrainingRecord.objects.filter(pk=record.pk).delete()

    check()


# --- timebank.common.dates.add_months ---------------------------------------------------

some_dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))
some_months = st.integers(min_value=-600, max_value=600)


@given(day=some_dates, months=some_months)
def test_add_months_lands_in_the_right_month(day, months):
    result = add_months(day, months)
    assert result.year * 12 + result.month == day.year * 12 + day.month + months


@given(day=some_dates, months=some_months)
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(day, months):
    result = add_months(day, months)
    if result.day != day.day:
        assert result.day < day.day
        assert (result + dt.timedelta(days=1)).day == 1, "clamped to the last day of the month"


@given(day=some_dates)
def test_add_zero_months_is_the_same_day(day):
    assert add_months(day, 0) == day


@given(day=some_dates, a=st.integers(-300, 300), b=st.integers(-300, 300))
def test_add_months_composes_when_no_clamping_happens(day, a, b):
    day = day.replace(day=min(day.day, 28))
    assert add_months(add_months(day, a), b) == add_months(day, a + b)


@given(first=some_dates, second=some_dates, months=some_months)
def test_add_months_preserves_order(first, second, months):
    first, second = sorted((first, second))
    assert add_months(first, months) <= add_months(second, months)


@given(day=some_dates, months=st.integers(min_value=1, max_value=600))
def test_a_positive_validity_always_ends_after_it_starts(day, months):
    assert add_months(day, months) > day
