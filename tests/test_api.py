"""The API's happy paths, operation by operation, with the real database.

Permissions are in test_api_permissions.py, bad input in test_api_errors.py.
"""

import datetime as dt

import pytest
from django.test import Client

from tests.api_support import API, assert_problem, call, volunteer_records
from tests.coverage import covered_elsewhere
from timebank.accounts.models import AuditEntry, Membership, MembershipStatus, Role
from timebank.accounts.services.tokens import api_token_create, api_token_revoke
from timebank.common.dates import add_months
from timebank.training.models import BackgroundCheck, Course, TrainingRecord
from timebank.training.services.records import training_record_add
from timebank.volunteers.models import Consent, ConsentPurpose, VolunteerProfile
from timebank.volunteers.services.profiles import volunteer_register, volunteer_update


@pytest.fixture
def staff(client_for, coordinator):
    return client_for(coordinator)


@pytest.fixture
def records(coordinator, volunteer, catalogue):
    return volunteer_records(coordinator, volunteer, catalogue)


def register(coordinator, programme, name, **extra):
    return volunteer_register(actor=coordinator, programme=programme, full_name=name, consent_to_record=True, **extra)


# --- Who am I ---------------------------------------------------------------------


def test_me_names_the_volunteer_record_and_roles(client_for, volunteer):
    response = call(client_for(volunteer.user), "get", "/me")

    assert response.status_code == 200
    assert response.json() == {
        "username": "volunteer",
        "full_name": "Vera Volunteer",
        "email": "vera@example.org",
        "is_admin": False,
        "volunteer_id": volunteer.id,
        "programmes": [{"slug": "tenants", "name": "Tenants' time credits", "roles": ["volunteer"]}],
    }


def test_me_for_staff_has_no_volunteer_record(staff):
    body = call(staff, "get", "/me").json()

    assert body["volunteer_id"] is None
    assert body["programmes"] == [{"slug": "tenants", "name": "Tenants' time credits", "roles": ["coordinator"]}]


# --- Programmes -------------------------------------------------------------------


def test_programme_list_shows_the_programmes_a_person_holds_a_role_in(client_for, admin, coordinator, other_programme):
    mine = call(client_for(coordinator), "get", "/programmes").json()
    everything = call(client_for(admin), "get", "/programmes").json()

    assert mine["count"] == 1
    assert [p["slug"] for p in mine["items"]] == ["tenants"]
    assert mine["items"][0]["my_roles"] == ["coordinator"]
    assert mine["items"][0]["hourly_value"] == "12.00"
    assert mine["items"][0]["currency"] == "GBP"
    assert everything["count"] == 2
    assert sorted(p["slug"] for p in everything["items"]) == ["family-mentors", "tenants"]


def test_funder_sees_aggregate_figures_and_no_personal_data(client_for, funder, coordinator, programme):
    for number in range(6):
        register(coordinator, programme, f"Zelda Quorn {number}", status=MembershipStatus.ACTIVE)
    register(coordinator, programme, "Yannick Applicant")

    response = call(client_for(funder), "get", "/programmes/tenants")

    assert response.status_code == 200
    body = response.json()
    assert body["figures"] == {"active": 6, "applicants": "fewer than 5", "paused": 0, "mentors": 0}
    assert "Zelda" not in response.content.decode()
    assert "Yannick" not in response.content.decode()
    assert call(client_for(funder), "get", "/volunteers").json() == {"items": [], "count": 0}


def test_volunteer_sees_the_programme_without_figures(client_for, volunteer):
    body = call(client_for(volunteer.user), "get", "/programmes/tenants").json()

    assert body["name"] == "Tenants' time credits"
    assert body["my_roles"] == ["volunteer"]
    assert body["figures"] is None


def test_catalogue_lists(staff, catalogue):
    courses = call(staff, "get", "/programmes/tenants/courses").json()
    checks = call(staff, "get", "/programmes/tenants/check-types").json()
    requirements = call(staff, "get", "/programmes/tenants/requirements").json()
    skills = call(staff, "get", "/programmes/tenants/skills").json()

    assert [(c["name"], c["validity_months"]) for c in courses["items"]] == [("First aid", 36), ("Induction", None)]
    assert checks["items"] == [
        {
            "id": catalogue["dbs"].id,
            "name": "Enhanced DBS",
            "validity_months": 36,
            "covers_children": True,
            "covers_vulnerable_adults": False,
        }
    ]
    assert [(r["role"], r["kind"], r["name"]) for r in requirements["items"]] == [
        ("mentor", "check", "Enhanced DBS"),
        ("volunteer", "course", "Induction"),
        ("volunteer", "course", "First aid"),
    ]
    assert skills == {
        "items": [{"id": catalogue["gardening"].id, "name": "Gardening", "slug": "gardening"}],
        "count": 1,
    }


def test_coordinator_adds_a_course_and_a_check_type(staff, programme):
    audit_before = AuditEntry.objects.count()

    course = call(staff, "post", "/programmes/tenants/courses", {"name": "Safeguarding", "validity_months": 24})
    check = call(staff, "post", "/programmes/tenants/check-types", {"name": "Führungszeugnis", "validity_months": 60})

    assert course.status_code == 201
    assert course.json()["name"] == "Safeguarding"
    assert Course.objects.get(pk=course.json()["id"]).programme == programme
    assert check.status_code == 201
    assert check.json()["validity_months"] == 60
    assert AuditEntry.objects.count() == audit_before + 2


# --- Volunteers: list, pagination, filters ------------------------------------------


def test_volunteer_list_pages_with_limit_offset_and_total_count(staff, coordinator, programme, volunteer):
    for name in ("Anna Abel", "Bert Brown", "Carl Cole", "Dora Dee"):
        register(coordinator, programme, name)

    first = call(staff, "get", "/volunteers", {"limit": 2}).json()
    second = call(staff, "get", "/volunteers", {"limit": 2, "offset": 2}).json()
    last = call(staff, "get", "/volunteers", {"limit": 2, "offset": 4}).json()

    assert first["count"] == second["count"] == last["count"] == 5
    assert [v["full_name"] for v in first["items"]] == ["Anna Abel", "Bert Brown"]
    assert [v["full_name"] for v in second["items"]] == ["Carl Cole", "Dora Dee"]
    assert [v["full_name"] for v in last["items"]] == ["Vera Volunteer"]


def test_volunteer_list_reads_a_fixed_number_of_queries(staff, coordinator, programme, django_assert_max_num_queries):
    for number in range(12):
        register(coordinator, programme, f"Tenant {number:02d}", languages=["en", "cy"])

    with django_assert_max_num_queries(8):
        body = call(staff, "get", "/volunteers").json()

    assert body["count"] == 12
    assert body["items"][0]["languages"] == ["cy", "en"]
    assert body["items"][0]["memberships"][0]["programme"] == "tenants"


def test_volunteer_list_item_shape(staff, volunteer):
    item = call(staff, "get", "/volunteers").json()["items"][0]

    assert item == {
        "id": volunteer.id,
        "membership_number": volunteer.membership_number,
        "full_name": "Vera Volunteer",
        "preferred_name": "",
        "display_name": "Vera Volunteer",
        "email": "vera@example.org",
        "preferred_language": "en",
        "languages": ["cy", "en"],
        "place_name": "Riverside, Cardiff",
        "memberships": [
            {
                "programme": "tenants",
                "programme_name": "Tenants' time credits",
                "role": "volunteer",
                "status": "active",
                "status_since": volunteer.user.memberships.get().status_since.isoformat(),
            }
        ],
    }


def test_volunteer_list_filters(staff, coordinator, programme, volunteer, mentor, catalogue, today):
    gardener = register(coordinator, programme, "Greta Gardener", skills=[catalogue["gardening"].id], languages=["fr"])
    paused = register(coordinator, programme, "Paula Paused", status=MembershipStatus.PAUSED)

    def names(**query):
        response = call(staff, "get", "/volunteers", query)
        assert response.status_code == 200, response.content
        return sorted(v["full_name"] for v in response.json()["items"])

    assert names(programme="tenants") == ["Greta Gardener", "Mehmet Mentor", "Paula Paused", "Vera Volunteer"]
    assert names(status="paused") == ["Paula Paused"]
    assert names(status="applicant") == ["Greta Gardener"]
    assert names(skill=catalogue["gardening"].id) == ["Greta Gardener"]
    assert names(language="tr") == ["Mehmet Mentor"]
    assert names(language="fr") == ["Greta Gardener"]
    assert names(q="greta") == ["Greta Gardener"]
    assert names(q=paused.membership_number) == ["Paula Paused"]
    assert names(q="vera@example.org") == ["Vera Volunteer"]
    assert gardener.id != paused.id


def test_volunteer_list_qualification_filter(staff, coordinator, programme, catalogue, today):
    """Volunteers need induction (never expires) and first aid (36 months)."""

    def qualified_with(name, first_aid_on):
        person = register(coordinator, programme, name, status=MembershipStatus.ACTIVE)
        training_record_add(
            actor=coordinator,
            volunteer=person,
            course=catalogue["induction"],
            completed_on=dt.date(2020, 1, 6),
            verify=True,
        )
        if first_aid_on:
            training_record_add(
                actor=coordinator,
                volunteer=person,
                course=catalogue["first_aid"],
                completed_on=first_aid_on,
                verify=True,
            )
        return person

    qualified_with("Val Valid", add_months(today, -1))
    qualified_with("Eve Expiring", add_months(today, -36) + dt.timedelta(days=10))
    qualified_with("Ed Expired", add_months(today, -40))
    qualified_with("Mo Missing", None)

    def names(kind, **extra):
        response = call(staff, "get", "/volunteers", {"qualification": kind, **extra})
        assert response.status_code == 200, response.content
        return sorted(v["full_name"] for v in response.json()["items"])

    assert names("expiring_soon") == ["Eve Expiring"]
    assert names("expired") == ["Ed Expired"]
    assert names("missing") == ["Mo Missing"]
    assert names("attention") == ["Ed Expired", "Eve Expiring", "Mo Missing"]
    # On a later date the expiring record has lapsed too.
    assert names("expired", on=(today + dt.timedelta(days=11)).isoformat()) == ["Ed Expired", "Eve Expiring"]


# --- Volunteers: register, read, change ---------------------------------------------


def test_coordinator_registers_a_volunteer(staff, coordinator, catalogue):
    audit_before = AuditEntry.objects.count()

    response = call(
        staff,
        "post",
        "/volunteers",
        {
            "programme": "tenants",
            "full_name": "Nadia Noor",
            "email": "nadia@example.org",
            "consent_to_record": True,
            "status": "active",
            "preferred_language": "ar",
            "languages": ["ar", "en"],
            "skills": [catalogue["gardening"].id],
            "availability": [{"weekday": 2, "starts_at": "09:00", "ends_at": "12:30"}],
            "place_name": "Splott",
            "latitude": 51.48,
            "longitude": -3.15,
            "willing_home_visits": True,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    volunteer = VolunteerProfile.objects.get(pk=body["id"])
    assert volunteer.full_name == "Nadia Noor"
    assert volunteer.registered_by == coordinator
    assert body["membership_number"] == volunteer.membership_number
    assert body["languages"] == ["ar", "en"]
    assert body["skills"] == [{"id": catalogue["gardening"].id, "name": "Gardening"}]
    assert body["availability"] == [{"weekday": 2, "starts_at": "09:00:00", "ends_at": "12:30:00"}]
    assert (body["latitude"], body["longitude"]) == (51.48, -3.15)
    assert body["memberships"][0]["status"] == "active"
    assert body["can_sign_in"] is False
    assert volunteer.consents.get().purpose == ConsentPurpose.DATA_PROCESSING
    assert AuditEntry.objects.count() == audit_before + 1


def test_coordinator_registers_a_person_without_email(staff):
    response = call(
        staff, "post", "/volunteers", {"programme": "tenants", "full_name": "Sam", "consent_to_record": True}
    )

    assert response.status_code == 201
    assert response.json()["email"] == ""
    assert response.json()["memberships"][0]["status"] == "applicant"


def test_volunteer_detail(client_for, volunteer):
    body = call(client_for(volunteer.user), "get", f"/volunteers/{volunteer.id}").json()

    assert body["full_name"] == "Vera Volunteer"
    assert body["can_sign_in"] is True
    assert body["languages"] == ["cy", "en"]
    assert body["memberships"][0]["role"] == "volunteer"


def test_volunteer_changes_only_the_fields_given(client_for, volunteer):
    volunteer_update(actor=volunteer.user, volunteer=volunteer, phone="+44 29 2000 0000", interests=["gardening"])
    audit_before = AuditEntry.objects.count()

    response = call(
        client_for(volunteer.user),
        "patch",
        f"/volunteers/{volunteer.id}",
        {"preferred_name": "Vee", "languages": ["en", "fr"], "reason": "moved flat"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["preferred_name"] == "Vee"
    assert body["display_name"] == "Vee"
    assert body["languages"] == ["en", "fr"]
    volunteer.refresh_from_db()
    assert volunteer.phone == "+44 29 2000 0000"
    assert volunteer.interests == ["gardening"]
    assert volunteer.full_name == "Vera Volunteer"
    entry = AuditEntry.objects.latest("id")
    assert AuditEntry.objects.count() == audit_before + 1
    assert entry.reason == "moved flat"


def test_patch_can_clear_the_coordinates(staff, volunteer):
    response = call(staff, "patch", f"/volunteers/{volunteer.id}", {"latitude": None, "longitude": None})

    assert response.status_code == 200, response.content
    volunteer.refresh_from_db()
    assert volunteer.latitude is None and volunteer.longitude is None


def test_coordinator_changes_a_membership_status(staff, volunteer, today):
    response = call(
        staff,
        "post",
        f"/volunteers/{volunteer.id}/status",
        {"programme": "tenants", "status": "paused", "reason": "away"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "paused"
    assert response.json()["status_since"] == today.isoformat()
    assert Membership.objects.get(user=volunteer.user).status == MembershipStatus.PAUSED


def test_status_change_names_the_role_when_the_volunteer_holds_two(staff, coordinator, programme, mentor):
    from timebank.accounts.services.programmes import membership_grant

    membership_grant(actor=coordinator, user=mentor.user, programme=programme, role=Role.VOLUNTEER)

    ambiguous = call(staff, "post", f"/volunteers/{mentor.id}/status", {"programme": "tenants", "status": "left"})
    named = call(
        staff, "post", f"/volunteers/{mentor.id}/status", {"programme": "tenants", "role": "mentor", "status": "left"}
    )

    assert_problem(ambiguous, 422, "role")
    assert named.status_code == 200
    assert Membership.objects.get(user=mentor.user, role=Role.MENTOR).status == MembershipStatus.LEFT
    assert Membership.objects.get(user=mentor.user, role=Role.VOLUNTEER).status == MembershipStatus.ACTIVE


# --- Consents ---------------------------------------------------------------------------


def test_consents_give_list_and_withdraw(client_for, volunteer):
    client = client_for(volunteer.user)

    given = call(client, "post", f"/volunteers/{volunteer.id}/consents", {"purpose": "photos", "note": "newsletter"})
    again = call(client, "post", f"/volunteers/{volunteer.id}/consents", {"purpose": "photos"})
    listed = call(client, "get", f"/volunteers/{volunteer.id}/consents").json()
    withdrawn = call(client, "post", f"/consents/{given.json()['id']}/withdraw", {"reason": "changed my mind"})

    assert given.status_code == 201
    assert given.json()["standing"] is True
    assert given.json()["recorded_by"] == "Vera Volunteer"
    assert again.status_code == 200, "the consent already stood: nothing was created"
    assert again.json()["id"] == given.json()["id"]
    assert listed["count"] == 2
    assert {c["purpose"] for c in listed["items"]} == {"data_processing", "photos"}
    assert withdrawn.status_code == 200
    assert withdrawn.json()["standing"] is False
    assert withdrawn.json()["withdrawn_by"] == "Vera Volunteer"
    assert Consent.objects.get(pk=given.json()["id"]).withdrawn_at is not None


def test_withdraw_without_a_body(staff, records):
    response = staff.post(f"{API}/consents/{records['consent'].id}/withdraw", content_type="application/json")

    assert response.status_code == 200
    assert response.json()["standing"] is False


# --- Training and checks ------------------------------------------------------------------


def test_volunteer_records_their_own_training_unverified_and_coordinator_verifies(
    client_for, coordinator, volunteer, catalogue
):
    recorded = call(
        client_for(volunteer.user),
        "post",
        f"/volunteers/{volunteer.id}/training",
        {"course": catalogue["first_aid"].id, "completed_on": "2025-02-10", "note": "St John"},
    )

    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert body["verified"] is False
    assert body["expires_on"] == "2028-02-10"
    assert body["course"] == {"id": catalogue["first_aid"].id, "name": "First aid", "programme": "tenants"}
    assert body["has_evidence"] is False

    verified = call(client_for(coordinator), "post", f"/training/{body['id']}/verify")
    listed = call(client_for(volunteer.user), "get", f"/volunteers/{volunteer.id}/training").json()

    assert verified.status_code == 200
    assert verified.json()["verified"] is True
    assert verified.json()["verified_by"] == "Coordinator Person"
    assert listed["count"] == 1 and listed["items"][0]["verified"] is True
    assert TrainingRecord.objects.get(pk=body["id"]).verified_by == coordinator


def test_coordinator_records_and_verifies_training_in_one_step(staff, volunteer, catalogue):
    response = call(
        staff,
        "post",
        f"/volunteers/{volunteer.id}/training",
        {"course": catalogue["induction"].id, "completed_on": "2024-05-01", "verify": True},
    )

    assert response.status_code == 201
    assert response.json()["verified"] is True
    assert response.json()["expires_on"] is None


def test_background_checks_record_list_verify(staff, coordinator, volunteer, catalogue):
    recorded = call(
        staff,
        "post",
        f"/volunteers/{volunteer.id}/checks",
        {"check_type": catalogue["dbs"].id, "issued_on": "2024-06-01", "reference": "001234567890"},
    )

    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["expires_on"] == "2027-06-01"
    assert recorded.json()["verified"] is False

    verified = call(staff, "post", f"/checks/{recorded.json()['id']}/verify")
    again = call(staff, "post", f"/checks/{recorded.json()['id']}/verify")
    listed = call(staff, "get", f"/volunteers/{volunteer.id}/checks").json()

    assert verified.json()["verified"] is True
    assert again.json()["verified_at"] == verified.json()["verified_at"]
    assert listed["count"] == 1
    assert listed["items"][0]["check_type"]["name"] == "Enhanced DBS"
    assert BackgroundCheck.objects.get().verified_by == coordinator


def test_check_expiry_from_the_certificate_wins(staff, volunteer, catalogue):
    response = call(
        staff,
        "post",
        f"/volunteers/{volunteer.id}/checks",
        {"check_type": catalogue["dbs"].id, "issued_on": "2024-06-01", "expires_on": "2025-06-01", "verify": True},
    )

    assert response.json()["expires_on"] == "2025-06-01"


def test_training_and_checks_of_another_programme_stay_hidden_from_its_coordinator(
    client_for, admin, coordinator, other_programme_coordinator, other_programme, volunteer, catalogue
):
    """Vera also volunteers in the family mentors programme; each coordinator sees only their own records."""
    from timebank.accounts.services.programmes import membership_grant
    from timebank.training.services.records import course_create

    membership_grant(
        actor=other_programme_coordinator, user=volunteer.user, programme=other_programme, role="volunteer"
    )
    theirs = course_create(actor=other_programme_coordinator, programme=other_programme, name="Mentoring basics")
    training_record_add(
        actor=other_programme_coordinator, volunteer=volunteer, course=theirs, completed_on=dt.date(2024, 1, 1)
    )
    training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["induction"], completed_on=dt.date(2024, 1, 1)
    )

    def courses(user):
        body = call(client_for(user), "get", f"/volunteers/{volunteer.id}/training").json()
        return sorted(item["course"]["name"] for item in body["items"])

    def programmes(user):
        body = call(client_for(user), "get", f"/volunteers/{volunteer.id}").json()
        return sorted(m["programme"] for m in body["memberships"])

    assert courses(coordinator) == ["Induction"]
    assert courses(other_programme_coordinator) == ["Mentoring basics"]
    assert courses(volunteer.user) == courses(admin) == ["Induction", "Mentoring basics"]
    assert programmes(coordinator) == ["tenants"]
    assert programmes(other_programme_coordinator) == ["family-mentors"]
    assert programmes(volunteer.user) == ["family-mentors", "tenants"]


# --- Qualifications -------------------------------------------------------------------------


def test_qualification_for_a_role_on_a_date(staff, coordinator, volunteer, catalogue, today):
    training_record_add(
        actor=coordinator,
        volunteer=volunteer,
        course=catalogue["induction"],
        completed_on=dt.date(2020, 1, 6),
        verify=True,
    )
    first_aid = training_record_add(
        actor=coordinator,
        volunteer=volunteer,
        course=catalogue["first_aid"],
        completed_on=add_months(today, -36) + dt.timedelta(days=20),
        verify=True,
    )

    response = call(
        staff, "get", f"/volunteers/{volunteer.id}/qualifications", {"programme": "tenants", "role": "volunteer"}
    )
    later = call(
        staff,
        "get",
        f"/volunteers/{volunteer.id}/qualifications",
        {"programme": "tenants", "role": "volunteer", "on": (today + dt.timedelta(days=20)).isoformat()},
    ).json()

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["on"] == today.isoformat()
    assert body["qualified"] is True
    [report] = body["reports"]
    assert (report["programme"], report["role"], report["qualified"]) == ("tenants", "volunteer", True)
    states = {item["name"]: item for item in report["requirements"]}
    assert states["Induction"]["state"] == "valid"
    assert states["Induction"]["expires_on"] is None
    assert states["First aid"] == {
        "kind": "course",
        "id": catalogue["first_aid"].id,
        "name": "First aid",
        "state": "expiring_soon",
        "state_label": "Expiring soon",
        "expires_on": first_aid.expires_on.isoformat(),
        "days_left": 20,
        "awaiting_verification": False,
        "record_id": first_aid.id,
    }
    assert later["qualified"] is False
    assert {i["name"]: i["state"] for i in later["reports"][0]["requirements"]}["First aid"] == "expired"


def test_qualifications_without_role_give_one_report_per_role_held(client_for, volunteer, records, catalogue):
    body = call(client_for(volunteer.user), "get", f"/volunteers/{volunteer.id}/qualifications").json()

    assert body["qualified"] is False
    [report] = body["reports"]
    assert report["role"] == "volunteer"
    states = {item["name"]: (item["state"], item["awaiting_verification"]) for item in report["requirements"]}
    # The first-aid record exists but nobody has verified it yet.
    assert states == {"Induction": ("missing", False), "First aid": ("missing", True)}


def test_qualification_for_a_role_not_held_is_still_answered(staff, volunteer, catalogue):
    body = call(
        staff, "get", f"/volunteers/{volunteer.id}/qualifications", {"programme": "tenants", "role": "mentor"}
    ).json()

    assert body["reports"][0]["requirements"][0]["name"] == "Enhanced DBS"
    assert body["reports"][0]["requirements"][0]["state"] == "missing"


# --- Authentication ---------------------------------------------------------------------------


def test_bearer_token_reads_and_writes_without_csrf(coordinator, volunteer):
    _, secret = api_token_create(actor=coordinator, name="nightly export")
    client = Client(enforce_csrf_checks=True)

    listed = call(client, "get", "/volunteers", HTTP_AUTHORIZATION=f"Bearer {secret}")
    added = call(
        client, "post", "/programmes/tenants/courses", {"name": "Fire safety"}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert added.status_code == 201
    assert AuditEntry.objects.latest("id").actor == coordinator
    assert coordinator.api_tokens.get().last_used_at is not None


def test_revoked_token_is_refused(coordinator):
    token, secret = api_token_create(actor=coordinator, name="old script")
    api_token_revoke(actor=coordinator, token=token)

    response = call(Client(), "get", "/me", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_refused_even_with_a_signed_in_session(staff):
    response = call(staff, "get", "/me", HTTP_AUTHORIZATION="Bearer tb_not-a-real-token")

    assert_problem(response, 401)


def test_token_of_a_deactivated_account_is_refused(coordinator):
    _, secret = api_token_create(actor=coordinator, name="script")
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])

    assert_problem(call(Client(), "get", "/me", HTTP_AUTHORIZATION=f"Bearer {secret}"), 401)


def test_anonymous_gets_401(volunteer):
    assert_problem(call(Client(), "get", "/volunteers"), 401)
    assert_problem(call(Client(enforce_csrf_checks=True), "post", "/volunteers", {}), 401)


def test_session_writes_need_the_csrf_token(coordinator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    # What a page of the site would have set: the CSRF cookie, echoed in a header by the page's script.
    secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
    client.cookies["csrftoken"] = secret

    refused = call(client, "post", "/programmes/tenants/courses", {"name": "Fire safety"})
    accepted = call(client, "post", "/programmes/tenants/courses", {"name": "Fire safety"}, HTTP_X_CSRFTOKEN=secret)

    assert_problem(refused, 403)
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 201
    assert Course.objects.filter(name="Fire safety").count() == 1


# --- The document and the edges ------------------------------------------------------------------


EXPECTED_OPERATIONS = {
    ("get", "/api/v1/me"),
    ("get", "/api/v1/programmes"),
    ("get", "/api/v1/programmes/{slug}"),
    ("get", "/api/v1/programmes/{slug}/courses"),
    ("post", "/api/v1/programmes/{slug}/courses"),
    ("get", "/api/v1/programmes/{slug}/check-types"),
    ("post", "/api/v1/programmes/{slug}/check-types"),
    ("get", "/api/v1/programmes/{slug}/requirements"),
    ("get", "/api/v1/programmes/{slug}/skills"),
    ("get", "/api/v1/volunteers"),
    ("post", "/api/v1/volunteers"),
    ("get", "/api/v1/volunteers/{volunteer_id}"),
    ("patch", "/api/v1/volunteers/{volunteer_id}"),
    ("post", "/api/v1/volunteers/{volunteer_id}/status"),
    ("get", "/api/v1/volunteers/{volunteer_id}/consents"),
    ("post", "/api/v1/volunteers/{volunteer_id}/consents"),
    ("post", "/api/v1/consents/{consent_id}/withdraw"),
    ("get", "/api/v1/volunteers/{volunteer_id}/training"),
    ("post", "/api/v1/volunteers/{volunteer_id}/training"),
    ("post", "/api/v1/training/{record_id}/verify"),
    ("get", "/api/v1/volunteers/{volunteer_id}/checks"),
    ("post", "/api/v1/volunteers/{volunteer_id}/checks"),
    ("post", "/api/v1/checks/{check_id}/verify"),
    ("get", "/api/v1/volunteers/{volunteer_id}/qualifications"),
}


def test_openapi_document_lists_every_operation_with_its_error_responses(db):
    response = Client().get(f"{API}/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Timebank API"
    operations = {(method, path) for path, item in document["paths"].items() for method in item}
    # Step 1's operations exactly; later routers' operations are listed by their own tests (tests/coverage.py).
    assert operations - covered_elsewhere("COVERED_API_OPERATIONS") == EXPECTED_OPERATIONS
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "401" in operation["responses"], (method, path)
            problem = operation["responses"]["401"]["content"]
            assert list(problem) == ["application/problem+json"], (method, path)
            if method != "get":
                assert {"403", "404", "422"} <= set(operation["responses"]), (method, path)
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    assert document["components"]["schemas"]["Problem"]["properties"].keys() >= {"type", "title", "status", "errors"}


def test_interactive_docs_are_served(db, settings):
    # Tests run with DEBUG off and no collectstatic; the docs page only needs the plain static storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    response = Client().get(f"{API}/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_unknown_address_and_wrong_method_are_problems(staff, volunteer):
    assert_problem(call(staff, "get", "/nowhere"), 404)
    assert_problem(call(staff, "get", "/volunteers/not-a-number"), 404)
    assert_problem(call(staff, "get", "/volunteers/999999"), 404)
    not_allowed = call(staff, "delete", f"/volunteers/{volunteer.id}")
    assert_problem(not_allowed, 405)
    assert set(not_allowed["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


def test_unexpected_error_is_a_500_problem_without_a_traceback(staff, monkeypatch):
    def broken(user):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("timebank.volunteers.api.roles_of", broken)

    response = call(staff, "get", "/me")

    problem = assert_problem(response, 500)
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert problem["errors"] == []
