"""The server-rendered pages: each renders for its user with the right data, each
form's happy path changes the database, and each form's bad input comes back with
the rule next to the field and writes nothing."""

import ast
import datetime as dt
import gettext
import itertools
import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import pre_save
from django.test import Client

from tests.assertions import unchanged
from tests.conftest import PASSWORD
from timebank.accounts.models import ApiToken, AuditEntry, MembershipStatus, User
from timebank.accounts.services.tokens import api_token_authenticate
from timebank.training.models import BackgroundCheck, CheckType, Course, TrainingRecord
from timebank.training.services.records import background_check_add, training_record_add
from timebank.volunteers.models import ConsentPurpose, VolunteerProfile
from timebank.volunteers.services.profiles import volunteer_register

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def field_error(response, field_id: str) -> str:
    """The error message shown next to the input with this id, or ''."""
    html = response.content.decode()
    match = re.search(rf'<p class="error-message" id="{re.escape(field_id)}-error">(.*?)</p>', html, flags=re.S)
    if not match:
        return ""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(1)))).replace("Error:", "").strip()


def error_summary(response) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="error-summary".*?</div>', html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(0)))) if match else ""


def assert_one_h1(response) -> None:
    assert response.content.decode().count("<h1") == 1


def pdf_upload(name="certificate.pdf", content_type="application/pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type=content_type)


def profile_form_data(volunteer: VolunteerProfile, **overrides) -> dict:
    """Everything the profile form posts, starting from the volunteer's current record."""
    data = {
        "full_name": volunteer.full_name,
        "preferred_name": volunteer.preferred_name,
        "email": volunteer.user.email,
        "phone": volunteer.phone,
        "postal_address": volunteer.postal_address,
        "preferred_language": volunteer.preferred_language,
        "languages": list(volunteer.languages.values_list("code", flat=True)),
        "skill_tags": ", ".join(volunteer.skill_tags),
        "interests": ", ".join(volunteer.interests),
        "place_name": volunteer.place_name,
        "latitude": "" if volunteer.latitude is None else str(volunteer.latitude),
        "longitude": "" if volunteer.longitude is None else str(volunteer.longitude),
        "travel_km": str(volunteer.travel_km),
        "max_mentees": str(volunteer.max_mentees),
        "max_hours_per_week": "" if volunteer.max_hours_per_week is None else str(volunteer.max_hours_per_week),
        "gender": volunteer.gender,
        "emergency_contact_name": volunteer.emergency_contact_name,
        "emergency_contact_phone": volunteer.emergency_contact_phone,
        "slots-TOTAL_FORMS": "3",
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "21",
    }
    for index in range(3):
        data.update({f"slots-{index}-weekday": "", f"slots-{index}-starts_at": "", f"slots-{index}-ends_at": ""})
    data.update(overrides)
    return data


def test_a_mentor_says_how_much_they_take_on_on_their_profile(client_for, mentor):
    response = client_for(mentor.user).post(
        "/me/edit/", profile_form_data(mentor, max_mentees="2", max_hours_per_week="6", gender="woman")
    )

    assert response.status_code == 302
    mentor.refresh_from_db()
    assert (mentor.max_mentees, mentor.max_hours_per_week, mentor.gender) == (2, 6, "woman")


# --- Landing pages ----------------------------------------------------------------


def test_home_sends_anonymous_people_to_sign_in(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_volunteer_landing_has_their_own_sections_only(client_for, volunteer, catalogue):
    response = client_for(volunteer.user).get("/")
    page = text(response)
    assert response.status_code == 200
    assert_one_h1(response)
    assert "Welcome, Vera" in page
    assert "My profile" in page and "My training" in page and "My qualifications" in page
    assert volunteer.membership_number in page
    assert "Not qualified yet" in page  # the catalogue requires induction and first aid
    assert "Programmes you coordinate" not in page
    assert "Administration" not in page


def test_coordinator_landing_lists_programmes_with_counts_and_volunteers_needing_attention(
    client_for, coordinator, volunteer, mentor, catalogue, programme, other_volunteer
):
    response = client_for(coordinator).get("/")
    page = text(response)
    assert "Programmes you coordinate" in page
    assert programme.name in page
    assert f"/programmes/{programme.slug}/volunteers/" in response.content.decode()
    assert "Volunteers and mentors 2" in page and "Active 2" in page and "Need attention 2" in page
    assert "Vera Volunteer" in page and "Mehmet Mentor" in page
    assert other_volunteer.full_name not in page  # another organisation's volunteer


def test_partner_landing_leads_to_the_till_and_shows_no_personal_data(client_for, partner, volunteer):
    response = client_for(partner).get("/")
    page = text(response)
    assert "Partner venue" in page
    assert 'href="/partner/"' in response.content.decode()
    assert volunteer.full_name not in page and volunteer.membership_number not in page


def test_funder_landing_shows_aggregate_figures_only(client_for, funder, volunteer, mentor, programme):
    page = text(client_for(funder).get("/"))
    assert "Programmes you fund" in page
    assert programme.name in page
    assert "Active volunteers fewer than 5" in page
    assert volunteer.full_name not in page and mentor.full_name not in page
    assert volunteer.membership_number not in page


def test_admin_landing_shows_every_programme_and_links_to_the_admin_site(client_for, admin, programme, other_programme):
    response = client_for(admin).get("/")
    page = text(response)
    assert "All programmes" in page
    assert programme.name in page and other_programme.name in page
    assert 'href="/admin/"' in response.content.decode()


def test_person_without_a_role_is_told_so(client_for, outsider):
    assert "You do not hold a role in any programme yet" in text(client_for(outsider).get("/"))


# --- Signing in and out, password reset -----------------------------------------------


def test_sign_in_through_the_form(coordinator):
    client = Client()
    page = client.get("/accounts/login/")
    assert 'for="id_username"' in page.content.decode() and 'for="id_password"' in page.content.decode()
    response = client.post("/accounts/login/", {"username": "coordinator", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(coordinator.pk)


def test_sign_in_with_a_wrong_password_says_so(coordinator):
    client = Client()
    response = client.post("/accounts/login/", {"username": "coordinator", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in error_summary(response)
    assert SESSION_KEY not in client.session


def test_sign_out_is_a_post(client_for, coordinator):
    client = client_for(coordinator)
    assert client.get("/accounts/logout/").status_code == 405
    assert SESSION_KEY in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_password_reset_by_e_mail(volunteer):
    client = Client()
    response = client.post("/accounts/password_reset/", {"email": "vera@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Your username is: volunteer" in body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in text(form_page)
    new_password = "a-brand-new-secret-77"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert "Your new password is saved" in text(done)
    assert Client().login(username="volunteer", password=new_password)


# --- A volunteer's own pages ------------------------------------------------------


def test_my_profile_shows_my_record_and_consents(client_for, volunteer):
    response = client_for(volunteer.user).get("/me/")
    page = text(response)
    assert_one_h1(response)
    assert "Vera Volunteer" in page and volunteer.membership_number in page
    assert "Welsh, English" in page
    assert "Riverside, Cardiff" in page
    assert "Keep my volunteer record Given" in page
    assert "Contact me by e-mail Not given" in page


def test_volunteer_edits_their_profile(client_for, volunteer, catalogue):
    before = AuditEntry.objects.count()
    data = profile_form_data(
        volunteer,
        preferred_name="Vee",
        phone="+44 29 2000 0000",
        languages=["en", "fr", "ar"],
        skills=[str(catalogue["gardening"].pk)],
        skill_tags="Plumbing, DIY",
        interests="music",
        travel_km="12",
        willing_home_visits="on",
        emergency_contact_name="Sam",
        emergency_contact_phone="07700 900000",
        **{"slots-0-weekday": "2", "slots-0-starts_at": "09:00", "slots-0-ends_at": "12:30"},
    )
    client = client_for(volunteer.user)
    response = client.post("/me/edit/", data)
    assert response.status_code == 302 and response["Location"] == "/me/"
    volunteer.refresh_from_db()
    assert volunteer.preferred_name == "Vee"
    assert volunteer.phone == "+44 29 2000 0000"
    assert sorted(volunteer.languages.values_list("code", flat=True)) == ["ar", "en", "fr"]
    assert list(volunteer.skills.all()) == [catalogue["gardening"]]
    assert volunteer.skill_tags == ["diy", "plumbing"]
    assert volunteer.travel_km == 12 and volunteer.willing_home_visits and not volunteer.willing_children
    assert [(s.weekday, s.starts_at, s.ends_at) for s in volunteer.availability.all()] == [
        (2, dt.time(9, 0), dt.time(12, 30))
    ]
    assert AuditEntry.objects.count() == before + 1
    assert "The profile was saved." in text(client.get("/me/"))


def test_profile_form_shows_the_current_record(client_for, volunteer):
    html = client_for(volunteer.user).get("/me/edit/").content.decode()
    assert 'value="Vera Volunteer"' in html
    assert re.search(r'<option value="cy"[^>]*selected', html)
    assert 'value="Riverside, Cardiff"' in html


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"longitude": ""}, "id_latitude", "Give both latitude and longitude, or neither."),
        ({"phone": "call me maybe"}, "id_phone", "Enter a phone number of digits"),
        ({"travel_km": "900"}, "id_travel_km", "Travel distance must be 500 km or less."),
        ({"full_name": ""}, "id_full_name", "Enter the person's full name."),
        ({"slots-0-weekday": "1", "slots-0-starts_at": "10:00"}, "id_slots-0-ends_at", "Give the day, the start"),
        (
            {"slots-0-weekday": "1", "slots-0-starts_at": "14:00", "slots-0-ends_at": "10:00"},
            "id_availability",
            "Each slot must start before it ends.",
        ),
    ],
)
def test_profile_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    client_for, volunteer, overrides, field_id, message
):
    client = client_for(volunteer.user)
    with unchanged():
        response = client.post("/me/edit/", profile_form_data(volunteer, **overrides))
    assert response.status_code == 200
    assert message in field_error(response, field_id)
    assert message in error_summary(response)
    assert "<title>Error:" in response.content.decode()


def test_invalid_input_marks_the_field_for_screen_readers(client_for, volunteer):
    response = client_for(volunteer.user).post("/me/edit/", profile_form_data(volunteer, phone="nope"))
    input_tag = re.search(r'<input[^>]*id="id_phone"[^>]*>', response.content.decode()).group(0)
    assert 'aria-invalid="true"' in input_tag
    assert 'aria-describedby="id_phone-error"' in input_tag


def test_volunteer_gives_and_withdraws_a_consent(client_for, volunteer):
    client = client_for(volunteer.user)
    response = client.post("/me/consents/give/", {"purpose": ConsentPurpose.CONTACT_EMAIL})
    assert response.status_code == 302
    consent = volunteer.consents.get(purpose=ConsentPurpose.CONTACT_EMAIL)
    assert consent.is_standing and consent.recorded_by == volunteer.user
    response = client.post(f"/me/consents/{consent.pk}/withdraw/")
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == volunteer.user


def test_giving_an_unknown_consent_changes_nothing(client_for, volunteer):
    client = client_for(volunteer.user)
    with unchanged():
        response = client.post("/me/consents/give/", {"purpose": "sell-my-data"}, follow=True)
    assert "Choose a purpose from the list." in text(response)


def test_my_training_lists_records_and_checks_with_their_verification(
    client_for, volunteer, coordinator, catalogue, today
):
    training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["induction"], completed_on=today, verify=True
    )
    background_check_add(
        actor=coordinator, volunteer=volunteer, check_type=catalogue["dbs"], issued_on=today, reference="DBS-001"
    )
    page = text(client_for(volunteer.user).get("/me/training/"))
    assert "Induction" in page and "Verified" in page
    assert "Enhanced DBS" in page and "DBS-001" in page and "Awaiting verification" in page


def test_volunteer_adds_their_own_training_with_evidence_and_it_waits_for_verification(
    client_for, volunteer, catalogue, today
):
    response = client_for(volunteer.user).post(
        "/me/training/",
        {
            "course": catalogue["first_aid"].pk,
            "completed_on": (today - dt.timedelta(days=3)).isoformat(),
            "evidence": pdf_upload(),
            "note": "St John Ambulance",
        },
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(volunteer=volunteer)
    assert record.course == catalogue["first_aid"]
    assert record.verified_at is None and record.recorded_by == volunteer.user
    assert record.evidence.name.endswith(".pdf")
    assert record.expires_on is not None
    assert "Awaiting verification" in text(client_for(volunteer.user).get("/me/training/"))


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"evidence": "text"}, "id_evidence", "Upload a PDF, JPEG or PNG file."),
        ({"completed_on": "future"}, "id_completed_on", "cannot be in the future"),
        ({"completed_on": ""}, "id_completed_on", "This field is required."),
        ({"course": "other"}, "id_course", "Select a valid choice."),
    ],
)
def test_my_training_bad_input_writes_nothing(
    client_for, volunteer, catalogue, today, other_programme_coordinator, other_programme, overrides, field_id, message
):
    from timebank.training.services.records import course_create

    foreign = course_create(actor=other_programme_coordinator, programme=other_programme, name="Their course")
    data = {"course": catalogue["induction"].pk, "completed_on": today.isoformat(), "evidence": pdf_upload()}
    if overrides.get("evidence") == "text":
        data["evidence"] = pdf_upload("notes.txt", "text/plain", b"hello")
    if overrides.get("completed_on") == "future":
        data["completed_on"] = (today + dt.timedelta(days=1)).isoformat()
    elif "completed_on" in overrides:
        data["completed_on"] = overrides["completed_on"]
    if overrides.get("course") == "other":
        data["course"] = foreign.pk
    client = client_for(volunteer.user)
    with unchanged():
        response = client.post("/me/training/", data)
    assert response.status_code == 200
    assert message in field_error(response, field_id)


def test_my_qualifications_show_each_requirement_with_dates(client_for, volunteer, coordinator, catalogue, today):
    training_record_add(
        actor=coordinator,
        volunteer=volunteer,
        course=catalogue["first_aid"],
        completed_on=today.replace(year=today.year - 3) + dt.timedelta(days=10),
        verify=True,
    )
    page = text(client_for(volunteer.user).get("/me/qualifications/"))
    assert "Volunteer in Tenants' time credits" in page
    assert "Not qualified" in page
    assert "Induction (course) Missing Nothing recorded" in page
    assert "First aid (course) Expiring soon Valid until" in page
    assert "days left" in page


# --- Coordinators: the volunteer list --------------------------------------------


def test_volunteer_list_shows_the_programmes_volunteers(client_for, coordinator, volunteer, mentor, other_volunteer):
    response = client_for(coordinator).get("/programmes/tenants/volunteers/")
    page = text(response)
    assert_one_h1(response)
    assert "2 volunteers" in page
    assert "Vera Volunteer" in page and "Mehmet Mentor" in page
    assert other_volunteer.full_name not in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"status": "applicant"}, ["Ann Applicant"], ["Vera Volunteer"]),
        ({"language": "tr"}, ["Mehmet Mentor"], ["Vera Volunteer"]),
        ({"q": "vera"}, ["Vera Volunteer"], ["Mehmet Mentor"]),
        ({"qualification": "missing"}, ["Vera Volunteer", "Mehmet Mentor"], []),
        ({"qualification": "expired"}, [], ["Vera Volunteer", "Mehmet Mentor"]),
    ],
)
def test_volunteer_list_filters(client_for, coordinator, programme, volunteer, mentor, catalogue, query, shown, hidden):
    volunteer_register(actor=coordinator, programme=programme, full_name="Ann Applicant", consent_to_record=True)
    page = text(client_for(coordinator).get("/programmes/tenants/volunteers/", query))
    for name in shown:
        assert name in page
    for name in hidden:
        assert name not in page


def test_volunteer_list_finds_by_membership_number_and_skill(client_for, coordinator, volunteer, mentor, catalogue):
    volunteer.skills.add(catalogue["gardening"])
    client = client_for(coordinator)
    page = text(client.get("/programmes/tenants/volunteers/", {"q": volunteer.membership_number}))
    assert "1 volunteer " in page and "Vera Volunteer" in page
    page = text(client.get("/programmes/tenants/volunteers/", {"skill": catalogue["gardening"].pk}))
    assert "Vera Volunteer" in page and "Mehmet Mentor" not in page


def test_volunteer_list_bad_filter_is_shown_next_to_it(client_for, coordinator, volunteer):
    response = client_for(coordinator).get("/programmes/tenants/volunteers/", {"status": "retired"})
    assert "Select a valid choice" in field_error(response, "id_status")


def test_volunteer_list_is_paginated_and_keeps_the_filters(client_for, coordinator, programme):
    for number in range(27):
        volunteer_register(
            actor=coordinator,
            programme=programme,
            full_name=f"Person {number:02d}",
            consent_to_record=True,
            status=MembershipStatus.ACTIVE,
        )
    client = client_for(coordinator)
    first = client.get("/programmes/tenants/volunteers/", {"status": "active"})
    assert "Person 24" in text(first) and "Person 25" not in text(first)
    assert "Page 1 of 2" in text(first)
    assert "?status=active&amp;page=2" in first.content.decode()
    second = text(client.get("/programmes/tenants/volunteers/", {"status": "active", "page": 2}))
    assert "Person 25" in second and "Person 26" in second and "Person 00" not in second


# --- Coordinators: one volunteer -------------------------------------------------------


def test_volunteer_page_shows_profile_memberships_training_qualifications_consents_and_audit(
    client_for, coordinator, volunteer, catalogue, today
):
    training_record_add(actor=volunteer.user, volunteer=volunteer, course=catalogue["induction"], completed_on=today)
    background_check_add(actor=coordinator, volunteer=volunteer, check_type=catalogue["dbs"], issued_on=today)
    response = client_for(coordinator).get(f"/volunteers/{volunteer.pk}/")
    page = text(response)
    html = response.content.decode()
    assert_one_h1(response)
    assert "Vera Volunteer" in page and volunteer.membership_number in page
    assert "Tenants' time credits · Volunteer" in page
    assert "Change the status" in page
    assert "Induction" in page and "Awaiting verification" in page
    assert f"/volunteers/{volunteer.pk}/training/" in html and "/verify/" in html
    assert "Enhanced DBS" in page
    assert "Keep my volunteer record Given" in page
    assert "volunteer.register" in page and "training.record" in page and "check.record" in page


def test_coordinator_registers_a_person_without_e_mail(client_for, coordinator, programme, catalogue):
    before = VolunteerProfile.objects.count()
    client = client_for(coordinator)
    response = client.post(
        "/programmes/tenants/volunteers/register/",
        {
            "full_name": "Nia Davies",
            "role": "volunteer",
            "status": "active",
            "languages": ["cy", "en"],
            "skills": [catalogue["gardening"].pk],
            "place_name": "Grangetown",
            "consent_to_record": "on",
        },
    )
    nia = VolunteerProfile.objects.get(full_name="Nia Davies")
    assert VolunteerProfile.objects.count() == before + 1
    assert response.status_code == 302 and response["Location"] == f"/volunteers/{nia.pk}/"
    assert nia.membership_number and not nia.user.email and not nia.can_sign_in
    assert nia.user.memberships.get().status == MembershipStatus.ACTIVE
    assert nia.consents.get().purpose == ConsentPurpose.DATA_PROCESSING
    assert list(nia.skills.all()) == [catalogue["gardening"]]
    follow = text(client.get(response["Location"]))
    assert f"Nia Davies is registered with membership number {nia.membership_number}." in follow
    assert "does not sign in: you act for them" in follow


def test_a_person_registered_with_e_mail_can_choose_a_password(client_for, coordinator, programme):
    client_for(coordinator).post(
        "/programmes/tenants/volunteers/register/",
        {
            "full_name": "Ed Mail",
            "email": "ed@example.org",
            "role": "mentor",
            "status": "applicant",
            "consent_to_record": "on",
        },
    )
    ed = VolunteerProfile.objects.get(full_name="Ed Mail")
    assert ed.user.email == "ed@example.org" and ed.can_sign_in
    assert ed.user.memberships.get().role == "mentor"
    Client().post("/accounts/password_reset/", {"email": "ed@example.org"})
    assert len(mail.outbox) == 1 and ed.user.username in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"consent_to_record": None}, "id_consent_to_record", "must agree that we keep their record"),
        ({"email": "vera@example.org"}, "id_email", "Another person already uses this e-mail address."),
        ({"email": "not-an-address"}, "id_email", "Enter a valid email address."),
        ({"full_name": "  "}, "id_full_name", "Enter the person's full name."),
        ({"phone": "++--"}, "id_phone", "Enter a phone number of digits"),
        ({"role": "coordinator"}, "id_role", "Select a valid choice."),
    ],
)
def test_register_bad_input_writes_nothing(client_for, coordinator, volunteer, overrides, field_id, message):
    data = {"full_name": "New Person", "role": "volunteer", "status": "applicant", "consent_to_record": "on"}
    data.update(overrides)
    data = {key: value for key, value in data.items() if value is not None}
    client = client_for(coordinator)
    with unchanged():
        response = client.post("/programmes/tenants/volunteers/register/", data)
    assert response.status_code == 200
    assert message in field_error(response, field_id)
    assert message in error_summary(response)


def test_register_shows_the_field_error_when_the_e_mail_was_taken_meanwhile(client_for, coordinator, programme):
    """Another registration of the same address commits after the form's check and
    before this one's insert: the database refuses it, the page says why."""
    taken = []

    def register_the_address_first(sender, instance, **kwargs):
        if instance.email == "sam@example.org" and not taken:
            taken.append("sam@example.org")
            User.objects.create(username="registered-meanwhile", email="sam@example.org")

    data = {"full_name": "Sam Shared", "email": "sam@example.org", "role": "volunteer", "status": "applicant"}
    client = client_for(coordinator)
    pre_save.connect(register_the_address_first, sender=User)
    try:
        with unchanged():
            response = client.post("/programmes/tenants/volunteers/register/", {**data, "consent_to_record": "on"})
    finally:
        pre_save.disconnect(register_the_address_first, sender=User)
    assert taken, "the other registration happened"
    assert response.status_code == 200
    assert "Another person already uses this e-mail address." in field_error(response, "id_email")


def test_coordinator_edits_a_profile_on_the_persons_behalf_with_a_reason(client_for, coordinator, volunteer):
    data = profile_form_data(volunteer, phone="029 2000 1234", reason="Asked by phone")
    response = client_for(coordinator).post(f"/volunteers/{volunteer.pk}/edit/", data)
    assert response.status_code == 302 and response["Location"] == f"/volunteers/{volunteer.pk}/"
    volunteer.refresh_from_db()
    assert volunteer.phone == "029 2000 1234"
    entry = AuditEntry.objects.filter(action="volunteer.update").get()
    assert entry.actor == coordinator and entry.reason == "Asked by phone"


def test_coordinator_edit_bad_input_writes_nothing(client_for, coordinator, volunteer):
    client = client_for(coordinator)
    with unchanged():
        response = client.post(
            f"/volunteers/{volunteer.pk}/edit/", profile_form_data(volunteer, email="mehmet@example.org", latitude="95")
        )
    assert "Latitude must be between -90 and 90." in field_error(response, "id_latitude")


def test_coordinator_changes_a_membership_status(client_for, coordinator, volunteer, today):
    membership = volunteer.user.memberships.get()
    response = client_for(coordinator).post(
        f"/volunteers/{volunteer.pk}/memberships/{membership.pk}/status/",
        {f"membership-{membership.pk}-status": "paused", f"membership-{membership.pk}-reason": "Moving house"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAUSED and membership.status_since == today
    assert AuditEntry.objects.get(action="membership.status").reason == "Moving house"


def test_membership_status_bad_input_writes_nothing(client_for, coordinator, volunteer):
    membership = volunteer.user.memberships.get()
    client = client_for(coordinator)
    with unchanged():
        response = client.post(
            f"/volunteers/{volunteer.pk}/memberships/{membership.pk}/status/",
            {f"membership-{membership.pk}-status": "promoted"},
        )
    assert response.status_code == 200
    assert "Select a valid choice" in field_error(response, f"id_membership-{membership.pk}-status")


def test_coordinator_records_and_withdraws_a_consent_for_the_person(client_for, coordinator, volunteer):
    client = client_for(coordinator)
    response = client.post(
        f"/volunteers/{volunteer.pk}/consents/give/", {"purpose": "photos", "note": "Signed the paper form"}
    )
    assert response.status_code == 302
    consent = volunteer.consents.get(purpose="photos")
    assert consent.recorded_by == coordinator and consent.note == "Signed the paper form"
    client.post(f"/volunteers/{volunteer.pk}/consents/{consent.pk}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_by == coordinator


def test_consent_bad_input_writes_nothing(client_for, coordinator, volunteer):
    client = client_for(coordinator)
    with unchanged():
        response = client.post(f"/volunteers/{volunteer.pk}/consents/give/", {"purpose": "spam"})
    assert "Select a valid choice" in field_error(response, "id_purpose")


# --- Coordinators: training and checks -------------------------------------------------


def test_coordinator_records_a_verified_training_with_evidence(client_for, coordinator, volunteer, catalogue, today):
    client = client_for(coordinator)
    form = client.get(f"/volunteers/{volunteer.pk}/training/add/")
    assert "First aid" in text(form) and 'enctype="multipart/form-data"' in form.content.decode()
    response = client.post(
        f"/volunteers/{volunteer.pk}/training/add/",
        {
            "course": catalogue["first_aid"].pk,
            "completed_on": "2025-03-31",
            "evidence": pdf_upload("scan.png", "image/png", b"\x89PNG\r\n\x1a\n"),
            "verify": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/volunteers/{volunteer.pk}/"
    record = TrainingRecord.objects.get(volunteer=volunteer)
    assert record.verified_by == coordinator
    assert record.expires_on == dt.date(2028, 3, 31)
    page = text(client.get(response["Location"]))
    assert "Training recorded: First aid for Vera Volunteer." in page
    assert "First aid" in page and "Verified" in page
    download = client.get(f"/volunteers/{volunteer.pk}/training/{record.pk}/evidence/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"completed_on": "2999-01-01"}, "id_completed_on", "The completion date cannot be in the future."),
        ({"completed_on": "1900-01-01"}, "id_completed_on", "Enter a date after 1950."),
        ({"completed_on": "31/31/2020"}, "id_completed_on", "Enter a valid date."),
        ({"course": ""}, "id_course", "This field is required."),
        ({"note": "x" * 301}, "id_note", "at most 300 characters"),
    ],
)
def test_record_training_bad_input_writes_nothing(
    client_for, coordinator, volunteer, catalogue, overrides, field_id, message
):
    data = {"course": catalogue["induction"].pk, "completed_on": "2025-01-10", **overrides}
    client = client_for(coordinator)
    with unchanged():
        response = client.post(f"/volunteers/{volunteer.pk}/training/add/", data)
    assert response.status_code == 200
    assert message in field_error(response, field_id)


def test_coordinator_records_a_background_check_with_the_usual_validity(client_for, coordinator, volunteer, catalogue):
    response = client_for(coordinator).post(
        f"/volunteers/{volunteer.pk}/checks/add/",
        {"check_type": catalogue["dbs"].pk, "issued_on": "2025-06-15", "reference": "001234567890", "verify": "on"},
    )
    assert response.status_code == 302
    check = BackgroundCheck.objects.get(volunteer=volunteer)
    assert check.expires_on == dt.date(2028, 6, 15)
    assert check.reference == "001234567890" and check.verified_by == coordinator


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"expires_on": "2025-01-01"}, "id_expires_on", "The expiry date must be after the issue date."),
        ({"issued_on": "2999-01-01"}, "id_issued_on", "The issue date cannot be in the future."),
        ({"check_type": ""}, "id_check_type", "This field is required."),
    ],
)
def test_record_check_bad_input_writes_nothing(
    client_for, coordinator, volunteer, catalogue, overrides, field_id, message
):
    data = {"check_type": catalogue["dbs"].pk, "issued_on": "2025-06-15", **overrides}
    client = client_for(coordinator)
    with unchanged():
        response = client.post(f"/volunteers/{volunteer.pk}/checks/add/", data)
    assert response.status_code == 200
    assert message in field_error(response, field_id)


def test_coordinator_verifies_a_volunteers_own_training_and_a_check(
    client_for, coordinator, volunteer, catalogue, today
):
    record = training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=catalogue["induction"], completed_on=today
    )
    check = background_check_add(actor=coordinator, volunteer=volunteer, check_type=catalogue["dbs"], issued_on=today)
    client = client_for(coordinator)
    assert client.post(f"/volunteers/{volunteer.pk}/training/{record.pk}/verify/").status_code == 302
    assert client.post(f"/volunteers/{volunteer.pk}/checks/{check.pk}/verify/").status_code == 302
    record.refresh_from_db()
    check.refresh_from_db()
    assert record.verified_by == coordinator and check.verified_by == coordinator


def test_course_catalogue_lists_and_adds_courses(client_for, coordinator, catalogue, programme):
    client = client_for(coordinator)
    page = text(client.get("/programmes/tenants/courses/"))
    assert "First aid 36 months Volunteer" in page
    assert "Induction Does not expire Volunteer" in page
    response = client.post(
        "/programmes/tenants/courses/", {"name": "Safeguarding", "validity_months": "24", "description": "Level 1"}
    )
    assert response.status_code == 302
    course = Course.objects.get(programme=programme, name="Safeguarding")
    assert course.validity_months == 24 and course.description == "Level 1"


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"name": "first aid"}, "id_name", "The programme already has a course with this name."),
        ({"name": "Long", "validity_months": "0"}, "id_validity_months", "Give a number of months from 1 to 240"),
        ({"name": "Long", "validity_months": "many"}, "id_validity_months", "Enter a whole number."),
        ({"name": ""}, "id_name", "This field is required."),
    ],
)
def test_course_bad_input_writes_nothing(client_for, coordinator, catalogue, data, field_id, message):
    client = client_for(coordinator)
    with unchanged():
        response = client.post("/programmes/tenants/courses/", data)
    assert response.status_code == 200
    assert message in field_error(response, field_id)


def test_check_kinds_list_and_add(client_for, coordinator, catalogue, programme):
    client = client_for(coordinator)
    page = text(client.get("/programmes/tenants/checks/"))
    assert "Enhanced DBS 36 months children Mentor" in page
    response = client.post(
        "/programmes/tenants/checks/",
        {"name": "Basic DBS", "validity_months": "12", "covers_vulnerable_adults": "on"},
    )
    assert response.status_code == 302
    kind = CheckType.objects.get(programme=programme, name="Basic DBS")
    assert kind.validity_months == 12 and kind.covers_vulnerable_adults and not kind.covers_children


def test_check_kind_bad_input_writes_nothing(client_for, coordinator, catalogue):
    client = client_for(coordinator)
    with unchanged():
        response = client.post("/programmes/tenants/checks/", {"name": "ENHANCED DBS"})
    assert "The programme already has a check with this name." in field_error(response, "id_name")


# --- API tokens ------------------------------------------------------------------------


def test_api_token_secret_is_shown_once_and_works_until_revoked(client_for, volunteer):
    client = client_for(volunteer.user)
    response = client.post("/account/tokens/", {"name": "Monthly report"})
    assert response.status_code == 302
    page = client.get("/account/tokens/")
    secret = re.search(r'id="new-token"[^>]*value="(tb_[^"]+)"', page.content.decode()).group(1)
    assert api_token_authenticate(secret) == volunteer.user
    assert "Monthly report" in text(page)
    assert secret not in client.get("/account/tokens/").content.decode()
    token = ApiToken.objects.get(user=volunteer.user)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert api_token_authenticate(secret) is None
    assert "Revoked on" in text(client.get("/account/tokens/"))


def test_api_token_without_a_name_is_refused(client_for, volunteer):
    client = client_for(volunteer.user)
    with unchanged():
        response = client.post("/account/tokens/", {"name": "   "})
    assert "This field is required." in field_error(response, "id_name")


# --- Accessibility basics every page shares -------------------------------------------


def assert_page_basics(response, url: str) -> None:
    """A skip link, one h1 and headings without skipped levels, a label for every
    input, and a CSRF token in every form that posts."""
    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html and 'id="main"' in html, url
    assert html.count("<h1") == 1, url
    levels = [int(level) for level in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), (url, levels)
    inputs = re.findall(r"<(?:input|select|textarea)\b(?![^>]*type=\"(?:hidden|submit)\")[^>]*>", html)
    ids = [re.search(r'\bid="([^"]+)"', tag) for tag in inputs]
    assert all(ids), (url, [tag for tag, found in zip(inputs, ids, strict=True) if not found])
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    assert {found.group(1) for found in ids} <= labelled, url
    for form in re.findall(r'<form[^>]*method="post".*?</form>', html, flags=re.S):
        assert "csrfmiddlewaretoken" in form, url


def test_coordinator_pages_are_accessible(client_for, coordinator, volunteer, catalogue):
    client = client_for(coordinator)
    for url in [
        "/",
        "/programmes/tenants/volunteers/",
        "/programmes/tenants/volunteers/register/",
        f"/volunteers/{volunteer.pk}/",
        f"/volunteers/{volunteer.pk}/edit/",
        f"/volunteers/{volunteer.pk}/training/add/",
        f"/volunteers/{volunteer.pk}/checks/add/",
        "/programmes/tenants/courses/",
        "/programmes/tenants/checks/",
        "/account/tokens/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_basics(response, url)
    # With errors on the page, the summary's h2 comes after the h1.
    assert_page_basics(client.post("/programmes/tenants/volunteers/register/", {}), "register with errors")


def test_volunteer_and_public_pages_are_accessible(client_for, volunteer, catalogue, funder):
    client = client_for(volunteer.user)
    for url in ["/", "/me/", "/me/edit/", "/me/training/", "/me/qualifications/", "/account/tokens/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_basics(response, url)
    for url in ["/accounts/login/", "/accounts/password_reset/"]:
        assert_page_basics(Client().get(url), url)
    assert_page_basics(client_for(funder).get("/programmes/tenants/volunteers/"), "403")
    assert_page_basics(client.get("/volunteers/999999/"), "404")


# --- French ----------------------------------------------------------------------------


def test_pages_speak_french_when_the_browser_asks_for_it(db):
    response = Client(headers={"accept-language": "fr"}).get("/accounts/login/")
    assert '<html lang="fr">' in response.content.decode()
    assert "Se connecter" in text(response) and "Mot de passe oublié ?" in text(response)


def test_the_language_switcher_remembers_french(client_for, volunteer, catalogue):
    client = client_for(volunteer.user)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/me/qualifications/"})
    assert response.status_code == 302 and response["Location"] == "/me/qualifications/"
    page = text(client.get("/me/qualifications/"))
    assert "Mes qualifications" in page and "Manquant" in page
    response = client.post("/me/training/", {"course": catalogue["induction"].pk, "completed_on": "2999-01-01"})
    assert "La date" in field_error(response, "id_completed_on")


def _po_entries(path) -> list[dict]:
    """The entries of a .po file as {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]", ...}."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = {"flags": ""}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, value = line.split(" ", 1)
                entry[key] = ast.literal_eval(value)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def test_french_catalogue_is_complete_and_compiled(settings):
    locale_dir = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES"
    entries = _po_entries(locale_dir / "django.po")
    assert len(entries) > 400
    with (locale_dir / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        if "msgid_plural" in entry:
            forms = [entry["msgstr[0]"], entry["msgstr[1]"]]
            assert all(forms), entry["msgid"]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == forms[0]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == forms[1]
        else:
            assert entry["msgstr"], entry["msgid"]
            if "msgctxt" in entry:  # the same words, translated apart where they mean another thing
                translated = compiled.pgettext(entry["msgctxt"], entry["msgid"])
            else:
                translated = compiled.gettext(entry["msgid"])
            assert translated == entry["msgstr"], "run manage.py compilemessages"
