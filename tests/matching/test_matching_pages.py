"""Matching through the pages and the API: who may see and do what (every page and
operation in a matrix, refusals changing nothing), and what a coordinator and a
volunteer see."""

from types import SimpleNamespace

import pytest
from django.test import Client

from matching.models import Match, MatchStatus
from matching.services import batch_run_request, match_propose, task_needs_sync
from matching.task_services import ShiftSpec, task_create
from tests.api_support import SIGNED_IN, assert_permission, expect, fill
from tests.conftest import PERSONAS
from tests.matching_support import at, kitchen_volunteer, next_saturday
from tests.page_support import (
    COORDINATOR_FORM,
    COORDINATOR_PAGE,
    DONE,
    REDIRECT,
    Route,
    assert_page_permission,
    outcomes,
)
from timebank.volunteers.services.profiles import volunteer_update

SATURDAY = ((5, "08:00", "14:00"),)


@pytest.fixture
def world(every_persona, coordinator, programme, volunteer, mentor, today):
    """A kitchen shift next Saturday with no place (so nobody is too far), three places,
    Vera offered it, Nia proposed for it, and a queued batch run."""
    for person in (volunteer, mentor):
        volunteer_update(actor=coordinator, volunteer=person, availability=[list(s) for s in SATURDAY])
    saturday = next_saturday(today)
    task = task_create(
        actor=coordinator,
        programme=programme,
        title="Community kitchen",
        shifts=[ShiftSpec(at(saturday, 9), at(saturday, 13), 3)],
    )
    shift_need = task_needs_sync(actor=coordinator, task=task)[0]
    nia = kitchen_volunteer(coordinator, programme, name="Nia", place=None)
    offer = match_propose(actor=coordinator, need=shift_need, volunteer=volunteer, offer=True)
    proposal = match_propose(actor=coordinator, need=shift_need, volunteer=nia)
    run = batch_run_request(actor=coordinator, programme=programme)
    other = kitchen_volunteer(coordinator, programme, name="Owain", place=None)
    return SimpleNamespace(
        saturday=saturday.isoformat(),
        need=shift_need.pk,
        offer=offer.pk,
        proposal=proposal.pk,
        run=run.pk,
        owain=other.pk,
        nia=nia.pk,
        slug="tenants",
        vera=volunteer.pk,
    )


COORDINATORS_ONLY = outcomes(404, admin=200, coordinator=200)
COORDINATORS_DO = outcomes(404, admin=DONE, coordinator=DONE)
ROUTES = [
    Route(
        "needs",
        "GET",
        "/matching/tenants/",
        outcomes(403, admin=200, coordinator=200, other_programme_coordinator=404, outsider=404),
    ),
    Route("need", "GET", "/matching/needs/{need}/", COORDINATORS_ONLY),
    Route("task-form", "GET", "/matching/tenants/tasks/new/", COORDINATOR_PAGE),
    Route(
        "task-post",
        "POST",
        "/matching/tenants/tasks/new/",
        COORDINATOR_FORM,
        {"title": "Litter pick", "date": "{saturday}", "starts_at": "10:00", "ends_at": "12:00", "headcount": "2"},
    ),
    Route("need-why-not", "GET", "/matching/needs/{need}/?q=Owain", COORDINATORS_ONLY),
    Route("propose", "POST", "/matching/needs/{need}/propose/", COORDINATORS_DO, {"volunteer": "{owain}"}),
    Route("offer", "POST", "/matching/matches/{proposal}/offer/", COORDINATORS_DO),
    Route(
        "exclude",
        "POST",
        "/matching/needs/{need}/exclude/",
        COORDINATORS_DO,
        {"volunteer": "{owain}", "reason": "Cousin"},
    ),
    Route("withdraw", "POST", "/matching/matches/{proposal}/withdraw/", COORDINATORS_DO, {"reason": "Wrong week"}),
    Route(
        "batch-start",
        "POST",
        "/matching/tenants/batch/",
        outcomes(403, admin=DONE, coordinator=DONE, other_programme_coordinator=404, outsider=404),
    ),
    Route(
        "batch-progress",
        "GET",
        "/matching/tenants/batch/progress/?key=x",
        outcomes(403, admin=200, coordinator=200, other_programme_coordinator=404, outsider=404),
    ),
    Route("batch-run", "GET", "/matching/batch-runs/{run}/", COORDINATORS_ONLY),
    Route("batch-offer-all", "POST", "/matching/batch-runs/{run}/offer-all/", COORDINATORS_DO, audited=False),
    Route("my-matches", "GET", "/me/matches/", outcomes(404, volunteer=200, mentor=200)),
    Route("accept", "POST", "/me/matches/{offer}/accept/", outcomes(404, volunteer=DONE)),
    Route("decline", "POST", "/me/matches/{offer}/decline/", outcomes(404, volunteer=DONE), {"reason": "Away"}),
    Route("tasks", "GET", "/me/tasks/", outcomes(404, volunteer=200, mentor=200)),
    Route("signup", "POST", "/me/tasks/{need}/signup/", outcomes(404, mentor=DONE, volunteer=REDIRECT)),
]
COVERED_PAGES = {
    "programme_needs",
    "need_detail",
    "need_propose",
    "task_post",
    "need_exclude",
    "match_action",
    "batch_start",
    "batch_progress_by_key",
    "batch_run",
    "batch_offer_all",
    "my_matches",
    "my_match_answer",
    "task_list",
    "task_signup",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_page_permission_matrix(client_as, world, route: Route, persona: str):
    assert_page_permission(client_as(persona), route, route.expected[persona], world)


def test_every_matching_page_is_in_the_matrix():
    from django.urls import resolve

    from matching.urls import urlpatterns
    from tests.page_support import fill as fill_page

    ids = SimpleNamespace(
        saturday="2026-01-03", need=1, offer=1, proposal=1, run=1, owain=1, nia=1, slug="tenants", vera=1
    )
    tried = {resolve(fill_page(route.path.split("?")[0], ids)).url_name for route in ROUTES}
    assert tried == {pattern.name for pattern in urlpatterns} == COVERED_PAGES


COORDINATING = ("admin", "coordinator")
OPERATIONS = {
    "needs": (
        "get",
        "/matching/programmes/tenants/needs",
        None,
        # One rule for every coordinator's list: 403 for another role in the programme.
        expect(200, allowed=COORDINATING, forbidden=("volunteer", "mentor", "partner", "funder")),
    ),
    "task": (
        "post",
        "/matching/programmes/tenants/tasks",
        {"title": "Litter pick", "shifts": [{"starts_at": "{start}", "ends_at": "{end}", "headcount": 2}]},
        expect(201, allowed=COORDINATING, forbidden=("volunteer", "mentor", "partner", "funder")),
    ),
    "need": ("get", "/matching/needs/{need}", None, expect(200, allowed=COORDINATING)),
    "candidates": ("get", "/matching/needs/{need}/candidates", None, expect(200, allowed=COORDINATING)),
    "why-not": ("get", "/matching/needs/{need}/why-not/{owain}", None, expect(200, allowed=COORDINATING)),
    "matches": ("get", "/matching/needs/{need}/matches", None, expect(200, allowed=COORDINATING)),
    "exclude": (
        "post",
        "/matching/needs/{need}/exclusions",
        {"volunteer": "{owain}", "reason": "Cousin"},
        expect(201, allowed=COORDINATING),
    ),
    "propose": ("post", "/matching/needs/{need}/matches", {"volunteer": "{owain}"}, expect(201, allowed=COORDINATING)),
    "signup": ("post", "/matching/needs/{need}/signup", None, expect(201, allowed=("mentor",), invalid=("volunteer",))),
    "my matches": ("get", "/matching/matches", None, expect(200, allowed=SIGNED_IN)),
    "offer": ("post", "/matching/matches/{proposal}/offer", None, expect(200, allowed=COORDINATING)),
    "accept": ("post", "/matching/matches/{offer}/accept", None, expect(200, allowed=("volunteer",))),
    "decline": ("post", "/matching/matches/{offer}/decline", {"reason": "Away"}, expect(200, allowed=("volunteer",))),
    "activate": ("post", "/matching/matches/{proposal}/activate", None, expect(422, allowed=COORDINATING)),
    "close": ("post", "/matching/matches/{proposal}/close", {"reason": "x"}, expect(422, allowed=COORDINATING)),
    "withdraw": ("post", "/matching/matches/{proposal}/withdraw", {"reason": "x"}, expect(200, allowed=COORDINATING)),
    "batch start": (
        "post",
        "/matching/programmes/tenants/batch-runs",
        {},
        expect(202, allowed=COORDINATING, forbidden=("volunteer", "mentor", "partner", "funder")),
    ),
    "batch list": ("get", "/matching/batch-runs", None, expect(200, allowed=SIGNED_IN)),
    "batch run": ("get", "/matching/batch-runs/{run}", None, expect(200, allowed=COORDINATING)),
}
COVERED_API_OPERATIONS = {
    (
        method,
        "/api/v1"
        + path.replace("tenants", "{slug}")
        .replace("{need}", "{need_id}")
        .replace("{owain}", "{volunteer_id}")
        .replace("{proposal}", "{match_id}")
        .replace("{offer}", "{match_id}")
        .replace("{run}", "{run_id}"),
    )
    for method, path, _b, _e in OPERATIONS.values()
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_api_permission_matrix(client_as, world, today, operation, persona):
    method, path, body, expected = OPERATIONS[operation]
    ids = {
        **vars(world),
        "start": at(next_saturday(today), 15).isoformat(),
        "end": at(next_saturday(today), 16).isoformat(),
    }
    status = expected[persona]
    assert_permission(client_as(persona), method, fill(path, ids), fill(body, ids) if body else body, status)


def test_the_api_matrix_covers_every_matching_operation(db):
    document = Client().get("/api/v1/openapi.json").json()
    matching = {
        (m, p) for p, item in document["paths"].items() for m, op in item.items() if "matching" in op.get("tags", [])
    }
    assert matching == COVERED_API_OPERATIONS


def test_a_coordinator_sees_ranked_candidates_with_reasons_and_why_not(client_as, world, coordinator, programme):
    kitchen_volunteer(coordinator, programme, name="Gwen Far", availability=((0, "09:00", "10:00"),))
    page = client_as("coordinator").get(f"/matching/needs/{world.need}/?q=Gwen").content.decode()

    assert "Owain" in page and "Offer to Owain" in page
    assert "Availability" in page and "Current load" in page
    assert "Gwen Far" in page
    assert "None of their weekly availability overlaps the time of this need." in page
    assert "Offer to Gwen Far" not in page


def test_a_volunteer_accepts_an_offer_on_the_page(client_as, world, volunteer):
    response = client_as("volunteer").post(f"/me/matches/{world.offer}/accept/", follow=True)

    assert "You accepted: Community kitchen." in response.content.decode()
    assert Match.objects.get(pk=world.offer).status == MatchStatus.ACCEPTED


def test_a_double_click_on_accept_accepts_once_and_both_answers_say_so(client_as, world, volunteer):
    from tests.assertions import unchanged

    client = client_as("volunteer")
    page = client.get("/me/matches/").content.decode()
    assert 'name="request_key"' in page
    first = client.post(f"/me/matches/{world.offer}/accept/", {"request_key": "click-1"}, follow=True)

    with unchanged():
        second = client.post(f"/me/matches/{world.offer}/accept/", {"request_key": "click-1"}, follow=True)

    for response in (first, second):
        assert "You accepted: Community kitchen." in response.content.decode()
    assert Match.objects.get(pk=world.offer).status == MatchStatus.ACCEPTED


def test_a_second_accept_without_the_same_key_is_refused_as_out_of_order(client_as, world, volunteer):
    client = client_as("volunteer")
    client.post(f"/me/matches/{world.offer}/accept/", {"request_key": "click-1"})

    second = client.post(f"/me/matches/{world.offer}/accept/", {"request_key": "click-2"}, follow=True)

    assert "cannot be accepted" in second.content.decode()


def test_a_decline_without_a_reason_is_refused_on_the_page_and_changes_nothing(client_as, world):
    from tests.assertions import unchanged

    client = client_as("volunteer")
    with unchanged():
        response = client.post(f"/me/matches/{world.offer}/decline/", {"reason": ""}, follow=True)
    assert "Say why you decline" in response.content.decode()


def test_the_batch_page_shows_what_was_and_was_not_filled(client_as, world, mentor, django_capture_on_commit_callbacks):
    client = client_as("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/matching/tenants/batch/", {"request_key": "k1"})
    page = client.get(started["Location"]).content.decode()
    assert "What was and was not filled, and why" in page
    assert "Community kitchen" in page
    progress = client.get("/matching/tenants/batch/progress/?key=k1").json()
    assert progress["status"] == "done" and progress["progress"] == 100
    # One place was left; the mentor and Owain tie on every component and the lower id wins the tie.
    proposed = Match.objects.filter(status=MatchStatus.PROPOSED, batch_run__isnull=False)
    assert list(proposed.values_list("volunteer_id", flat=True)) == [mentor.pk]


def test_a_coordinator_posts_a_task_and_lands_on_its_candidates(client_as, world, today):
    from matching.models import Need

    saturday = next_saturday(today).isoformat()
    response = client_as("coordinator").post(
        "/matching/tenants/tasks/new/",
        {
            "title": "Litter pick",
            "date": saturday,
            "starts_at": "10:00",
            "ends_at": "12:00",
            "headcount": "2",
            "place_name": "Riverside",
            "latitude": "51.47800",
            "longitude": "-3.18900",
        },
        follow=True,
    )

    need = Need.objects.get(title="Litter pick")
    assert response.redirect_chain == [(f"/matching/needs/{need.pk}/", 302)]
    assert (need.capacity, need.kind, need.latitude) == (2, "shift", 51.478)
    page = response.content.decode()
    assert "Litter pick is posted: here are the best candidates." in page
    # Only Vera lives within reach (the others have no area on their profile), and she is
    # already offered the kitchen, 9:00 to 13:00, which the litter pick clashes with.
    assert "0 eligible of 1 volunteers within reach." in page
    assert "Excluded: at capacity: 1." in page
    assert "Nobody is eligible for this need." in page


def test_a_task_that_ends_before_it_starts_is_refused_next_to_the_date_and_nothing_is_written(client_as, world, today):
    from tests.assertions import unchanged

    client = client_as("coordinator")
    with unchanged():
        response = client.post(
            "/matching/tenants/tasks/new/",
            {
                "title": "Litter pick",
                "date": next_saturday(today).isoformat(),
                "starts_at": "12:00",
                "ends_at": "10:00",
                "headcount": "2",
            },
        )
    assert response.status_code == 200
    assert "Shift 1 ends before it starts." in response.content.decode()
