"""A volunteer in two programmes, seen by each programme's coordinator.

`shared_volunteer` (Sam) is active in `programme` and paused in `other_programme`,
with a skill and a training record in each. Whatever a coordinator reads (the list
filters, the volunteer's page and its audit trail, the qualification report, the
skills) says nothing about the programme they do not coordinate; whatever they
change leaves the other programme's part alone; a refused change changes nothing.
The e-mail address, which password-reset mail goes to, is the person's own once
they can sign in or hold another role.
"""

import importlib
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone

import timebank.urls
from tests.api_support import assert_problem, call
from tests.assertions import errors_of, unchanged
from tests.conftest import PASSWORD
from tests.test_pages import profile_form_data, text
from timebank.accounts.models import AuditEntry, Programme, Role, User
from timebank.accounts.services.programmes import membership_grant, organisation_create, programme_create
from timebank.training.models import TrainingRecord
from timebank.training.services.records import training_record_add
from timebank.volunteers.models import Skill
from timebank.volunteers.selectors.audit import volunteer_audit_trail
from timebank.volunteers.services.profiles import volunteer_update
from timebank.volunteers.services.skills import skill_create

# Each coordinator, what they should see of Sam, and what belongs to the other programme.
SIDES = [
    pytest.param(
        "coordinator",
        {"status": "active", "skill": "Gardening", "programme": "Tenants' time credits"},
        {"status": "paused", "skill": "Translation", "programme": "Family mentors", "course": "Safeguarding"},
        id="coordinator",
    ),
    pytest.param(
        "other_programme_coordinator",
        {"status": "paused", "skill": "Translation", "programme": "Family mentors"},
        {"status": "active", "skill": "Gardening", "programme": "Tenants' time credits", "course": "First aid"},
        id="other programme's coordinator",
    ),
]


def skill_names(volunteer) -> list[str]:
    return sorted(volunteer.skills.values_list("name", flat=True))


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- The list filters ---------------------------------------------------------------


@pytest.mark.parametrize(("persona", "mine", "theirs"), SIDES)
def test_the_status_filter_reads_only_the_callers_programmes(
    request, client_for, shared_volunteer, persona, mine, theirs
):
    client = client_for(request.getfixturevalue(persona))

    assert ids_of(call(client, "get", "/volunteers", {"status": mine["status"]})) == [shared_volunteer.id]
    assert ids_of(call(client, "get", "/volunteers", {"status": theirs["status"]})) == []


def test_a_coordinator_who_funds_the_other_programme_cannot_list_its_volunteers(
    client_for, admin, coordinator, other_programme, shared_volunteer
):
    membership_grant(actor=admin, user=coordinator, programme=other_programme, role=Role.FUNDER)
    client = client_for(coordinator)

    assert ids_of(call(client, "get", "/volunteers", {"programme": "family-mentors"})) == []
    assert ids_of(call(client, "get", "/volunteers", {"programme": "family-mentors", "status": "paused"})) == []


@pytest.mark.parametrize(
    ("persona", "found"),
    [
        pytest.param("coordinator", False, id="coordinator: all valid in their programme"),
        pytest.param("other_programme_coordinator", True, id="other programme's coordinator: safeguarding expired"),
        pytest.param("admin", True, id="administrator"),
    ],
)
@pytest.mark.parametrize("qualification", ["expired", "attention"])
def test_the_qualification_filter_reads_only_the_callers_programmes_requirements(
    request, client_for, shared_volunteer, persona, found, qualification
):
    client = client_for(request.getfixturevalue(persona))
    response = call(client, "get", "/volunteers", {"qualification": qualification})
    assert ids_of(response) == ([shared_volunteer.id] if found else [])


@pytest.mark.parametrize(("persona", "mine", "theirs"), SIDES)
def test_a_skill_of_the_other_programme_finds_nobody(request, client_for, shared_volunteer, persona, mine, theirs):
    client = client_for(request.getfixturevalue(persona))
    own_skill = Skill.objects.get(name=mine["skill"])
    other_skill = Skill.objects.get(name=theirs["skill"])

    assert ids_of(call(client, "get", "/volunteers", {"skill": own_skill.id})) == [shared_volunteer.id]
    assert ids_of(call(client, "get", "/volunteers", {"skill": other_skill.id})) == []


# --- The volunteer's page and its audit trail -----------------------------------------


@pytest.mark.parametrize(("persona", "mine", "theirs"), SIDES)
def test_the_volunteers_page_shows_nothing_of_the_other_programme(
    request, client_for, shared_volunteer, persona, mine, theirs
):
    response = client_for(request.getfixturevalue(persona)).get(f"/volunteers/{shared_volunteer.pk}/")
    page = text(response)

    assert response.status_code == 200
    assert mine["programme"] in page and mine["skill"] in page
    for leak in (theirs["programme"], theirs["skill"], theirs["course"]):
        assert leak not in page
    assert ("Family crisis at home" in page) == (persona == "other_programme_coordinator")


def test_the_audit_trail_keeps_the_other_programmes_entries_out(coordinator, other_programme, shared_volunteer):
    entries = list(volunteer_audit_trail(coordinator, shared_volunteer, limit=100))

    assert entries, "the registration and the records in the coordinator's programme are there"
    assert all(entry.programme_id != other_programme.id for entry in entries)
    assert "Family crisis at home" not in [entry.reason for entry in entries]
    assert {entry.action for entry in entries if entry.programme_id is None} <= {"volunteer.update", "consent.give"}


def test_the_administrator_sees_the_whole_audit_trail(admin, shared_volunteer):
    reasons = [entry.reason for entry in volunteer_audit_trail(admin, shared_volunteer, limit=100)]
    assert "Family crisis at home" in reasons


def test_the_volunteer_does_not_read_the_audit_trail_about_them(client_for, volunteer):
    with pytest.raises(PermissionDenied):
        volunteer_audit_trail(volunteer.user, volunteer)
    response = client_for(volunteer.user).get(f"/volunteers/{volunteer.pk}/")
    assert response.status_code == 302 and response["Location"] == "/me/"


# --- The qualification report for a named programme --------------------------------------


def qualification_of(client, volunteer, programme: str):
    path = f"/volunteers/{volunteer.id}/qualifications"
    return call(client, "get", path, {"programme": programme, "role": "volunteer"})


def test_a_coordinator_who_funds_the_other_programme_gets_no_qualification_report_there(
    client_for, admin, coordinator, other_programme, shared_volunteer
):
    membership_grant(actor=admin, user=coordinator, programme=other_programme, role=Role.FUNDER)
    response = qualification_of(client_for(coordinator), shared_volunteer, "family-mentors")

    assert_problem(response, 404)
    assert "Safeguarding" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "slug", "qualified"),
    [
        pytest.param("coordinator", "tenants", True, id="coordinator, own programme"),
        pytest.param("other_programme_coordinator", "family-mentors", False, id="other coordinator, own programme"),
        pytest.param("admin", "family-mentors", False, id="administrator"),
    ],
)
def test_a_coordinator_reads_the_qualification_report_of_their_programme(
    request, client_for, shared_volunteer, persona, slug, qualified
):
    response = qualification_of(client_for(request.getfixturevalue(persona)), shared_volunteer, slug)

    assert response.status_code == 200
    body = response.json()
    assert body["qualified"] is qualified
    assert [report["programme"] for report in body["reports"]] == [slug]


def test_the_volunteer_reads_their_own_qualification_report(client_for, volunteer, catalogue):
    response = qualification_of(client_for(volunteer.user), volunteer, "tenants")
    assert response.status_code == 200
    assert response.json()["qualified"] is False


# --- Skills ------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "mine", "theirs"), SIDES)
def test_the_api_shows_a_coordinator_only_their_programmes_skills(
    request, client_for, shared_volunteer, persona, mine, theirs
):
    body = call(client_for(request.getfixturevalue(persona)), "get", f"/volunteers/{shared_volunteer.id}").json()
    assert [skill["name"] for skill in body["skills"]] == [mine["skill"]]


def test_the_administrator_sees_every_skill(client_for, admin, shared_volunteer):
    body = call(client_for(admin), "get", f"/volunteers/{shared_volunteer.id}").json()
    assert [skill["name"] for skill in body["skills"]] == ["Gardening", "Translation"]


@pytest.mark.parametrize(("persona", "mine", "theirs"), SIDES)
def test_a_coordinator_clearing_skills_keeps_the_other_programmes(
    request, client_for, shared_volunteer, persona, mine, theirs
):
    client = client_for(request.getfixturevalue(persona))
    response = call(client, "patch", f"/volunteers/{shared_volunteer.id}", {"skills": []})

    assert response.status_code == 200
    assert response.json()["skills"] == []
    assert skill_names(shared_volunteer) == [theirs["skill"]]
    entry = AuditEntry.objects.filter(action="volunteer.update").latest("id")
    assert entry.changes["skills"] == [[Skill.objects.get(name=mine["skill"]).id], []]


@pytest.mark.parametrize(("persona", "mine", "theirs"), SIDES)
def test_a_coordinator_may_not_give_a_skill_of_the_other_programme(
    request, client_for, shared_volunteer, persona, mine, theirs
):
    client = client_for(request.getfixturevalue(persona))
    other_skill = Skill.objects.get(name=theirs["skill"])

    with unchanged():
        response = call(client, "patch", f"/volunteers/{shared_volunteer.id}", {"skills": [other_skill.id]})
    assert_problem(response, 422, "skills")


@pytest.mark.parametrize(("persona", "mine", "theirs"), SIDES)
def test_the_profile_form_offers_and_changes_only_the_callers_skills(
    request, client_for, shared_volunteer, persona, mine, theirs
):
    client = client_for(request.getfixturevalue(persona))
    form = client.get(f"/volunteers/{shared_volunteer.pk}/edit/")
    assert mine["skill"] in text(form) and theirs["skill"] not in text(form)

    response = client.post(f"/volunteers/{shared_volunteer.pk}/edit/", profile_form_data(shared_volunteer))

    assert response.status_code == 302
    assert skill_names(shared_volunteer) == [theirs["skill"]]


def test_the_volunteer_sees_and_sets_the_skills_of_all_their_programmes(
    client_for, volunteer, catalogue, other_programme_coordinator, other_programme
):
    membership_grant(
        actor=other_programme_coordinator, user=volunteer.user, programme=other_programme, role="volunteer"
    )
    translation = skill_create(actor=other_programme_coordinator, programme=other_programme, name="Translation")
    gardening = catalogue["gardening"]
    client = client_for(volunteer.user)

    response = call(client, "patch", f"/volunteers/{volunteer.id}", {"skills": [gardening.id, translation.id]})

    assert [skill["name"] for skill in response.json()["skills"]] == ["Gardening", "Translation"]
    page = text(client.get("/me/"))
    assert "Gardening" in page and "Translation" in page


# --- The e-mail address ---------------------------------------------------------------


def signs_in(sam, admin):
    sam.user.set_password(PASSWORD)
    sam.user.save()


def coordinates_a_third_programme(sam, admin):
    organisation = organisation_create(actor=admin, name="Youth court", slug="youth-court")
    third = programme_create(actor=admin, organisation=organisation, name="Youth court", slug="youth")
    membership_grant(actor=admin, user=sam.user, programme=third, role=Role.COORDINATOR)


def funds_the_other_programme(sam, admin):
    membership_grant(
        actor=admin, user=sam.user, programme=Programme.objects.get(slug="family-mentors"), role=Role.FUNDER
    )


def is_a_superuser(sam, admin):
    User.objects.filter(pk=sam.user_id).update(is_superuser=True, is_staff=True)


LOCKED = [
    pytest.param(signs_in, id="the person signs in"),
    pytest.param(coordinates_a_third_programme, id="the person coordinates a third programme"),
    pytest.param(funds_the_other_programme, id="the person funds a programme"),
    pytest.param(is_a_superuser, id="the person is a superuser"),
]
COORDINATORS = ["coordinator", "other_programme_coordinator", "admin"]


@pytest.mark.parametrize("persona", COORDINATORS)
@pytest.mark.parametrize("situation", LOCKED)
def test_only_the_person_changes_an_e_mail_they_could_sign_in_with(
    request, client_for, admin, shared_volunteer, persona, situation
):
    situation(shared_volunteer, admin)
    client = client_for(request.getfixturevalue(persona))

    with unchanged():
        response = call(client, "patch", f"/volunteers/{shared_volunteer.id}", {"email": "taken-over@example.org"})
    assert_problem(response, 422, "email")


@pytest.mark.parametrize("persona", ["coordinator", "admin"])
def test_the_service_refuses_a_coordinator_changing_a_signed_in_volunteers_e_mail(request, volunteer, persona):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        volunteer_update(actor=request.getfixturevalue(persona), volunteer=volunteer, email="taken-over@example.org")
    assert "email" in errors_of(excinfo)


@pytest.mark.parametrize("persona", ["coordinator", "other_programme_coordinator"])
def test_a_coordinator_sets_the_e_mail_of_a_person_who_cannot_sign_in(request, client_for, shared_volunteer, persona):
    client = client_for(request.getfixturevalue(persona))

    response = call(client, "patch", f"/volunteers/{shared_volunteer.id}", {"email": "sam@example.org"})

    assert response.status_code == 200 and response.json()["email"] == "sam@example.org"


def test_a_volunteer_changes_their_own_e_mail(client_for, volunteer):
    response = call(client_for(volunteer.user), "patch", f"/volunteers/{volunteer.id}", {"email": "vera@new.example"})
    assert response.status_code == 200 and response.json()["email"] == "vera@new.example"


@pytest.mark.parametrize("persona", ["coordinator", "admin"])
def test_the_profile_form_shows_a_signed_in_volunteers_e_mail_without_changing_it(
    request, client_for, volunteer, persona
):
    client = client_for(request.getfixturevalue(persona))
    form = client.get(f"/volunteers/{volunteer.pk}/edit/").content.decode()
    assert re.search(r'<input[^>]*name="email"[^>]*disabled', form)
    assert "Only the person can change it" in form

    with unchanged():
        response = client.post(
            f"/volunteers/{volunteer.pk}/edit/", profile_form_data(volunteer, email="taken-over@example.org")
        )
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["coordinator", "other_programme_coordinator"])
def test_the_profile_form_sets_the_e_mail_of_a_person_who_cannot_sign_in(
    request, client_for, shared_volunteer, persona
):
    client = client_for(request.getfixturevalue(persona))
    data = profile_form_data(shared_volunteer, email="sam@example.org")

    response = client.post(f"/volunteers/{shared_volunteer.pk}/edit/", data)

    assert response.status_code == 302
    assert User.objects.get(pk=shared_volunteer.user_id).email == "sam@example.org"


# --- Evidence files --------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def urls_as_in_the_demo(settings, media_root):
    """The URLs as the demo builds them: it runs with DEBUG on."""
    settings.DEBUG = True
    importlib.reload(timebank.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(timebank.urls)
    clear_url_caches()


@pytest.fixture
def evidence(media_root, coordinator, shared_volunteer, catalogue) -> TrainingRecord:
    upload = SimpleUploadedFile("Sam Shared DBS 0012345.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    return training_record_add(
        actor=coordinator,
        volunteer=shared_volunteer,
        course=catalogue["first_aid"],
        completed_on=timezone.localdate(),
        evidence=upload,
    )


def test_evidence_is_stored_under_a_random_name(evidence):
    assert re.fullmatch(r"evidence/training/[0-9a-f]{32}\.pdf", evidence.evidence.name)


def test_evidence_is_not_served_from_the_media_url(urls_as_in_the_demo, client_for, coordinator, evidence):
    from django.conf import settings

    path = f"/{settings.MEDIA_URL.lstrip('/')}{evidence.evidence.name}"
    for client in (Client(), client_for(coordinator)):
        response = client.get(path)
        assert response.status_code == 404
        assert b"%PDF" not in response.content


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        pytest.param(None, 302, id="anonymous: sent to sign in"),
        pytest.param("other_programme_coordinator", 404, id="the other programme's coordinator"),
        pytest.param("outsider", 404, id="outsider"),
        pytest.param("coordinator", 200, id="the record's coordinator"),
    ],
)
def test_evidence_is_served_only_to_whoever_may_see_the_record(
    request, client_for, urls_as_in_the_demo, evidence, persona, status
):
    client = client_for(request.getfixturevalue(persona)) if persona else Client()
    response = client.get(f"/volunteers/{evidence.volunteer_id}/training/{evidence.pk}/evidence/")

    assert response.status_code == status
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF") == (status == 200)
