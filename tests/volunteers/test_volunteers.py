"""Volunteer services: registration, profile, membership status, consents, demographics, membership numbers.

Every refusal is checked with `unchanged()`: no row of the core app, the audit
log included, differs after the refused call.
"""

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.assertions import assert_audited, errors_of, last_audit, unchanged, user_of
from tests.conftest import PASSWORD
from timebank.accounts.models import Membership, MembershipStatus, Role, User
from timebank.accounts.services.people import membership_status_change
from timebank.accounts.services.programmes import account_create
from timebank.volunteers.models import AvailabilitySlot, Consent, ConsentPurpose, VolunteerProfile
from timebank.volunteers.selectors.volunteers import volunteer_by_membership_number
from timebank.volunteers.services.profiles import (
    consent_give,
    consent_withdraw,
    membership_number_for,
    membership_number_is_valid,
    volunteer_demographics_set,
    volunteer_register,
    volunteer_update,
)
from timebank.volunteers.services.skills import skill_create

REFUSED_FOR_A_VOLUNTEER = ["mentor", "other_programme_coordinator", "funder", "partner", "outsider"]


# --- Registration -----------------------------------------------------------------------


def test_coordinator_registers_a_volunteer_with_everything(coordinator, programme, catalogue):
    volunteer = volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name="  Aisha Rahman ",
        email="aisha@example.org",
        username="aisha",
        password=PASSWORD,
        status=MembershipStatus.ACTIVE,
        consent_to_record=True,
        languages=["so", "en", "so"],
        skills=[catalogue["gardening"].id],
        availability=[(0, "18:00", "20:00"), (5, dt.time(10), dt.time(13)), (0, "09:00", "12:00")],
        preferred_language="en",
        phone="+44 29 2000 0000",
        place_name="Butetown, Cardiff",
        latitude="51.46500",
        longitude="-3.17000",
        travel_km=3,
        skill_tags=["Cooking", " cooking ", "Bike repair"],
        willing_children=True,
    )

    volunteer.refresh_from_db()
    assert volunteer.full_name == "Aisha Rahman"
    assert volunteer.user.email == "aisha@example.org"
    assert volunteer.user.username == "aisha"
    assert volunteer.can_sign_in
    assert volunteer.user.check_password(PASSWORD)
    assert volunteer.registered_by == coordinator
    assert membership_number_is_valid(volunteer.membership_number)
    assert sorted(volunteer.languages.values_list("code", flat=True)) == ["en", "so"]
    assert list(volunteer.skills.all()) == [catalogue["gardening"]]
    assert volunteer.skill_tags == ["bike repair", "cooking"]
    assert [(s.weekday, s.starts_at, s.ends_at) for s in volunteer.availability.all()] == [
        (0, dt.time(9), dt.time(12)),
        (0, dt.time(18), dt.time(20)),
        (5, dt.time(10), dt.time(13)),
    ]
    membership = Membership.objects.get(user=volunteer.user, programme=programme)
    assert (membership.role, membership.status, membership.status_since) == (
        Role.VOLUNTEER,
        MembershipStatus.ACTIVE,
        timezone.localdate(),
    )
    consent = Consent.objects.get(volunteer=volunteer)
    assert (consent.purpose, consent.recorded_by, consent.is_standing) == (
        ConsentPurpose.DATA_PROCESSING,
        coordinator,
        True,
    )
    entry = last_audit()
    assert_audited(entry, action="volunteer.register", actor=coordinator, target=volunteer)
    assert entry.programme == programme
    assert entry.changes == {"full_name": "Aisha Rahman", "role": "volunteer", "status": "active", "email": True}


def test_a_person_without_email_has_a_number_but_cannot_sign_in(coordinator, programme):
    tenant = volunteer_register(actor=coordinator, programme=programme, full_name="Tom Tenant", consent_to_record=True)

    assert tenant.user.email == ""
    assert not tenant.can_sign_in
    assert membership_number_is_valid(tenant.membership_number)
    assert tenant.user.username == tenant.membership_number.lower()
    assert Membership.objects.get(user=tenant.user).status == MembershipStatus.APPLICANT
    spaced = f"{tenant.membership_number[:2].lower()} {tenant.membership_number[2:5]}-{tenant.membership_number[5:]}"
    assert volunteer_by_membership_number(coordinator, spaced) == tenant


def test_membership_numbers_are_unique_and_valid(coordinator, programme):
    people = [
        volunteer_register(actor=coordinator, programme=programme, full_name=f"Tenant {n}", consent_to_record=True)
        for n in range(6)
    ]
    numbers = [p.membership_number for p in people]
    assert len(set(numbers)) == len(numbers)
    assert all(membership_number_is_valid(n) for n in numbers)


def test_a_username_that_looks_like_the_next_membership_number_does_not_break_registration(
    admin, coordinator, programme
):
    first = volunteer_register(actor=coordinator, programme=programme, full_name="First", consent_to_record=True)
    # An administrator gave a staff account the name the next member's card number will have.
    next_number = membership_number_for(first.pk + 1)
    account_create(actor=admin, username=next_number.lower(), password=PASSWORD, full_name="Staff Member")

    second = volunteer_register(actor=coordinator, programme=programme, full_name="Second", consent_to_record=True)

    assert second.membership_number == next_number
    assert second.user.username != next_number.lower()
    assert not second.can_sign_in


@pytest.mark.parametrize("persona", ["volunteer", *REFUSED_FOR_A_VOLUNTEER])
def test_only_the_programmes_coordinators_register_volunteers(request, persona, programme, volunteer, mentor):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        volunteer_register(actor=actor, programme=programme, full_name="Nia Newcomer", consent_to_record=True)


@pytest.fixture
def other_skill(other_programme_coordinator, other_programme):
    return skill_create(actor=other_programme_coordinator, programme=other_programme, name="Translation")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"consent_to_record": False}, "consent_to_record", id="no consent"),
        pytest.param({"email": "VERA@example.org"}, "email", id="e-mail of another person"),
        pytest.param({"email": "not-an-address"}, "email", id="malformed e-mail"),
        pytest.param({"languages": ["en", "xx"]}, "languages", id="unknown language"),
        pytest.param({"languages": "en"}, "languages", id="languages not a list"),
        pytest.param({"preferred_language": "klingon"}, "preferred_language", id="unknown preferred language"),
        pytest.param(
            {"availability": [(0, "09:00", "12:00"), (0, "11:30", "13:00")]}, "availability", id="overlapping slots"
        ),
        pytest.param({"availability": [(2, "14:00", "10:00")]}, "availability", id="slot ends before it starts"),
        pytest.param({"availability": [(7, "09:00", "10:00")]}, "availability", id="no eighth weekday"),
        pytest.param({"availability": [(1, "9am", "10am")]}, "availability", id="unreadable time"),
        pytest.param({"latitude": "95", "longitude": "-3.2"}, "latitude", id="latitude beyond the pole"),
        pytest.param({"latitude": "51.5", "longitude": "-181"}, "longitude", id="longitude out of range"),
        pytest.param({"latitude": "51.5"}, "latitude", id="latitude without longitude"),
        pytest.param({"latitude": "north"}, "latitude", id="latitude not a number"),
        pytest.param({"phone": "call me maybe"}, "phone", id="phone not a number"),
        pytest.param({"travel_km": 600}, "travel_km", id="travel too far"),
        pytest.param({"full_name": "   "}, "full_name", id="no name"),
        pytest.param({"username": "Volunteer"}, "username", id="username taken"),
        pytest.param({"role": Role.COORDINATOR}, "role", id="not a volunteering role"),
        pytest.param({"status": "retired"}, "status", id="unknown status"),
        pytest.param({"demographics": {"gender": "f"}}, "demographics", id="field not set at registration"),
        pytest.param({"skill_tags": ["x" * 51]}, "skill_tags", id="tag too long"),
    ],
)
def test_bad_registration_names_the_field_and_writes_nothing(coordinator, programme, volunteer, bad, field):
    given = {"full_name": "Nia Newcomer", "consent_to_record": True, **bad}
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_register(actor=coordinator, programme=programme, **given)
    assert field in errors_of(excinfo)


def test_skills_from_another_programme_are_refused(coordinator, programme, other_skill):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_register(
            actor=coordinator, programme=programme, full_name="Nia", consent_to_record=True, skills=[other_skill.id]
        )
    assert "skills" in errors_of(excinfo)


def test_every_bad_field_is_reported_at_once(coordinator, programme, volunteer):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_register(
            actor=coordinator,
            programme=programme,
            full_name="Nia",
            email="vera@example.org",
            languages=["zz"],
            availability=[(0, "10:00", "09:00")],
        )
    assert set(errors_of(excinfo)) == {"consent_to_record", "email", "languages", "availability"}


def test_a_failing_write_half_way_through_registration_leaves_nothing_behind(coordinator, programme):
    first = volunteer_register(actor=coordinator, programme=programme, full_name="First", consent_to_record=True)
    # A card number imported from an older system takes the number the next person would get.
    VolunteerProfile.objects.filter(pk=first.pk).update(membership_number=membership_number_for(first.pk + 1))

    # Validation passes; the user and the profile are written, then the number clashes.
    with unchanged(), pytest.raises(IntegrityError):
        volunteer_register(
            actor=coordinator,
            programme=programme,
            full_name="Second Person",
            email="second@example.org",
            consent_to_record=True,
            languages=["en"],
            availability=[(0, "09:00", "10:00")],
        )
    assert not User.objects.filter(email="second@example.org").exists()


# --- Membership numbers -----------------------------------------------------------------


def test_a_membership_number_is_tb_six_digits_and_a_luhn_check_digit():
    assert membership_number_for(1) == "TB0000018"
    assert membership_number_for(123456) == "TB1234566"
    assert membership_number_is_valid("tb 123 4566")
    assert not membership_number_is_valid("TB1234567")
    assert not membership_number_is_valid("TB123456")
    assert not membership_number_is_valid("XX1234566")


@given(sequence=st.integers(min_value=0, max_value=999_999), position=st.integers(0, 6), typo=st.integers(0, 9))
def test_any_single_digit_typo_is_detected(sequence, position, typo):
    number = membership_number_for(sequence)
    assert membership_number_is_valid(number)
    digits = list(number[2:])
    if int(digits[position]) == typo:
        return
    digits[position] = str(typo)
    assert not membership_number_is_valid("TB" + "".join(digits))


@given(sequence=st.integers(min_value=0, max_value=999_999), position=st.integers(0, 5))
def test_swapping_two_neighbouring_digits_is_detected_except_09(sequence, position):
    digits = list(membership_number_for(sequence)[2:])
    first, second = digits[position], digits[position + 1]
    if first == second or {first, second} == {"0", "9"}:
        return  # the one swap Luhn cannot see, and a swap that changes nothing
    digits[position], digits[position + 1] = second, first
    assert not membership_number_is_valid("TB" + "".join(digits))


# --- Profile updates --------------------------------------------------------------------


def test_a_volunteer_updates_their_own_profile(volunteer):
    volunteer_update(
        actor=volunteer.user,
        volunteer=volunteer,
        phone="029 2000 1111",
        place_name="Grangetown, Cardiff",
        languages=["en", "cy", "fr"],
        reason="moved",
    )
    volunteer.refresh_from_db()
    assert (volunteer.phone, volunteer.place_name) == ("029 2000 1111", "Grangetown, Cardiff")
    assert sorted(volunteer.languages.values_list("code", flat=True)) == ["cy", "en", "fr"]
    entry = last_audit()
    assert_audited(entry, action="volunteer.update", actor=volunteer.user, target=volunteer)
    assert entry.reason == "moved"
    assert entry.changes["phone"] == ["", "029 2000 1111"]
    assert entry.changes["languages"] == [["cy", "en"], ["cy", "en", "fr"]]


def test_a_coordinator_updates_email_name_skills_and_availability(coordinator, programme, catalogue):
    # A person who cannot sign in yet: their coordinator may still set their e-mail.
    volunteer = volunteer_register(
        actor=coordinator, programme=programme, full_name="Vera Volunteer", consent_to_record=True
    )
    volunteer_update(
        actor=coordinator,
        volunteer=volunteer,
        email="vera.v@example.org",
        full_name="Vera Valentine",
        skills=[catalogue["gardening"].id],
        availability=[(3, "17:00", "19:00")],
    )
    volunteer.refresh_from_db()
    volunteer.user.refresh_from_db()
    assert (volunteer.user.email, volunteer.user.first_name, volunteer.user.last_name) == (
        "vera.v@example.org",
        "Vera",
        "Valentine",
    )
    assert list(volunteer.skills.all()) == [catalogue["gardening"]]
    assert list(AvailabilitySlot.objects.filter(volunteer=volunteer).values_list("weekday", flat=True)) == [3]
    entry = last_audit()
    assert_audited(entry, action="volunteer.update", actor=coordinator, target=volunteer)
    assert set(entry.changes) == {"email", "full_name", "skills", "availability"}


def test_an_update_that_changes_nothing_writes_no_audit_entry(volunteer):
    with unchanged():
        volunteer_update(
            actor=volunteer.user, volunteer=volunteer, place_name="Riverside, Cardiff", languages=["cy", "en"]
        )


@pytest.mark.parametrize("persona", REFUSED_FOR_A_VOLUNTEER)
def test_others_may_not_update_a_volunteer(request, persona, volunteer):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        volunteer_update(actor=actor, volunteer=volunteer, phone="07000 000000")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"preferred_language": "xx"}, "preferred_language", id="unknown language"),
        pytest.param({"languages": ["en", "elvish"]}, "languages", id="unknown spoken language"),
        pytest.param({"latitude": None}, "latitude", id="latitude removed, longitude kept"),
        pytest.param({"latitude": "-90.5"}, "latitude", id="latitude out of range"),
        pytest.param({"longitude": "200"}, "longitude", id="longitude out of range"),
        pytest.param({"email": "mehmet@example.org"}, "email", id="e-mail of another volunteer"),
        pytest.param({"membership_number": "TB0000018"}, "membership_number", id="number is not editable"),
        pytest.param({"demographics": {}}, "demographics", id="demographics need their own service"),
        pytest.param({"availability": [(4, "10:00", "12:00"), (4, "11:00", "12:30")]}, "availability", id="overlap"),
        pytest.param({"travel_km": 501}, "travel_km", id="travel too far"),
        pytest.param({"emergency_contact_phone": "ring Bob"}, "emergency_contact_phone", id="bad emergency phone"),
        pytest.param({"interests": "gardening"}, "interests", id="interests not a list"),
        pytest.param({"skill_tags": [f"skill {n}" for n in range(31)]}, "skill_tags", id="31 other skills"),
        pytest.param({"interests": [f"interest {n}" for n in range(31)]}, "interests", id="31 interests"),
        pytest.param({"languages": ["en"] * 21}, "languages", id="21 languages"),
        pytest.param(
            {"availability": [(day, f"{hour:02d}:00", f"{hour:02d}:30") for day in range(7) for hour in range(8, 13)]},
            "availability",
            id="35 availability slots",
        ),
    ],
)
def test_bad_profile_update_names_the_field_and_changes_nothing(volunteer, mentor, bad, field):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_update(actor=volunteer.user, volunteer=volunteer, phone="029 2000 1111", **bad)
    assert field in errors_of(excinfo)


def test_skills_from_a_programme_the_volunteer_is_not_in_are_refused(coordinator, volunteer, other_skill):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_update(actor=coordinator, volunteer=volunteer, skills=[other_skill.id])
    assert "skills" in errors_of(excinfo)


# --- Membership status ------------------------------------------------------------------


@pytest.fixture
def membership(volunteer, programme) -> Membership:
    return Membership.objects.get(user=volunteer.user, programme=programme, role=Role.VOLUNTEER)


def test_coordinator_pauses_a_volunteer(coordinator, membership):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    membership_status_change(
        actor=coordinator, membership=membership, status=MembershipStatus.PAUSED, on=yesterday, reason="caring"
    )
    membership.refresh_from_db()
    assert (membership.status, membership.status_since) == (MembershipStatus.PAUSED, yesterday)
    entry = last_audit()
    assert_audited(entry, action="membership.status", actor=coordinator, target=membership)
    assert (entry.reason, entry.changes) == ("caring", {"status": ["active", "paused"], "since": str(yesterday)})


def test_setting_the_same_status_changes_nothing(coordinator, membership):
    with unchanged():
        membership_status_change(actor=coordinator, membership=membership, status=MembershipStatus.ACTIVE)


@pytest.mark.parametrize("persona", ["volunteer", *REFUSED_FOR_A_VOLUNTEER])
def test_only_coordinators_change_a_membership_status(request, persona, membership):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        membership_status_change(actor=actor, membership=membership, status=MembershipStatus.LEFT)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"status": "retired"}, "status", id="unknown status"),
        pytest.param({"status": "left", "on": dt.date(2099, 1, 1)}, "on", id="future date"),
    ],
)
def test_bad_status_change_names_the_field(coordinator, membership, bad, field):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        membership_status_change(actor=coordinator, membership=membership, **bad)
    assert field in errors_of(excinfo)


# --- Consents and demographics ----------------------------------------------------------


def test_a_volunteer_gives_a_consent_once(volunteer):
    consent = consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.PHOTOS, note="events")
    assert (consent.purpose, consent.recorded_by, consent.is_standing) == ("photos", volunteer.user, True)
    assert_audited(last_audit(), action="consent.give", actor=volunteer.user, target=consent)

    with unchanged():
        again = consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.PHOTOS)
    assert again == consent


def test_a_coordinator_records_a_withdrawal(coordinator, volunteer):
    consent = consent_give(actor=coordinator, volunteer=volunteer, purpose=ConsentPurpose.CONTACT_PHONE)
    consent_withdraw(actor=coordinator, consent=consent, reason="asked by phone")
    consent.refresh_from_db()
    assert (consent.is_standing, consent.withdrawn_by) == (False, coordinator)
    entry = last_audit()
    assert_audited(entry, action="consent.withdraw", actor=coordinator, target=consent)
    assert entry.reason == "asked by phone"

    with unchanged(), pytest.raises(ValidationError) as excinfo:
        consent_withdraw(actor=coordinator, consent=consent)
    assert "consent" in errors_of(excinfo)

    # A consent given again after a withdrawal is a new record; history keeps the old one.
    renewed = consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.CONTACT_PHONE)
    assert renewed != consent
    assert volunteer.consents.filter(purpose=ConsentPurpose.CONTACT_PHONE).count() == 2


def test_unknown_consent_purpose_is_refused(volunteer):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        consent_give(actor=volunteer.user, volunteer=volunteer, purpose="marketing")
    assert "purpose" in errors_of(excinfo)


@pytest.mark.parametrize("persona", REFUSED_FOR_A_VOLUNTEER)
def test_others_may_not_give_or_withdraw_a_volunteers_consent(request, persona, volunteer):
    actor = user_of(request, persona)
    standing = volunteer.consents.get(purpose=ConsentPurpose.DATA_PROCESSING)
    with unchanged(), pytest.raises(PermissionDenied):
        consent_give(actor=actor, volunteer=volunteer, purpose=ConsentPurpose.PHOTOS)
    with unchanged(), pytest.raises(PermissionDenied):
        consent_withdraw(actor=actor, consent=standing)


def test_demographics_are_refused_without_consent(volunteer):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_demographics_set(actor=volunteer.user, volunteer=volunteer, demographics={"age_band": "25-34"})
    assert "demographics" in errors_of(excinfo)


def test_demographics_kept_with_consent_and_audited_without_their_values(volunteer):
    consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.DEMOGRAPHICS)
    volunteer_demographics_set(
        actor=volunteer.user, volunteer=volunteer, demographics={"age_band": "25-34", "migrant": True, "gender": ""}
    )
    volunteer.refresh_from_db()
    assert volunteer.demographics == {"age_band": "25-34", "migrant": "True"}
    entry = last_audit()
    assert_audited(entry, action="volunteer.demographics", actor=volunteer.user, target=volunteer)
    assert entry.changes == {"keys": ["age_band", "migrant"]}


def test_unknown_demographic_item_is_refused(volunteer):
    consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.DEMOGRAPHICS)
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_demographics_set(actor=volunteer.user, volunteer=volunteer, demographics={"religion": "x"})
    assert "demographics" in errors_of(excinfo)


@pytest.mark.parametrize("persona", REFUSED_FOR_A_VOLUNTEER)
def test_others_may_not_set_demographics(request, persona, volunteer):
    consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.DEMOGRAPHICS)
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        volunteer_demographics_set(actor=actor, volunteer=volunteer, demographics={"age_band": "25-34"})


def test_withdrawing_the_demographics_consent_erases_the_demographics(coordinator, volunteer):
    consent = consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.DEMOGRAPHICS)
    # The demographics are set through another copy of the profile (as a separate web
    # request would), so the copy the consent holds does not know about them.
    fresh = VolunteerProfile.objects.get(pk=volunteer.pk)
    volunteer_demographics_set(actor=coordinator, volunteer=fresh, demographics={"age_band": "65+"})

    consent_withdraw(actor=volunteer.user, consent=consent)

    assert VolunteerProfile.objects.get(pk=volunteer.pk).demographics == {}
    with unchanged(), pytest.raises(ValidationError):
        volunteer_demographics_set(actor=volunteer.user, volunteer=volunteer, demographics={"age_band": "65+"})


@pytest.mark.django_db(transaction=True)
def test_demographics_set_while_the_consent_is_withdrawn_do_not_outlive_it(coordinator, volunteer):
    """The withdrawal has erased the demographics but not committed when a coordinator
    sets them: the setter waits for the withdrawal, then finds no consent."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time: the two cannot interleave")
    consent = consent_give(actor=volunteer.user, volunteer=volunteer, purpose=ConsentPurpose.DEMOGRAPHICS)
    withdrawn, setting = threading.Event(), threading.Event()
    outcome = []

    def withdraw():
        try:
            with transaction.atomic():
                consent_withdraw(actor=volunteer.user, consent=consent)
                withdrawn.set()
                setting.wait(10)
                time.sleep(0.5)  # the setter is now waiting on the profile row
        finally:
            connections.close_all()

    def set_demographics():
        try:
            withdrawn.wait(10)
            setting.set()
            profile = VolunteerProfile.objects.get(pk=volunteer.pk)
            volunteer_demographics_set(actor=coordinator, volunteer=profile, demographics={"age_band": "65+"})
            outcome.append("set")
        except ValidationError as exc:
            outcome.append(sorted(exc.message_dict))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=withdraw), threading.Thread(target=set_demographics)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcome == [["demographics"]]
    assert VolunteerProfile.objects.get(pk=volunteer.pk).demographics == {}
