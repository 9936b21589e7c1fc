"""The impact pages and API: who may ask for, see and download statements, and who may
enter a programme's costs, outcome values and narrative."""

import datetime as dt
import functools
import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import resolve

from impact.building import statement_build
from impact.models import ImpactNarrative, OutcomeRecord, OutcomeValue, ProgrammeCost, RequestStatus, StatementRequest
from impact.services import outcome_value_add, statement_request
from tests.api_support import assert_permission, assert_problem, call, expect
from tests.api_support import fill as fill_api
from tests.assertions import unchanged
from tests.conftest import PERSONAS
from tests.page_support import COORDINATOR_FORM, COORDINATOR_PAGE, DONE, Route, assert_page_permission, outcomes
from tests.page_support import fill as fill_page

START, END = "2026-01-01", "2026-03-31"


@functools.cache
def _rendered(figures_text: str, checksum: str, built_on: dt.date) -> bytes:
    from impact.documents import statement_pdf

    return statement_pdf(json.loads(figures_text), checksum=checksum, built_on=built_on)


@pytest.fixture
def world(every_persona, funder, coordinator, programme, monkeypatch):
    """A statement the funder asked for and that is built, and a recorded outcome.

    Every world's statement has the same figures (they hold no ids), so the real renderer
    draws its PDF once per test process and the other worlds reuse those bytes."""
    import impact.building

    monkeypatch.setattr(
        impact.building,
        "statement_pdf",
        lambda figures, *, checksum, built_on: _rendered(
            impact.building.figures_json(figures), checksum=checksum, built_on=built_on
        ),
    )
    asked = statement_request(actor=funder, programmes=[programme], start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    statement_build(request_id=asked.pk)
    outcome = outcome_value_add(
        actor=coordinator, programme=programme, name="Panel place", basis="recorded", unit_value="150.00",
        source="Paid focus-group place",
    )  # fmt: skip
    return SimpleNamespace(asked=asked.pk, outcome=outcome.pk, start=START, end=END)


REPORTERS = outcomes(403, admin=200, coordinator=200, funder=200, other_programme_coordinator=200)
THE_FUNDER = outcomes(404, admin=200, funder=200)
ROUTES = [
    Route("statements", "GET", "/impact/", REPORTERS),
    Route(
        "ask",
        "POST",
        "/impact/",
        # The other programme's coordinator may not choose the tenants' programme: the form says so.
        outcomes(403, admin=DONE, coordinator=DONE, funder=DONE, other_programme_coordinator=422),
        {"programme": "tenants", "start": "{start}", "end": "{end}"},
    ),
    Route("statement", "GET", "/impact/statements/{asked}/", THE_FUNDER),
    Route("download", "GET", "/impact/statements/{asked}/statement.pdf", THE_FUNDER),
    Route("inputs", "GET", "/impact/tenants/inputs/", COORDINATOR_PAGE),
    Route(
        "cost",
        "POST",
        "/impact/tenants/costs/",
        COORDINATOR_FORM,
        {"category": "training", "description": "Course", "incurred_on": "2026-02-01", "amount": "250.00"},
    ),
    Route(
        "outcome",
        "POST",
        "/impact/tenants/outcomes/",
        COORDINATOR_FORM,
        {
            "name": "Eviction avoided",
            "basis": "mentorships_goals_met",
            "unit_value": "8000",
            "deadweight_percent": "30",
            "attribution_percent": "25",
            "source": "City housing office",
        },
    ),
    Route(
        "record",
        "POST",
        "/impact/tenants/outcomes/{outcome}/records/",
        COORDINATOR_FORM,
        {"occurred_on": "2026-02-01", "count": "3"},
    ),
    Route(
        "narrative",
        "POST",
        "/impact/tenants/narrative/",
        COORDINATOR_FORM,
        {"start": "{start}", "end": "{end}", "narrative": "The garden opened.", "case_study": ""},
    ),
]
COVERED_PAGES = {
    "impact_statements",
    "impact_statement",
    "impact_download",
    "impact_inputs",
    "impact_cost_new",
    "impact_outcome_new",
    "impact_outcome_record_new",
    "impact_narrative",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_impact_page_permission_matrix(client_as, world, route, persona):
    assert_page_permission(client_as(persona), route, route.expected[persona], world)


def test_every_impact_page_is_in_the_matrix():
    from impact.urls import urlpatterns

    ids = SimpleNamespace(asked=1, outcome=1, start=START, end=END)
    tried = {resolve(fill_page(route.path, ids)).url_name for route in ROUTES}
    assert tried == {pattern.name for pattern in urlpatterns} == COVERED_PAGES


OPERATIONS = {
    "ask": (
        "post",
        "/impact/statements",
        {"programmes": ["tenants"], "start": START, "end": END},
        expect(202, allowed=("admin", "coordinator", "funder"), forbidden=("volunteer", "mentor", "partner")),
    ),
    "list": ("get", "/impact/statements", None, expect(200, allowed=(*PERSONAS[:-1],))),
    "status": ("get", "/impact/statements/{asked}", None, expect(200, allowed=("admin", "funder"))),
    "download": ("get", "/impact/statements/{asked}/download/pdf", None, expect(200, allowed=("admin", "funder"))),
}
COVERED_API_OPERATIONS = {
    ("post", "/api/v1/impact/statements"),
    ("get", "/api/v1/impact/statements"),
    ("get", "/api/v1/impact/statements/{statement_id}"),
    ("get", "/api/v1/impact/statements/{statement_id}/download/{kind}"),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_impact_api_permission_matrix(client_as, world, operation, persona):
    method, path, body, expected = OPERATIONS[operation]
    ids = {"asked": world.asked}
    assert_permission(client_as(persona), method, fill_api(path, ids), fill_api(body, ids), expected[persona])


def test_the_matrix_covers_every_impact_operation(db):
    document = Client().get("/api/v1/openapi.json").json()
    impact = {
        (m, p) for p, item in document["paths"].items() for m, op in item.items() if "impact" in op.get("tags", [])
    }
    assert impact == COVERED_API_OPERATIONS


# --- The funder's journey ----------------------------------------------------------------


def test_a_funder_asks_waits_and_downloads_on_the_pages(
    client_for, funder, programme, django_capture_on_commit_callbacks
):
    client = client_for(funder)
    page = client.get("/impact/").content.decode()
    assert "Build the statement" in page and "Tenants&#x27; time credits" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/impact/", {"programme": "tenants", "start": START, "end": END})
    assert response.status_code == 302
    status_page = client.get(response["Location"]).content.decode()
    assert "The statement is ready." in status_page and "Download the PDF" in status_page
    asked = StatementRequest.objects.get()
    pdf = client.get(f"/impact/statements/{asked.pk}/statement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert bytes(pdf.content).startswith(b"%PDF-")
    as_json = client.get(f"/impact/statements/{asked.pk}/statement.json")
    assert json.loads(as_json.content)["programmes"][0]["slug"] == "tenants"
    csv = client.get(f"/impact/statements/{asked.pk}/statement.csv")
    assert csv.content.decode().startswith("# Timebank impact statement")
    listed = client.get("/impact/").content.decode()
    assert f"/impact/statements/{asked.pk}/statement.pdf" in listed


def test_while_it_is_built_the_page_refreshes_itself_and_shows_progress(client_for, funder, programme):
    asked = statement_request(actor=funder, programmes=[programme], start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    page = client_for(funder).get(f"/impact/statements/{asked.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="progress" max="100" value="0">' in page
    download = client_for(funder).get(f"/impact/statements/{asked.pk}/statement.pdf")
    assert download.status_code == 302 and download["Location"] == f"/impact/statements/{asked.pk}/"


def test_a_funder_of_two_programmes_may_ask_for_both_at_once(
    admin, funder, programme, other_programme, client_for, django_capture_on_commit_callbacks
):
    from timebank.accounts.models import Role
    from timebank.accounts.services.programmes import membership_grant

    membership_grant(actor=admin, user=funder, programme=other_programme, role=Role.FUNDER)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(funder).post("/impact/", {"programme": "all", "start": START, "end": END})
    asked = StatementRequest.objects.get()
    assert asked.status == RequestStatus.READY
    assert sorted(p["slug"] for p in json.loads(asked.statement.figures_json)["programmes"]) == sorted(
        [programme.slug, other_programme.slug]
    )


def test_a_bad_period_on_the_page_names_the_field_and_asks_for_nothing(client_for, funder, programme):
    client = client_for(funder)
    with unchanged():
        response = client.post("/impact/", {"programme": "tenants", "start": END, "end": START})
    assert response.status_code == 422
    assert "The end of the period must not be before its start." in response.content.decode()


def test_the_page_says_when_the_hourly_limit_is_reached(client_for, funder, programme, settings):
    settings.IMPACT_REQUESTS_PER_HOUR = 1
    client = client_for(funder)
    client.post("/impact/", {"programme": "tenants", "start": START, "end": END})
    with unchanged():
        response = client.post("/impact/", {"programme": "tenants", "start": START, "end": END})
    assert response.status_code == 429
    assert "You asked for 1 statements in the last hour" in response.content.decode()


def test_a_bad_cost_names_the_field_and_records_nothing(client_for, coordinator, programme):
    client = client_for(coordinator)
    with unchanged():
        response = client.post(
            "/impact/tenants/costs/", {"category": "training", "description": "Course", "incurred_on": "2026-02-01"}
        )
    assert response.status_code == 422
    assert 'id="id_amount-error"' in response.content.decode()


def test_a_coordinator_enters_what_the_statement_weighs(client_for, coordinator, programme):
    client = client_for(coordinator)
    client.post(
        "/impact/tenants/costs/",
        {"category": "support", "description": "Travel", "incurred_on": "2026-02-01", "amount": "80.50"},
    )
    client.post(
        "/impact/tenants/narrative/", {"start": START, "end": END, "narrative": "Busy spring.", "case_study": "A story"}
    )
    client.post("/impact/tenants/narrative/", {"start": START, "end": END, "narrative": "A busier spring."})
    cost = ProgrammeCost.objects.get()
    assert (cost.amount.amount, str(cost.amount.currency), cost.created_by) == (80.50, "GBP", coordinator)
    assert list(ImpactNarrative.objects.values_list("narrative", flat=True)) == ["A busier spring."]
    page = client.get("/impact/tenants/inputs/").content.decode()
    assert "Travel" in page and "A busier spring." in page


def test_a_count_cannot_be_entered_for_an_outcome_counted_from_the_records(client_for, coordinator, programme):
    outcome = outcome_value_add(
        actor=coordinator, programme=programme, name="Goal achieved", basis="goals_achieved", unit_value="900",
        source="Evaluation",
    )  # fmt: skip
    client = client_for(coordinator)
    with unchanged():
        response = client.post(
            f"/impact/tenants/outcomes/{outcome.pk}/records/", {"occurred_on": "2026-02-01", "count": "2"}
        )
    assert response.status_code == 422
    assert "counted from the programme&#x27;s records" in response.content.decode()
    assert not OutcomeRecord.objects.exists() and OutcomeValue.objects.count() == 1


# --- The API journey -----------------------------------------------------------------------


def test_the_api_asks_polls_and_downloads(client_for, funder, programme, django_capture_on_commit_callbacks):
    client = client_for(funder)
    with django_capture_on_commit_callbacks(execute=True):
        asked = call(client, "post", "/impact/statements", {"start": START, "end": END})
    assert asked.status_code == 202 and asked.json()["programmes"] == ["tenants"]  # every programme funded
    status = call(client, "get", f"/impact/statements/{asked.json()['id']}").json()
    assert status["status"] == "ready" and status["progress"] == 100 and len(status["checksum"]) == 64
    document = call(client, "get", f"/impact/statements/{status['id']}/download/json")
    assert document.status_code == 200
    from impact.documents import checksum_of

    assert checksum_of(document.content.decode()) == status["checksum"]
    assert [s["id"] for s in call(client, "get", "/impact/statements").json()] == [status["id"]]


def test_the_api_says_a_statement_is_not_ready_yet(client_for, funder, programme):
    asked = statement_request(actor=funder, programmes=[programme], start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    response = call(client_for(funder), "get", f"/impact/statements/{asked.pk}/download/pdf")
    assert_problem(response, 409)


def test_the_api_refuses_a_bad_period_and_too_many_requests(client_for, funder, programme, settings):
    client = client_for(funder)
    with unchanged():
        assert_problem(call(client, "post", "/impact/statements", {"start": END, "end": START}), 422, "end")
    settings.IMPACT_REQUESTS_PER_HOUR = 1
    call(client, "post", "/impact/statements", {"start": START, "end": END})
    with unchanged():
        response = call(client, "post", "/impact/statements", {"start": START, "end": END})
    assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 3601
