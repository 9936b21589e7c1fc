"""Every API operation against every persona.

The target records belong to `volunteer` (Vera, a volunteer of the tenants'
programme): her profile, an unverified training record, an unverified
background check and a standing consent. So `volunteer` acts on her own
record, `mentor` on a fellow volunteer's, `other_programme_coordinator` on a
volunteer of a programme they do not coordinate.

A record the caller may not see answers 404; an action the caller may not
perform on a record they can see answers 403; a body naming a programme the
caller holds no role in answers 422. Every refusal leaves every row of the
core app as it was, the audit log included.
"""

import pytest
from django.test import Client

from tests.api_support import (
    NON_COORDINATING_ROLES,
    ROLE_HOLDERS,
    SIGNED_IN,
    assert_permission,
    assert_problem,
    call,
    expect,
    fill,
    volunteer_records,
)
from tests.assertions import database_state
from tests.conftest import PERSONAS
from tests.coverage import covered_elsewhere

VERA_AND_HER_COORDINATORS = ("admin", "coordinator", "volunteer")
HER_COORDINATORS = ("admin", "coordinator")

# name: (method, path, body, expected status per persona)
OPERATIONS = {
    "me": ("get", "/me", None, expect(200, allowed=SIGNED_IN)),
    "programme list": ("get", "/programmes", None, expect(200, allowed=SIGNED_IN)),
    "programme detail": ("get", "/programmes/{slug}", None, expect(200, allowed=ROLE_HOLDERS)),
    "course list": ("get", "/programmes/{slug}/courses", None, expect(200, allowed=ROLE_HOLDERS)),
    "course add": (
        "post",
        "/programmes/{slug}/courses",
        {"name": "Safeguarding"},
        expect(201, allowed=HER_COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
    "check type list": ("get", "/programmes/{slug}/check-types", None, expect(200, allowed=ROLE_HOLDERS)),
    "check type add": (
        "post",
        "/programmes/{slug}/check-types",
        {"name": "Basic DBS"},
        expect(201, allowed=HER_COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
    "requirement list": ("get", "/programmes/{slug}/requirements", None, expect(200, allowed=ROLE_HOLDERS)),
    "skill list": ("get", "/programmes/{slug}/skills", None, expect(200, allowed=ROLE_HOLDERS)),
    "volunteer list": ("get", "/volunteers", None, expect(200, allowed=SIGNED_IN)),
    "volunteer register": (
        "post",
        "/volunteers",
        {"programme": "tenants", "full_name": "Nina New", "consent_to_record": True},
        expect(
            201,
            allowed=HER_COORDINATORS,
            forbidden=NON_COORDINATING_ROLES,
            invalid=("other_programme_coordinator", "outsider"),
        ),
    ),
    "volunteer detail": ("get", "/volunteers/{volunteer_id}", None, expect(200, allowed=VERA_AND_HER_COORDINATORS)),
    "volunteer update": (
        "patch",
        "/volunteers/{volunteer_id}",
        {"preferred_name": "Vee"},
        expect(200, allowed=VERA_AND_HER_COORDINATORS),
    ),
    "volunteer status": (
        "post",
        "/volunteers/{volunteer_id}/status",
        {"programme": "tenants", "status": "paused"},
        expect(200, allowed=HER_COORDINATORS, forbidden=("volunteer",)),
    ),
    "consent list": (
        "get",
        "/volunteers/{volunteer_id}/consents",
        None,
        expect(200, allowed=VERA_AND_HER_COORDINATORS),
    ),
    "consent give": (
        "post",
        "/volunteers/{volunteer_id}/consents",
        {"purpose": "photos"},
        expect(201, allowed=VERA_AND_HER_COORDINATORS),
    ),
    "consent withdraw": (
        "post",
        "/consents/{consent_id}/withdraw",
        {"reason": "no longer"},
        expect(200, allowed=VERA_AND_HER_COORDINATORS),
    ),
    "training list": (
        "get",
        "/volunteers/{volunteer_id}/training",
        None,
        expect(200, allowed=VERA_AND_HER_COORDINATORS),
    ),
    "training add": (
        "post",
        "/volunteers/{volunteer_id}/training",
        {"course": "{induction}", "completed_on": "2025-01-15"},
        expect(201, allowed=VERA_AND_HER_COORDINATORS),
    ),
    "training verify": (
        "post",
        "/training/{record_id}/verify",
        None,
        expect(200, allowed=HER_COORDINATORS, forbidden=("volunteer",)),
    ),
    "check list": ("get", "/volunteers/{volunteer_id}/checks", None, expect(200, allowed=VERA_AND_HER_COORDINATORS)),
    "check add": (
        "post",
        "/volunteers/{volunteer_id}/checks",
        {"check_type": "{dbs}", "issued_on": "2025-01-15"},
        expect(201, allowed=HER_COORDINATORS, forbidden=("volunteer",)),
    ),
    "check verify": (
        "post",
        "/checks/{check_id}/verify",
        None,
        expect(200, allowed=HER_COORDINATORS, forbidden=("volunteer",)),
    ),
    "qualifications": (
        "get",
        "/volunteers/{volunteer_id}/qualifications",
        None,
        expect(200, allowed=VERA_AND_HER_COORDINATORS),
    ),
}


@pytest.fixture
def world(every_persona, coordinator, volunteer, catalogue, other_volunteer):
    """Every persona exists in every cell, so the counts compared are the same ones."""
    records = volunteer_records(coordinator, volunteer, catalogue)
    return {
        "slug": "tenants",
        "volunteer_id": volunteer.id,
        "consent_id": records["consent"].id,
        "record_id": records["record"].id,
        "check_id": records["check"].id,
        "induction": catalogue["induction"].id,
        "dbs": catalogue["dbs"].id,
    }


def test_the_matrix_covers_every_operation_of_the_api(db):
    document = Client().get("/api/v1/openapi.json").json()
    in_document = {(method, path) for path, item in document["paths"].items() for method in item}

    here = {(method, "/api/v1" + path) for method, path, _, _ in OPERATIONS.values()}
    missing = in_document - here - covered_elsewhere("COVERED_API_OPERATIONS")
    assert not missing, f"no permission matrix covers {sorted(missing)}: add rows, or see tests/coverage.py"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_permission(client_as, world, operation, persona):
    method, path, body, expected = OPERATIONS[operation]
    assert_permission(client_as(persona), method, fill(path, world), fill(body, world), expected[persona])


# --- What each persona sees in the lists -------------------------------------------------


VISIBLE_VOLUNTEERS = {
    "admin": ["Mehmet Mentor", "Otto Anders", "Vera Volunteer"],
    "coordinator": ["Mehmet Mentor", "Vera Volunteer"],
    "other_programme_coordinator": ["Otto Anders"],
    "volunteer": ["Vera Volunteer"],
    "mentor": ["Mehmet Mentor"],
    "partner": [],
    "funder": [],
    "outsider": [],
}

VISIBLE_PROGRAMMES = {
    "admin": ["family-mentors", "tenants"],
    "coordinator": ["tenants"],
    "other_programme_coordinator": ["family-mentors"],
    "volunteer": ["tenants"],
    "mentor": ["tenants"],
    "partner": ["tenants"],
    "funder": ["tenants"],
    "outsider": [],
}


@pytest.mark.parametrize("persona", VISIBLE_VOLUNTEERS)
def test_volunteer_list_is_scoped(client_as, world, persona):
    body = call(client_as(persona), "get", "/volunteers").json()

    assert sorted(v["full_name"] for v in body["items"]) == VISIBLE_VOLUNTEERS[persona]
    assert body["count"] == len(VISIBLE_VOLUNTEERS[persona])


@pytest.mark.parametrize("persona", VISIBLE_PROGRAMMES)
def test_programme_list_is_scoped(client_as, world, persona):
    body = call(client_as(persona), "get", "/programmes").json()

    assert sorted(p["slug"] for p in body["items"]) == VISIBLE_PROGRAMMES[persona]


@pytest.mark.parametrize(
    ("persona", "has_figures"),
    [
        ("admin", True),
        ("coordinator", True),
        ("funder", True),
        ("volunteer", False),
        ("mentor", False),
        ("partner", False),
    ],
)
def test_only_staff_and_funders_see_programme_figures(client_as, world, persona, has_figures):
    body = call(client_as(persona), "get", "/programmes/tenants").json()

    assert (body["figures"] is not None) == has_figures


def test_a_volunteer_cannot_verify_their_own_training_while_recording_it(client_for, world, volunteer):
    client = client_for(volunteer.user)
    before = database_state()

    response = call(
        client,
        "post",
        f"/volunteers/{volunteer.id}/training",
        {"course": world["induction"], "completed_on": "2025-01-15", "verify": True},
    )

    assert_problem(response, 403)
    assert database_state() == before


def test_a_coordinator_cannot_change_a_status_in_a_programme_they_do_not_coordinate(
    client_for, world, coordinator, other_programme_coordinator, other_programme, volunteer
):
    """Vera also volunteers in the family mentors programme; her tenants' coordinator sees her
    record but not that membership, so to them it does not exist (422), and nothing changes."""
    from timebank.accounts.services.programmes import membership_grant

    membership_grant(
        actor=other_programme_coordinator, user=volunteer.user, programme=other_programme, role="volunteer"
    )
    client = client_for(coordinator)
    before = database_state()

    response = call(
        client,
        "post",
        f"/volunteers/{volunteer.id}/status",
        {"programme": "family-mentors", "status": "left"},
    )

    assert_problem(response, 422, "programme")
    assert database_state() == before


def test_a_coordinator_cannot_record_training_from_another_programmes_catalogue(
    client_for, world, coordinator, other_programme_coordinator, other_programme, volunteer
):
    from timebank.training.services.records import course_create

    theirs = course_create(actor=other_programme_coordinator, programme=other_programme, name="Mentoring basics")
    client = client_for(coordinator)
    before = database_state()

    response = call(
        client,
        "post",
        f"/volunteers/{volunteer.id}/training",
        {"course": theirs.id, "completed_on": "2025-01-15"},
    )

    assert_problem(response, 422, "course")
    assert database_state() == before
