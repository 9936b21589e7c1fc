"""The earning API: worked examples, idempotent retries, refusals as problem+json,
and every operation against every persona."""

import pytest
from django.test import Client

from ledger.models import AccountKind, Transaction
from ledger.selectors import balance_of, ledger_verify
from tests.api_support import (
    NON_COORDINATING_ROLES,
    ROLE_HOLDERS,
    SIGNED_IN,
    assert_permission,
    assert_problem,
    call,
    expect,
    fill,
)
from tests.assertions import unchanged
from tests.conftest import PERSONAS
from tests.spending_support import balance
from timebank.earning.models import HoursClaim
from timebank.earning.services.activities import activity_create
from timebank.earning.services.claims import claim_approve, claim_log


def key(value: str) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": value}


# --- Worked examples --------------------------------------------------------------------------


def test_a_tenant_logs_two_and_a_half_hours_and_a_coordinator_approves(
    client_for, programme, coordinator, volunteer, activities, yesterday
):
    logged = call(
        client_for(volunteer.user),
        "post",
        "/claims",
        {"activity": activities["meeting"].pk, "date": yesterday.isoformat(), "minutes": 150, "note": "Minutes"},
    )
    assert logged.status_code == 201, logged.content
    claim = logged.json()
    assert (claim["status"], claim["credited_minutes"], claim["credits"], claim["transaction"]) == (
        "pending",
        150,
        "2.5 credits",
        None,
    )

    approved = call(client_for(coordinator), "post", f"/claims/{claim['id']}/approve")

    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert (body["status"], body["decided_by"], body["approved_automatically"]) == (
        "approved",
        "Coordinator Person",
        False,
    )
    assert Transaction.objects.get(pk=body["transaction"]).occurred_on == yesterday
    assert balance(programme, volunteer=volunteer) == 150
    assert balance_of(kind=AccountKind.ISSUER, scope_id=programme.pk) == -150
    assert ledger_verify().ok


def test_a_fixed_article_and_an_automatic_event(client_for, programme, volunteer, activities, today):
    client = client_for(volunteer.user)

    article = call(client, "post", "/claims", {"activity": activities["article"].pk, "date": str(today), "minutes": 45})
    event = call(client, "post", "/claims", {"activity": activities["event"].pk, "date": str(today), "minutes": 120})

    assert (article.json()["credited_minutes"], article.json()["status"]) == (120, "pending")
    assert (event.json()["status"], event.json()["approved_automatically"]) == ("approved", True)
    assert balance(programme, volunteer=volunteer) == 120


def test_a_claim_for_a_session_needs_only_the_session(client_for, volunteer, march_meeting):
    response = call(client_for(volunteer.user), "post", "/claims", {"session": march_meeting.pk})

    assert response.status_code == 201, response.content
    assert (response.json()["date"], response.json()["minutes"], response.json()["activity_name"]) == (
        march_meeting.date.isoformat(),
        90,
        "Tenants' meeting",
    )


def test_a_coordinator_logs_hours_for_a_volunteer(client_for, coordinator, volunteer, activities, today):
    response = call(
        client_for(coordinator),
        "post",
        "/claims",
        {"activity": activities["meeting"].pk, "date": str(today), "minutes": 60, "volunteer": volunteer.pk},
    )

    assert response.status_code == 201, response.content
    assert (response.json()["volunteer"], response.json()["source"]) == (volunteer.pk, "coordinator")


# --- Idempotent retries ----------------------------------------------------------------------------


def test_a_retried_claim_with_the_same_key_returns_the_first_one(client_for, volunteer, activities, today):
    client = client_for(volunteer.user)
    body = {"activity": activities["meeting"].pk, "date": str(today), "minutes": 150}
    first = call(client, "post", "/claims", body, **key("tablet-42"))

    with unchanged():
        retry = call(client, "post", "/claims", body, **key("tablet-42"))

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()


def test_the_same_key_for_another_claim_answers_409(client_for, volunteer, activities, today):
    client = client_for(volunteer.user)
    call(
        client,
        "post",
        "/claims",
        {"activity": activities["meeting"].pk, "date": str(today), "minutes": 150},
        **key("k1"),
    )

    with unchanged():
        response = call(
            client,
            "post",
            "/claims",
            {"activity": activities["meeting"].pk, "date": str(today), "minutes": 120},
            **key("k1"),
        )

    assert_problem(response, 409, "Idempotency-Key")


def test_a_new_key_does_not_make_a_second_claim_for_the_same_day(client_for, volunteer, activities, today):
    client = client_for(volunteer.user)
    body = {"activity": activities["meeting"].pk, "date": str(today), "minutes": 150}
    call(client, "post", "/claims", body, **key("k1"))

    with unchanged():
        response = call(client, "post", "/claims", body, **key("k2"))

    assert_problem(response, 422, "activity")


def test_an_overlong_key_is_refused(client_for, volunteer, activities, today):
    client = client_for(volunteer.user)
    with unchanged():
        response = call(
            client,
            "post",
            "/claims",
            {"activity": activities["meeting"].pk, "date": str(today), "minutes": 60},
            **key("x" * 101),
        )

    assert_problem(response, 422, "Idempotency-Key")


def test_approving_twice_pays_once_and_a_retry_with_the_key_returns_the_claim(
    client_for, programme, coordinator, admin, volunteer, activities, today
):
    claim = claim_log(actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=today, minutes=60)
    client = client_for(coordinator)
    first = call(client, "post", f"/claims/{claim.pk}/approve", **key("approve-7"))

    with unchanged():
        retry = call(client, "post", f"/claims/{claim.pk}/approve", **key("approve-7"))
        plain = call(client, "post", f"/claims/{claim.pk}/approve")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert_problem(plain, 422, "status")
    assert balance(programme, volunteer=volunteer) == 60


# --- Decisions, bulk approval and the register ----------------------------------------------------------


def test_a_rejection_needs_a_reason_and_is_shown_to_the_volunteer(
    client_for, coordinator, volunteer, activities, today
):
    claim = claim_log(actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=today, minutes=60)
    client = client_for(coordinator)

    with unchanged():
        empty = call(client, "post", f"/claims/{claim.pk}/reject", {"reason": " "})
    assert_problem(empty, 422, "reason")

    call(client, "post", f"/claims/{claim.pk}/reject", {"reason": "No meeting today."})
    mine = call(client_for(volunteer.user), "get", "/claims").json()["items"]
    assert [(c["status"], c["rejection_reason"]) for c in mine] == [("rejected", "No meeting today.")]


def test_bulk_approval_reports_each_claim(
    client_for, programme, admin, coordinator, volunteer, mentor, activities, yesterday, today
):
    first = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=yesterday, minutes=150
    )
    second = claim_log(actor=mentor.user, volunteer=mentor, activity=activities["article"], date=today, minutes=45)
    decided = claim_log(actor=mentor.user, volunteer=mentor, activity=activities["meeting"], date=today, minutes=30)
    claim_approve(actor=admin, claim=decided)

    response = call(
        client_for(coordinator),
        "post",
        "/claims/bulk-approve",
        {"claims": [first.pk, second.pk, decided.pk, 999999]},
        **key("bulk-1"),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["id"] for c in body["approved"]] == [first.pk, second.pk]
    assert body["credited_minutes"] == 270
    refused = {item["claim"]: item["reason"] for item in body["refused"]}
    assert set(refused) == {decided.pk, 999999}
    assert "it was approved" in refused[decided.pk]
    assert refused[999999] == "Not found, or not yours to decide."
    assert balance(programme, volunteer=volunteer) == 150 and balance(programme, volunteer=mentor) == 120 + 30
    assert ledger_verify().ok


def test_the_register_twice_credits_once(client_for, programme, coordinator, volunteer, mentor, march_meeting):
    client = client_for(coordinator)
    body = {"volunteers": [volunteer.pk, mentor.pk]}
    first = call(client, "post", f"/sessions/{march_meeting.pk}/attendance", body)

    with unchanged():
        again = call(client, "post", f"/sessions/{march_meeting.pk}/attendance", body)

    assert first.status_code == again.status_code == 200
    assert (len(first.json()["credited_now"]), first.json()["credited_minutes"]) == (2, 180)
    assert again.json()["credited_now"] == [] and again.json()["already_credited"] == first.json()["credited_now"]
    assert [c["id"] for c in again.json()["claims"]] == [c["id"] for c in first.json()["claims"]]
    assert balance(programme, volunteer=volunteer) == balance(programme, volunteer=mentor) == 90


def test_the_register_refuses_someone_who_is_not_an_active_volunteer(
    client_for, coordinator, volunteer, partner, other_volunteer, march_meeting
):
    client = client_for(coordinator)
    with unchanged():
        response = call(
            client,
            "post",
            f"/sessions/{march_meeting.pk}/attendance",
            {"volunteers": [volunteer.pk, other_volunteer.pk]},
        )

    assert_problem(response, 422, "volunteers")


def test_the_programmes_queue_lists_pending_claims_oldest_first(
    client_for, coordinator, volunteer, mentor, activities, yesterday, today
):
    later = claim_log(actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=today, minutes=30)
    earlier = claim_log(actor=mentor.user, volunteer=mentor, activity=activities["meeting"], date=yesterday, minutes=60)
    claim_log(actor=mentor.user, volunteer=mentor, activity=activities["event"], date=today, minutes=60)  # automatic

    body = call(client_for(coordinator), "get", "/programmes/tenants/claims").json()
    everything = call(client_for(coordinator), "get", "/programmes/tenants/claims", {"status": "all"}).json()

    assert [c["id"] for c in body["items"]] == [earlier.pk, later.pk]
    assert everything["count"] == 3


# --- Refusals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2999-01-01", "minutes": 60}, "date"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"minutes": None}, "minutes"),
        ({"activity": None}, "activity"),
        ({"activity": "{garden}"}, "activity"),
        ({"session": 999999}, "session"),
        ({"volunteer": "{otto}"}, "volunteer"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_a_refused_claim_names_the_field_and_changes_nothing(
    client_for, volunteer, other_volunteer, other_programme_coordinator, other_programme, activities, today, body, field
):
    garden = activity_create(actor=other_programme_coordinator, programme=other_programme, name="Garden day")
    fill = {"{garden}": garden.pk, "{otto}": other_volunteer.pk}
    payload = {"activity": activities["meeting"].pk, "date": str(today), "minutes": 60}
    payload.update({name: fill.get(value, value) for name, value in body.items()})
    client = client_for(volunteer.user)

    with unchanged():
        response = call(client, "post", "/claims", payload)

    assert_problem(response, 422, field)


def test_logging_for_someone_else_without_the_right_is_forbidden(client_for, volunteer, mentor, activities, today):
    """Mehmet can see his own record only: naming Vera is naming someone he cannot see."""
    client = client_for(mentor.user)
    with unchanged():
        response = call(
            client,
            "post",
            "/claims",
            {"activity": activities["meeting"].pk, "date": str(today), "minutes": 60, "volunteer": volunteer.pk},
        )

    assert_problem(response, 422, "volunteer")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credit_rule": "fixed"}, "fixed_minutes"),
        ({"fixed_minutes": 60}, "fixed_minutes"),
        ({"name": "Tenants' meeting"}, "name"),
        ({"auto_approve_max_minutes": 2000}, "auto_approve_max_minutes"),
        ({"credit_rule": "per_visit"}, "credit_rule"),
    ],
)
def test_a_refused_activity_names_the_field(client_for, coordinator, activities, body, field):
    client = client_for(coordinator)
    with unchanged():
        response = call(client, "post", "/programmes/tenants/activities", {"name": "Focus group", **body})

    assert_problem(response, 422, field)


def test_a_session_of_another_programmes_activity_is_refused(
    client_for, coordinator, other_programme_coordinator, other_programme, activities, today
):
    garden = activity_create(actor=other_programme_coordinator, programme=other_programme, name="Garden day")
    client = client_for(coordinator)
    with unchanged():
        response = call(
            client,
            "post",
            "/programmes/tenants/sessions",
            {"activity": garden.pk, "date": str(today), "duration_minutes": 60},
        )

    assert_problem(response, 422, "activity")


# --- Every operation against every persona ------------------------------------------------------------


COORDINATORS = ("admin", "coordinator")

# name: (method, path, body, expected status per persona, whether an allowed call writes)
OPERATIONS = {
    "activity list": ("get", "/programmes/tenants/activities", None, expect(200, allowed=ROLE_HOLDERS)),
    "activity add": (
        "post",
        "/programmes/tenants/activities",
        {"name": "Focus group"},
        expect(201, allowed=COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
    "session list": ("get", "/programmes/tenants/sessions", None, expect(200, allowed=ROLE_HOLDERS)),
    "session add": (
        "post",
        "/programmes/tenants/sessions",
        {"activity": "{meeting}", "date": "{today}", "duration_minutes": 60},
        expect(201, allowed=COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
    "my claims": ("get", "/claims", None, expect(200, allowed=SIGNED_IN)),
    "programme claims": (
        "get",
        "/programmes/tenants/claims",
        None,
        expect(200, allowed=COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
    # Everyone signed in may log hours for themselves; those without a volunteer record, or
    # with no active membership in the activity's programme, are refused on the field.
    "claim add": (
        "post",
        "/claims",
        {"activity": "{event}", "date": "{today}", "minutes": 60},
        expect(
            201,
            allowed=("volunteer", "mentor"),
            invalid=("admin", "coordinator", "partner", "funder", "other_programme_coordinator", "outsider"),
        ),
    ),
    "claim detail": ("get", "/claims/{claim}", None, expect(200, allowed=("admin", "coordinator", "volunteer"))),
    "claim approve": (
        "post",
        "/claims/{claim}/approve",
        None,
        expect(200, allowed=COORDINATORS, forbidden=("volunteer",)),
    ),
    "claim reject": (
        "post",
        "/claims/{claim}/reject",
        {"reason": "Not on the sign-in sheet"},
        expect(200, allowed=COORDINATORS, forbidden=("volunteer",)),
    ),
    # A coordinator of another programme gets an answer, in which the claim is "not found".
    "bulk approve": (
        "post",
        "/claims/bulk-approve",
        {"claims": ["{claim}"]},
        expect(
            200,
            allowed=(*COORDINATORS, "other_programme_coordinator"),
            forbidden=(*NON_COORDINATING_ROLES, "outsider"),
        ),
    ),
    "attendance": (
        "post",
        "/sessions/{session}/attendance",
        {"volunteers": ["{mentor}"]},
        expect(200, allowed=COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
}

COVERED_API_OPERATIONS = {
    ("get", "/api/v1/programmes/{slug}/activities"),
    ("post", "/api/v1/programmes/{slug}/activities"),
    ("get", "/api/v1/programmes/{slug}/sessions"),
    ("post", "/api/v1/programmes/{slug}/sessions"),
    ("get", "/api/v1/claims"),
    ("post", "/api/v1/claims"),
    ("get", "/api/v1/programmes/{slug}/claims"),
    ("get", "/api/v1/claims/{claim_id}"),
    ("post", "/api/v1/claims/{claim_id}/approve"),
    ("post", "/api/v1/claims/{claim_id}/reject"),
    ("post", "/api/v1/claims/bulk-approve"),
    ("post", "/api/v1/sessions/{session_id}/attendance"),
}


def test_the_matrix_covers_every_earning_operation(db):
    document = Client().get("/api/v1/openapi.json").json()
    template = {"{claim}": "{claim_id}", "{session}": "{session_id}", "tenants": "{slug}"}
    tried = set()
    for method, path, _, _ in OPERATIONS.values():
        for placeholder, name in template.items():
            path = path.replace(placeholder, name)
        tried.add((method, "/api/v1" + path))

    assert tried == COVERED_API_OPERATIONS
    assert {(m, p) for p, item in document["paths"].items() for m in item} >= COVERED_API_OPERATIONS


@pytest.fixture
def world(every_persona, volunteer, mentor, other_volunteer, activities, march_meeting, yesterday, today):
    claim = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=yesterday, minutes=150
    )
    return {
        "claim": claim.pk,
        "session": march_meeting.pk,
        "mentor": mentor.pk,
        "meeting": activities["meeting"].pk,
        "event": activities["event"].pk,
        "today": today.isoformat(),
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_permission(client_as, world, operation, persona):
    method, path, body, expected = OPERATIONS[operation]
    status = expected[persona]
    # The claim is not theirs: their bulk approval reports it, and changes nothing.
    only_reports = persona == "other_programme_coordinator" and method != "get" and status < 400

    response = assert_permission(
        client_as(persona), method, fill(path, world), fill(body, world), status, writes=not only_reports
    )

    if only_reports:
        assert response.json()["refused"][0]["reason"] == "Not found, or not yours to decide."


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("admin", 1),
        ("coordinator", 1),
        ("volunteer", 1),
        ("mentor", 0),
        ("other_programme_coordinator", 0),
        ("partner", 0),
        ("funder", 0),
        ("outsider", 0),
    ],
)
def test_claims_are_seen_by_their_volunteer_and_coordinators_only(client_as, world, persona, visible):
    client = client_as(persona)

    found = call(client, "get", f"/claims/{world['claim']}")
    mine = call(client, "get", "/claims").json()

    assert found.status_code == (200 if visible else 404)
    assert mine["count"] == (1 if persona == "volunteer" else 0)
    assert HoursClaim.objects.count() == 1
