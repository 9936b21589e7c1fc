"""The mentoring API: every operation in a permission matrix under the confidentiality rule
(another mentor, another programme's coordinator, a funder, a partner: 404 and nothing
written or logged), and a session logged through it becoming one claim."""

import datetime as dt

import pytest
from django.test import Client

from mentoring.models import AccessLog
from mentoring.services import goal_create, mentorship_start, supported_person_create
from tests.api_support import SIGNED_IN, assert_permission, call, expect, fill
from tests.conftest import PERSONAS
from timebank.earning.models import HoursClaim

LEVELS = {"-2": "Notice served", "-1": "Owes rent", "0": "Rent paid", "1": "Paying arrears", "2": "No arrears"}


@pytest.fixture
def world(every_persona, coordinator, programme, mentor, volunteer):
    family = supported_person_create(actor=coordinator, programme=programme, kind="family", reference="Family Y.")
    mentorship = mentorship_start(actor=coordinator, person=family, mentor=mentor)
    goal = goal_create(
        actor=coordinator, mentorship=mentorship, domain="housing", description="Keep the flat", levels=LEVELS
    )
    from mentoring.services import session_log

    session = session_log(
        actor=mentor.user,
        mentorship=mentorship,
        date=dt.date.today(),
        minutes=60,
        mode="remote",
        idempotency_key="world-1",
    )
    return {
        "person": family.pk,
        "mentorship": mentorship.pk,
        "goal": goal.pk,
        "session": session.pk,
        "mentor": mentor.pk,
        "vera": volunteer.pk,
        "today": dt.date.today().isoformat(),
    }


PAIR = ("coordinator", "mentor")
COORDINATOR = ("coordinator",)
OPERATIONS = {
    "people": ("get", "/mentoring/people", None, expect(200, allowed=SIGNED_IN)),
    "person add": (
        "post",
        "/mentoring/programmes/tenants/people",
        {"kind": "individual", "reference": "Mr K."},
        expect(201, allowed=COORDINATOR),
    ),
    "person": ("get", "/mentoring/people/{person}", None, expect(200, allowed=PAIR)),
    "request": (
        "post",
        "/mentoring/people/{person}/requests",
        {},
        expect(201, allowed=COORDINATOR, forbidden=("mentor",)),
    ),
    "export": ("get", "/mentoring/people/{person}/export", None, expect(200, allowed=COORDINATOR)),
    "erase": (
        "post",
        "/mentoring/people/{person}/erase",
        {"reason": "Her request"},
        expect(200, allowed=COORDINATOR, forbidden=("mentor",)),
    ),
    "mentorships": ("get", "/mentoring/mentorships", None, expect(200, allowed=SIGNED_IN)),
    "start": (
        "post",
        "/mentoring/mentorships",
        {"person": "{person}", "mentor": "{vera}"},
        expect(422, allowed=COORDINATOR, forbidden=("mentor",)),
    ),
    "mentorship": ("get", "/mentoring/mentorships/{mentorship}", None, expect(200, allowed=PAIR)),
    "close": (
        "post",
        "/mentoring/mentorships/{mentorship}/close",
        {"reason": "goals_met"},
        expect(200, allowed=COORDINATOR, forbidden=("mentor",)),
    ),
    "check-in": (
        "post",
        "/mentoring/mentorships/{mentorship}/check-ins",
        {"note": "Called"},
        expect(201, allowed=COORDINATOR, forbidden=("mentor",)),
    ),
    "sessions": ("get", "/mentoring/mentorships/{mentorship}/sessions", None, expect(200, allowed=PAIR)),
    "session add": (
        "post",
        "/mentoring/mentorships/{mentorship}/sessions",
        {"date": "{today}", "minutes": 45, "mode": "office", "key": "api-1"},
        expect(201, allowed=PAIR),
    ),
    "session edit": (
        "patch",
        "/mentoring/sessions/{session}",
        {"date": "{today}", "minutes": 75, "mode": "remote"},
        expect(200, allowed=PAIR),
    ),
    "goals": ("get", "/mentoring/mentorships/{mentorship}/goals", None, expect(200, allowed=PAIR)),
    "goal add": (
        "post",
        "/mentoring/mentorships/{mentorship}/goals",
        {"domain": "money", "description": "Debt", "levels": LEVELS},
        expect(201, allowed=PAIR),
    ),
    "review": ("post", "/mentoring/goals/{goal}/reviews", {"level": 1}, expect(201, allowed=PAIR)),
    "summary": ("get", "/mentoring/programmes/tenants/goal-summary", None, expect(200, allowed=COORDINATOR)),
}
COVERED_API_OPERATIONS = {
    (
        method,
        "/api/v1"
        + path.replace("tenants", "{slug}")
        .replace("{person}", "{person_id}")
        .replace("{mentorship}", "{mentorship_id}")
        .replace("{session}", "{session_id}")
        .replace("{goal}", "{goal_id}"),
    )
    for method, path, _b, _e in OPERATIONS.values()
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_mentoring_api_permission_matrix(client_as, world, operation, persona):
    method, path, body, expected = OPERATIONS[operation]
    client = client_as(persona)
    logged = AccessLog.objects.count()
    status = expected[persona]
    assert_permission(
        client,
        method,
        fill(path, world),
        fill(body, world) if body is not None else None,
        status,
        writes=operation != "start",
    )
    if status >= 400:
        assert AccessLog.objects.count() == logged


def test_the_matrix_covers_every_mentoring_operation(db):
    document = Client().get("/api/v1/openapi.json").json()
    mentoring = {
        (m, p) for p, item in document["paths"].items() for m, op in item.items() if "mentoring" in op.get("tags", [])
    }
    assert mentoring == COVERED_API_OPERATIONS


def test_lists_hold_nothing_of_a_person_for_those_who_may_not_see_them(client_as, world):
    for persona in ("other_programme_coordinator", "funder", "partner", "volunteer"):
        client = client_as(persona)
        assert call(client, "get", "/mentoring/people").json() == []
        assert call(client, "get", "/mentoring/mentorships").json() == []


def test_a_session_logged_twice_through_the_api_is_one_claim(client_as, world):
    client = client_as("mentor")
    body = {"date": world["today"], "minutes": 45, "mode": "office", "key": "retry-1"}
    first = call(client, "post", f"/mentoring/mentorships/{world['mentorship']}/sessions", body)
    again = call(client, "post", f"/mentoring/mentorships/{world['mentorship']}/sessions", body)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert HoursClaim.objects.filter(minutes=45).count() == 1
