"""The mentoring pages: who may see and do what, and what a refused person learns (nothing)."""

import datetime as dt
from types import SimpleNamespace

import pytest

from mentoring.models import AccessLog, MentoringSession
from mentoring.services import goal_create, mentorship_start, session_log, supported_person_create
from tests.assertions import unchanged
from tests.conftest import PERSONAS
from tests.page_support import DONE, Route, assert_page_permission, outcomes

LEVELS = {"-2": "Notice served", "-1": "Owes rent", "0": "Rent paid", "1": "Paying arrears", "2": "No arrears"}


@pytest.fixture
def world(every_persona, coordinator, programme, mentor):
    family = supported_person_create(actor=coordinator, programme=programme, kind="family", reference="Family Y.")
    mentorship = mentorship_start(actor=coordinator, person=family, mentor=mentor)
    goal = goal_create(
        actor=coordinator, mentorship=mentorship, domain="housing", description="Keep the flat", levels=LEVELS
    )
    session = session_log(
        actor=mentor.user,
        mentorship=mentorship,
        date=dt.date.today(),
        minutes=60,
        mode="office",
        idempotency_key="page-world",
    )
    second = supported_person_create(actor=coordinator, programme=programme, kind="individual", reference="Mr K.")
    return SimpleNamespace(
        second_person=second.pk,
        mentor=mentor.pk,
        session=session.pk,
        person=family.pk,
        mentorship=mentorship.pk,
        goal=goal.pk,
        today=dt.date.today().isoformat(),
    )


THE_PAIR = outcomes(404, coordinator=200, mentor=200)
THE_PAIR_DO = outcomes(404, coordinator=DONE, mentor=DONE)
COORDINATOR_DOES = outcomes(404, coordinator=DONE, mentor=403)
ROUTES = [
    Route("my-mentorships", "GET", "/me/mentorships/", outcomes(200)),
    Route(
        "programme-list",
        "GET",
        "/mentoring/tenants/",
        outcomes(403, admin=200, coordinator=200, other_programme_coordinator=404, outsider=404),
    ),
    Route(
        "start-form",
        "GET",
        "/mentoring/tenants/new/",
        outcomes(403, admin=200, coordinator=200, other_programme_coordinator=404, outsider=404),
    ),
    Route(
        "start",
        "POST",
        "/mentoring/tenants/new/",
        outcomes(403, coordinator=DONE, admin=200, other_programme_coordinator=404, outsider=404),
        {"person": "{second_person}", "mentor": "{mentor}", "starts_on": "{today}"},
    ),
    Route("mentorship", "GET", "/mentorships/{mentorship}/", THE_PAIR),
    Route("session-form", "GET", "/mentorships/{mentorship}/sessions/new/", THE_PAIR),
    Route(
        "session-log",
        "POST",
        "/mentorships/{mentorship}/sessions/new/",
        THE_PAIR_DO,
        {"date": "{today}", "hours": "1", "minutes": "0", "mode": "home_visit", "key": "k-{mentorship}"},
    ),
    Route("session-edit-form", "GET", "/sessions/{session}/edit/", THE_PAIR),
    Route(
        "session-edit",
        "POST",
        "/sessions/{session}/edit/",
        THE_PAIR_DO,
        {"date": "{today}", "hours": "2", "minutes": "0", "mode": "remote", "key": "edit"},
    ),
    Route("goal-form", "GET", "/mentorships/{mentorship}/goals/new/", THE_PAIR),
    Route(
        "goal-add",
        "POST",
        "/mentorships/{mentorship}/goals/new/",
        THE_PAIR_DO,
        {
            "domain": "money",
            "description": "Pay the arrears",
            "weight": "1",
            "baseline_level": "-1",
            "level_m2": "a",
            "level_m1": "b",
            "level_0": "c",
            "level_p1": "d",
            "level_p2": "e",
        },
    ),
    Route("review-form", "GET", "/mentorships/{mentorship}/review/", THE_PAIR),
    Route("review", "POST", "/mentorships/{mentorship}/review/", THE_PAIR_DO, {"level-{goal}": "1"}),
    Route("check-in", "POST", "/mentorships/{mentorship}/check-ins/", COORDINATOR_DOES, {"note": "Called Mehmet"}),
    Route(
        "erase",
        "POST",
        "/people/{person}/erase/",
        outcomes(404, coordinator=DONE, mentor=403),
        {"reason": "Her request"},
    ),
    Route("export", "GET", "/people/{person}/export.json", outcomes(404, coordinator=200)),
    Route("close", "POST", "/mentorships/{mentorship}/close/", COORDINATOR_DOES, {"reason": "goals_met"}),
]
COVERED_PAGES = {
    "my_mentorships",
    "mentorship_new",
    "programme_mentorships",
    "mentorship_detail",
    "session_new",
    "goal_new",
    "goals_review",
    "check_in_new",
    "mentorship_close",
    "person_export",
    "person_erase",
    "session_edit",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_mentoring_page_permission_matrix(client_as, world, route, persona):
    client = client_as(persona)
    logged_before = AccessLog.objects.count()
    assert_page_permission(client, route, route.expected[persona], world)
    if route.expected[persona] == 404:
        assert AccessLog.objects.count() == logged_before  # a refused look is not a view


def test_every_mentoring_page_is_in_the_matrix():
    from django.urls import resolve

    from mentoring.urls import urlpatterns
    from tests.page_support import fill

    ids = SimpleNamespace(second_person=1, mentor=1, session=1, person=1, mentorship=1, goal=1, today="2026-01-01")
    tried = {resolve(fill(route.path, ids)).url_name for route in ROUTES}
    assert tried == {pattern.name for pattern in urlpatterns} == COVERED_PAGES


def test_a_refused_review_says_why_and_records_nothing(client_as, world):
    from tests.assertions import unchanged

    client = client_as("mentor")
    with unchanged():
        response = client.post(f"/mentorships/{world.mentorship}/review/", {})
    assert response.status_code == 422
    assert "Choose the level reached for at least one goal." in response.content.decode()


def test_the_mentorship_page_shows_the_t_score_after_a_review(client_as, world):
    client = client_as("mentor")
    client.post(f"/mentorships/{world.mentorship}/review/", {f"level-{world.goal}": "2"})

    page = client.get(f"/mentorships/{world.mentorship}/").content.decode()

    # One goal: from -1 (40.00) to +2 (70.00).
    assert "Goal Attainment T-score at the start: 40.00." in page
    assert "<strong data-t-score>70.00</strong>" in page
    assert AccessLog.objects.filter(viewer__username="mentor", what="mentorship").count() >= 2


def test_the_export_holds_everything_about_the_person(client_as, world):
    mentor = client_as("mentor")
    mentor.post(
        f"/mentorships/{world.mentorship}/sessions/new/",
        {
            "date": world.today,
            "hours": "1",
            "minutes": "15",
            "mode": "home_visit",
            "notes": "Kitchen table talk",
            "key": "export-1",
        },
    )
    mentor.post(
        f"/mentorships/{world.mentorship}/review/", {f"level-{world.goal}": "1", f"note-{world.goal}": "Rent paid"}
    )

    response = client_as("coordinator").get(f"/people/{world.person}/export.json")

    assert response["Content-Disposition"] == f'attachment; filename="person-{world.person}.json"'
    data = response.json()
    assert set(data) == {
        "person",
        "risk_flags",
        "household",
        "consents",
        "requests_for_a_mentor",
        "mentorships",
        "access_log",
    }
    assert data["person"]["reference"] == "Family Y."
    (mentorship,) = data["mentorships"]
    assert {
        "date": world.today,
        "minutes": 75,
        "mode": "home_visit",
        "notes": "Kitchen table talk",
        "next_steps": "",
    } in mentorship["sessions"]
    assert len(mentorship["sessions"]) == 2  # and the world's own session
    assert mentorship["goals"][0]["reviews"] == [{"on": world.today, "level": 1, "note": "Rent paid"}]
    assert {"viewer": "coordinator", "what": "export"} in [
        {k: v for k, v in entry.items() if k != "at"} for entry in data["access_log"]
    ]


def test_a_session_form_sent_twice_logs_one_session_and_a_changed_resend_gets_a_new_token(client_as, world):
    mentor = client_as("mentor")
    path = f"/mentorships/{world.mentorship}/sessions/new/"
    form = {"date": world.today, "hours": "1", "minutes": "0", "mode": "home_visit", "key": "form-token"}
    first = mentor.post(path, form)

    with unchanged():
        again = mentor.post(path, form)
        # Back to the sent form, the time changed, sent again: refused, with a new token to send.
        changed = mentor.post(path, {**form, "minutes": "30"})

    assert first.status_code == again.status_code == 302
    page = changed.content.decode()
    assert "This form already logged a session; send it again to log another one." in page
    assert 'value="form-token"' not in page
    assert MentoringSession.objects.filter(mentorship_id=world.mentorship).count() == 2  # the world's and this one
