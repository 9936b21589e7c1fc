"""The spending API: the worked example over HTTP, idempotent retries and 409s, and every
operation against every persona.

In the matrix the target records belong to `volunteer` (Vera) and to the leisure centre,
whose till the `partner` works: Vera's open swim voucher, her membership number, the
tenants' community fund (2 credits in it). A record the caller may not see answers 404;
an action they may not take on a record they see answers 403; a body naming something
they cannot see answers 422. Every refusal leaves every core table and every ledger row
as it was.
"""

from types import SimpleNamespace

import pytest
from django.test import Client

from ledger.models import AccountKind
from ledger.selectors import ledger_verify
from tests.api_support import NON_COORDINATING_ROLES, SIGNED_IN, assert_permission, assert_problem, call, expect, fill
from tests.conftest import PERSONAS
from tests.spending_support import CREDIT, balance, earn, ledger_state, nothing_changes, spending_world
from timebank.spending.models import Gift, Redemption
from timebank.spending.services.gifts import gift_to_fund
from timebank.spending.services.redeem import voucher_issue

VOLUNTEERS = ("volunteer", "mentor")
NOT_VOLUNTEERS = ("admin", "coordinator", "other_programme_coordinator", "partner", "funder", "outsider")
HER_COORDINATORS = ("admin", "coordinator")

# name: (method, path, body, expected status per persona)
OPERATIONS = {
    "offer list": ("get", "/offers", None, expect(200, allowed=SIGNED_IN)),
    "voucher take": (
        "post",
        "/vouchers",
        {"offer": "{swim}"},
        expect(201, allowed=VOLUNTEERS, forbidden=NOT_VOLUNTEERS),
    ),
    "voucher list": ("get", "/vouchers", None, expect(200, allowed=SIGNED_IN)),
    "voucher cancel": (
        "post",
        "/vouchers/{voucher_id}/cancel",
        {"reason": "Changed my mind"},
        expect(200, allowed=("volunteer", *HER_COORDINATORS)),
    ),
    "voucher confirm": (
        "post",
        "/vouchers/confirm",
        {"code": "{code}"},
        expect(200, allowed=("partner",), everyone_else=403),
    ),
    "voucher confirm at a venue": (
        "post",
        "/vouchers/confirm",
        {"code": "{code}", "venue": "{pool}"},
        expect(200, allowed=("partner",), forbidden=HER_COORDINATORS, everyone_else=422),
    ),
    "venue list": ("get", "/venues", None, expect(200, allowed=SIGNED_IN)),
    "member lookup": (
        "get",
        "/venues/{venue_id}/members/{number}",
        None,
        expect(200, allowed=("partner",), forbidden=HER_COORDINATORS),
    ),
    "till redeem": (
        "post",
        "/venues/{venue_id}/redemptions",
        {"membership_number": "{number}", "offer": "{swim}"},
        expect(201, allowed=("partner",), forbidden=HER_COORDINATORS),
    ),
    "redemption list": (
        "get",
        "/venues/{venue_id}/redemptions",
        None,
        expect(200, allowed=("partner", *HER_COORDINATORS)),
    ),
    "redemptions by month": (
        "get",
        "/venues/{venue_id}/redemptions/by-month",
        None,
        expect(200, allowed=("partner", *HER_COORDINATORS)),
    ),
    "gift": (
        "post",
        "/gifts",
        {"programme": "tenants", "to": "fund", "minutes": 30},
        expect(201, allowed=VOLUNTEERS, forbidden=NOT_VOLUNTEERS),
    ),
    "fund detail": (
        "get",
        "/programmes/{slug}/fund",
        None,
        expect(200, allowed=HER_COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
    "fund grant": (
        "post",
        "/programmes/{slug}/fund/grants",
        {"membership_number": "{number}", "minutes": 30},
        expect(201, allowed=HER_COORDINATORS, forbidden=NON_COORDINATING_ROLES),
    ),
}

# Declared for the suite-wide coverage checks (tests/coverage.py).
COVERED_API_OPERATIONS = {(method, "/api/v1" + path) for method, path, _, _ in OPERATIONS.values()}


@pytest.fixture
def world(every_persona, coordinator, volunteer, mentor, partner, programme):
    """The pool and the cinema; Vera and the mentor with 5 credits each; 2 credits in the
    community fund; Vera's open swim voucher."""
    places = spending_world(coordinator=coordinator, programme=programme, partner=partner)
    earn(programme, volunteer, 5 * CREDIT)
    earn(programme, mentor, 5 * CREDIT)
    gift_to_fund(actor=mentor.user, giver=mentor, programme=programme, minutes=2 * CREDIT)
    voucher = voucher_issue(actor=volunteer.user, volunteer=volunteer, offer=places.swim)
    return SimpleNamespace(
        **vars(places),
        voucher=voucher,
        ids={
            "swim": places.swim.pk,
            "film": places.film.pk,
            "pool": places.pool.pk,
            "cinema": places.cinema.pk,
            "venue_id": places.pool.pk,
            "voucher_id": voucher.pk,
            "slug": "tenants",
            "code": voucher.code,
            "number": volunteer.membership_number,
        },
    )


def test_the_matrix_covers_every_spending_operation(db):
    document = Client().get("/api/v1/openapi.json").json()
    spending = {
        (method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "spending" in operation.get("tags", [])
    }

    assert {(method, "/api/v1" + path) for method, path, _, _ in OPERATIONS.values()} == spending


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_permission(client_as, world, operation, persona):
    method, path, body, expected = OPERATIONS[operation]
    status = expected[persona]

    assert_permission(client_as(persona), method, fill(path, world.ids), fill(body, world.ids), status)

    if status < 400 and method != "get":
        assert ledger_verify().ok


# --- The worked example over HTTP ------------------------------------------------------------


def test_take_retry_conflict_confirm_and_refuse_a_second_confirmation(client_for, world, programme, volunteer, partner):
    vera, till = client_for(volunteer.user), client_for(partner)
    earn(programme, volunteer, 2 * CREDIT)  # 7 credits, 2 of them held by the open voucher: 5 to spend

    first = call(vera, "post", "/vouchers", {"offer": world.swim.pk}, HTTP_IDEMPOTENCY_KEY="swim-a")
    assert first.status_code == 201, first.content
    voucher = first.json()
    assert (voucher["status"], voucher["price_minutes"], voucher["venue_name"]) == (
        "issued",
        120,
        "Splash Leisure Centre",
    )
    assert balance(programme, volunteer=volunteer) == 3 * CREDIT

    with nothing_changes():
        retry = call(vera, "post", "/vouchers", {"offer": world.swim.pk}, HTTP_IDEMPOTENCY_KEY="swim-a")
    assert (retry.status_code, retry.json()) == (201, voucher)
    with nothing_changes():
        conflict = call(vera, "post", "/vouchers", {"offer": world.film.pk}, HTTP_IDEMPOTENCY_KEY="swim-a")
    assert_problem(conflict, 409, "Idempotency-Key")

    confirmed = call(till, "post", "/vouchers/confirm", {"code": voucher["code"].lower()})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["voucher_code"] == voucher["code"]
    assert (confirmed.json()["cash_value"], confirmed.json()["currency"]) == ("4.50", "GBP")
    assert (balance(programme, venue=world.pool), balance(programme, kind=AccountKind.HELD)) == (120, 120)
    with nothing_changes():
        again = call(till, "post", "/vouchers/confirm", {"code": voucher["code"]})
    assert "This voucher was already used on" in assert_problem(again, 422, "code")["errors"][0]["message"]
    with nothing_changes():
        cancel = call(vera, "post", f"/vouchers/{voucher['id']}/cancel", {})
    assert_problem(cancel, 422, "voucher")

    mine = call(vera, "get", "/vouchers").json()
    assert [v["status"] for v in mine["items"]] == ["redeemed", "issued"]
    assert ledger_verify().ok


def test_a_confirmation_retried_with_its_key_returns_the_first_and_pays_once(client_for, world, programme, partner):
    till = client_for(partner)
    body = {"code": world.voucher.code, "venue": world.pool.pk}

    first = call(till, "post", "/vouchers/confirm", body, HTTP_IDEMPOTENCY_KEY="scan-1")
    with nothing_changes():
        retry = call(till, "post", "/vouchers/confirm", body, HTTP_IDEMPOTENCY_KEY="scan-1")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert balance(programme, venue=world.pool) == 120


def test_a_cancellation_gives_the_credits_back_once_and_a_retry_returns_it(client_for, world, programme, volunteer):
    vera = client_for(volunteer.user)
    path = f"/vouchers/{world.voucher.pk}/cancel"

    first = call(vera, "post", path, {"reason": "Pool closed"}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    with nothing_changes():
        retry = call(vera, "post", path, {"reason": "Pool closed"}, HTTP_IDEMPOTENCY_KEY="cancel-1")
        plain_again = call(vera, "post", path, {})

    assert (first.status_code, first.json()["status"]) == (200, "cancelled")
    assert retry.json() == first.json()
    assert_problem(plain_again, 422, "voucher")
    assert balance(programme, volunteer=volunteer) == 5 * CREDIT


def test_the_till_looks_up_name_and_balance_only_and_a_double_submit_pays_once(
    client_for, world, programme, volunteer, mentor, partner
):
    till = client_for(partner)

    member = call(till, "get", f"/venues/{world.pool.pk}/members/{volunteer.membership_number.lower()}").json()
    assert member == {
        "name": "Vera Volunteer",
        "membership_number": volunteer.membership_number,
        "balance_minutes": 180,
        "balance": "3 credits",
    }
    sale = {"membership_number": volunteer.membership_number, "offer": world.swim.pk}
    first = call(till, "post", f"/venues/{world.pool.pk}/redemptions", sale, HTTP_IDEMPOTENCY_KEY="sale-1")
    with nothing_changes():
        retry = call(till, "post", f"/venues/{world.pool.pk}/redemptions", sale, HTTP_IDEMPOTENCY_KEY="sale-1")
        conflict = call(
            till,
            "post",
            f"/venues/{world.pool.pk}/redemptions",
            {**sale, "membership_number": mentor.membership_number},
            HTTP_IDEMPOTENCY_KEY="sale-1",
        )

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert_problem(conflict, 409, "Idempotency-Key")
    assert balance(programme, volunteer=volunteer) == 60
    assert Redemption.objects.count() == 1
    listed = call(till, "get", f"/venues/{world.pool.pk}/redemptions").json()["items"]
    assert set(listed[0]) == {
        "id",
        "offer",
        "offer_title",
        "venue",
        "membership_number",
        "voucher_code",
        "price_minutes",
        "cash_value",
        "currency",
        "redeemed_at",
    }
    months = call(till, "get", f"/venues/{world.pool.pk}/redemptions/by-month").json()
    assert [(m["redemptions"], m["minutes"], m["currency"]) for m in months] == [(1, 120, "GBP")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"membership_number": "TB9999999", "offer": "{swim}"}, "membership_number"),
        ({"membership_number": "{number}", "offer": "{film}"}, "offer"),
        ({"membership_number": "{number}", "offer": 999999}, "offer"),
        ({"membership_number": "{number}", "offer": "{swim}", "extra": 1}, None),
    ],
    ids=["unknown-member", "other-venues-offer", "no-such-offer", "short-balance-after-two"],
)
def test_refused_till_redemptions_change_nothing(client_for, world, partner, body, field):
    till = client_for(partner)
    if field is None:
        # Vera has 3 credits to spend; one swim leaves 1, the next is refused.
        call(till, "post", f"/venues/{world.pool.pk}/redemptions", fill(body, world.ids))
        field = "offer"

    with nothing_changes():
        response = call(till, "post", f"/venues/{world.pool.pk}/redemptions", fill(body, world.ids))

    assert_problem(response, 422, field)


def test_gifts_retries_conflicts_and_refusals(client_for, world, programme, volunteer, mentor):
    vera = client_for(volunteer.user)
    gift = {"programme": "tenants", "to": "member", "membership_number": mentor.membership_number, "minutes": 60}

    first = call(vera, "post", "/gifts", gift, HTTP_IDEMPOTENCY_KEY="g-1")
    assert first.status_code == 201, first.content
    assert first.json()["to"] == "member" and first.json()["membership_number"] == mentor.membership_number
    with nothing_changes():
        retry = call(vera, "post", "/gifts", gift, HTTP_IDEMPOTENCY_KEY="g-1")
        conflict = call(vera, "post", "/gifts", {**gift, "minutes": 90}, HTTP_IDEMPOTENCY_KEY="g-1")
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert_problem(conflict, 409, "Idempotency-Key")
    assert Gift.objects.filter(giver=volunteer).count() == 1

    refusals = [
        ({**gift, "membership_number": volunteer.membership_number}, "membership_number"),
        ({**gift, "membership_number": "TB0000000"}, "membership_number"),
        ({**gift, "membership_number": None}, "membership_number"),
        ({**gift, "minutes": 0}, "minutes"),
        ({**gift, "minutes": -60}, "minutes"),
        ({**gift, "minutes": 10 * CREDIT}, "minutes"),
        ({**gift, "programme": "family-mentors"}, "programme"),
        ({**gift, "to": "friend"}, "to"),
    ]
    for body, field in refusals:
        with nothing_changes():
            assert_problem(call(vera, "post", "/gifts", body), 422, field)
    with nothing_changes():
        long_key = call(vera, "post", "/gifts", gift, HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert_problem(long_key, 422, "Idempotency-Key")


def test_a_grant_from_the_fund_is_made_once_and_refused_when_the_fund_is_short(
    client_for, world, programme, coordinator, volunteer
):
    staff = client_for(coordinator)
    grant = {"membership_number": volunteer.membership_number, "minutes": 90, "message": "Bus fare"}

    first = call(staff, "post", "/programmes/tenants/fund/grants", grant, HTTP_IDEMPOTENCY_KEY="grant-1")
    with nothing_changes():
        retry = call(staff, "post", "/programmes/tenants/fund/grants", grant, HTTP_IDEMPOTENCY_KEY="grant-1")
        short = call(staff, "post", "/programmes/tenants/fund/grants", grant, HTTP_IDEMPOTENCY_KEY="grant-2")

    assert (first.status_code, retry.status_code) == (201, 201)
    problem = assert_problem(short, 422, "minutes")
    assert problem["errors"][0]["message"] == "Not enough credits: 1.5 credits needed, 0.5 credits available."
    assert call(staff, "get", "/programmes/tenants/fund").json() == {
        "programme": "tenants",
        "balance_minutes": 30,
        "balance": "0.5 credits",
    }


def test_offers_list_shows_what_a_volunteer_may_take(client_for, world, volunteer, partner):
    offers = call(client_for(volunteer.user), "get", "/offers").json()

    assert [(o["title"], o["price"], o["cash_value"], o["currency"]) for o in offers["items"]] == [
        ("Film", "3 credits", "8.00", "GBP"),
        ("Swim", "2 credits", "4.50", "GBP"),
    ]
    assert call(client_for(partner), "get", "/offers").json()["count"] == 0
    assert [v["name"] for v in call(client_for(partner), "get", "/venues").json()["items"]] == ["Splash Leisure Centre"]


def test_nothing_written_by_refused_calls_reaches_the_ledger(client_for, world, volunteer):
    before = ledger_state()
    call(client_for(volunteer.user), "post", "/vouchers", {"offer": 999999})
    assert ledger_state() == before
