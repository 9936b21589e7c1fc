"""Selectors: what each persona may read, and the volunteer list's filters."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.assertions import user_of
from timebank.accounts.models import Membership, MembershipStatus, Programme, Role
from timebank.accounts.selectors.programmes import programme_figures, programme_get, programmes_for
from timebank.accounts.selectors.roles import roles_of
from timebank.accounts.services.people import membership_status_change
from timebank.training.selectors.volunteer_list import VolunteerFilters, volunteer_list
from timebank.training.services.records import training_record_add
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.selectors.volunteers import volunteer_by_membership_number, volunteer_get, volunteers_for
from timebank.volunteers.services.profiles import volunteer_register, volunteer_update

D = dt.date
EVERYONE = ["volunteer", "mentor", "other_volunteer"]


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("admin", EVERYONE),
        ("coordinator", ["volunteer", "mentor"]),
        ("other_programme_coordinator", ["other_volunteer"]),
        ("volunteer", ["volunteer"]),
        ("mentor", ["mentor"]),
        ("funder", []),
        ("partner", []),
        ("outsider", []),
    ],
)
def test_who_sees_which_volunteer_records(request, persona, sees):
    people = {name: request.getfixturevalue(name) for name in EVERYONE}
    actor = user_of(request, persona)
    assert set(volunteers_for(actor)) == {people[name] for name in sees}
    for name, profile in people.items():
        if name in sees:
            assert volunteer_get(actor, profile.pk) == profile
        else:
            with pytest.raises(VolunteerProfile.DoesNotExist):
                volunteer_get(actor, profile.pk)


def test_an_anonymous_visitor_sees_no_volunteer(volunteer):
    assert list(volunteers_for(AnonymousUser())) == []


def test_a_coordinator_still_sees_a_volunteer_who_left(coordinator, volunteer, programme):
    membership = Membership.objects.get(user=volunteer.user, programme=programme)
    membership_status_change(actor=coordinator, membership=membership, status=MembershipStatus.LEFT)
    assert volunteer_get(coordinator, volunteer.pk) == volunteer


def test_a_coordinator_who_left_sees_no_volunteers_any_more(admin, coordinator, volunteer, programme):
    membership = Membership.objects.get(user=coordinator, programme=programme, role=Role.COORDINATOR)
    membership_status_change(actor=admin, membership=membership, status=MembershipStatus.LEFT)
    assert list(volunteers_for(coordinator)) == []


def test_lookup_by_membership_number_is_scoped(coordinator, other_programme_coordinator, volunteer):
    typed = volunteer.membership_number.lower()[:5] + " " + volunteer.membership_number[5:]
    assert volunteer_by_membership_number(coordinator, typed) == volunteer
    with pytest.raises(VolunteerProfile.DoesNotExist):
        volunteer_by_membership_number(other_programme_coordinator, volunteer.membership_number)


@pytest.fixture
def crowd(coordinator, programme, volunteer, mentor, catalogue):
    """Vera (active, en/cy, first aid expiring on 1 July 2025), Mehmet the mentor
    (active, tr/en, nothing recorded), Ana (applicant, pt, gardener, first aid
    expired in 2024), Paul (paused, first aid valid)."""
    volunteer_update(actor=coordinator, volunteer=volunteer, skills=[catalogue["gardening"].id])
    ana = volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name="Ana Souza",
        email="ana@example.org",
        consent_to_record=True,
        languages=["pt"],
        skills=[catalogue["gardening"].id],
    )
    paul = volunteer_register(
        actor=coordinator, programme=programme, full_name="Paul Paused", status="paused", consent_to_record=True
    )
    first_aid_completed = {volunteer: D(2022, 7, 1), ana: D(2021, 1, 1), paul: D(2024, 6, 1)}
    for person, completed_on in first_aid_completed.items():
        for course, on in ((catalogue["first_aid"], completed_on), (catalogue["induction"], D(2020, 1, 6))):
            training_record_add(actor=coordinator, volunteer=person, course=course, completed_on=on, verify=True)
    return {"vera": volunteer, "mehmet": mentor, "ana": ana, "paul": paul}


def names(volunteers) -> list[str]:
    return [v.full_name.split(" ")[0] for v in volunteers]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param({}, ["Ana", "Mehmet", "Paul", "Vera"], id="no filter: name order"),
        pytest.param({"status": "active"}, ["Mehmet", "Vera"], id="active"),
        pytest.param({"status": "applicant"}, ["Ana"], id="applicants"),
        pytest.param({"language": "en"}, ["Mehmet", "Vera"], id="speaks English"),
        pytest.param({"language": "pt"}, ["Ana"], id="speaks Portuguese"),
        pytest.param({"search": "souza"}, ["Ana"], id="search by name"),
        pytest.param({"search": "VERA@example.org"}, ["Vera"], id="search by e-mail"),
        pytest.param({"qualification": "expiring_soon"}, ["Vera"], id="expiring soon"),
        pytest.param({"qualification": "expired"}, ["Ana"], id="expired"),
        pytest.param({"qualification": "missing"}, ["Mehmet"], id="missing (the mentor's DBS)"),
        pytest.param({"qualification": "attention"}, ["Ana", "Mehmet", "Vera"], id="anything needing attention"),
        pytest.param({"status": "active", "qualification": "attention"}, ["Mehmet", "Vera"], id="combined"),
    ],
)
def test_volunteer_list_filters(coordinator, crowd, filters, expected):
    found = volunteer_list(coordinator, VolunteerFilters(on=D(2025, 6, 15), **filters))
    assert names(found) == expected


def test_a_misspelt_qualification_filter_is_an_error_not_everyone(coordinator, crowd):
    with pytest.raises(ValueError, match="expiring"):
        list(volunteer_list(coordinator, VolunteerFilters(qualification="expiring")))


def test_volunteer_list_filters_by_skill_and_by_number(coordinator, crowd, catalogue):
    assert names(volunteer_list(coordinator, VolunteerFilters(skill=catalogue["gardening"].id))) == ["Ana", "Vera"]
    number = crowd["paul"].membership_number
    assert names(volunteer_list(coordinator, VolunteerFilters(search=number.lower()))) == ["Paul"]


def test_volunteer_list_never_shows_more_than_the_person_may_see(
    other_programme_coordinator, crowd, other_volunteer, programme
):
    assert list(volunteer_list(other_programme_coordinator, VolunteerFilters())) == [other_volunteer]
    assert list(volunteer_list(other_programme_coordinator, VolunteerFilters(programme=programme))) == []
    assert list(volunteer_list(crowd["vera"].user, VolunteerFilters(qualification="attention", on=D(2025, 6, 15)))) == [
        crowd["vera"]
    ]


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("admin", ["family-mentors", "tenants"]),
        ("coordinator", ["tenants"]),
        ("other_programme_coordinator", ["family-mentors"]),
        ("volunteer", ["tenants"]),
        ("funder", ["tenants"]),
        ("partner", ["tenants"]),
        ("outsider", []),
    ],
)
def test_who_sees_which_programme(request, persona, sees, programme, other_programme):
    actor = user_of(request, persona)
    assert sorted(p.slug for p in programmes_for(actor)) == sees
    for slug in ("tenants", "family-mentors"):
        if slug in sees:
            assert programme_get(actor, slug).slug == slug
        else:
            with pytest.raises(Programme.DoesNotExist):
                programme_get(actor, slug)


def test_programme_figures_hide_counts_of_fewer_than_five(coordinator, programme, volunteer, mentor):
    assert programme_figures(programme) == {
        "active": "fewer than 5",
        "applicants": 0,
        "paused": 0,
        "mentors": "fewer than 5",
    }
    for n in range(3):
        volunteer_register(
            actor=coordinator, programme=programme, full_name=f"Tenant {n}", status="active", consent_to_record=True
        )
    figures = programme_figures(programme)
    assert (figures["active"], figures["mentors"]) == (5, "fewer than 5")
    assert all(isinstance(value, int) or value == "fewer than 5" for value in figures.values())


def test_roles_of_each_persona(admin, coordinator, volunteer, mentor, funder, partner, outsider, programme):
    assert roles_of(admin).is_admin
    assert roles_of(admin).is_coordinator
    assert roles_of(coordinator).coordinated == [programme]
    assert (roles_of(volunteer.user).is_volunteer, roles_of(volunteer.user).is_mentor) == (True, False)
    assert (roles_of(mentor.user).is_volunteer, roles_of(mentor.user).is_mentor) == (True, True)
    assert roles_of(funder).is_funder and not roles_of(funder).is_coordinator
    assert roles_of(partner).is_partner and not roles_of(partner).is_volunteer
    nobody = roles_of(outsider)
    assert not (nobody.is_volunteer or nobody.is_coordinator or nobody.is_funder or nobody.is_partner)


def test_roles_left_behind_do_not_count(coordinator, volunteer, programme):
    membership = Membership.objects.get(user=volunteer.user, programme=programme)
    membership_status_change(actor=coordinator, membership=membership, status=MembershipStatus.LEFT)
    assert not roles_of(volunteer.user).is_volunteer
