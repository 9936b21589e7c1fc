"""The spending pages: Vera takes a swim voucher, the leisure centre confirms it at the till
on a phone, she gives the rest away; the till redeems by membership number; coordinators
set up venues, offers and grants from the community fund.

And who may open which page: every spending URL against every persona. Anonymous people
are sent to sign in; people who may not see a record get a 404; people who see it but may
not act on it get a 403. A refused request, and every GET, leaves every core table and
every ledger row as it was; an allowed POST redirects and writes its audit entry.
"""

import re
from types import SimpleNamespace

import pytest
from django.urls import resolve

from ledger.models import AccountKind
from ledger.selectors import ledger_verify
from tests.browser_support import PHONE, sign_in
from tests.conftest import PERSONAS
from tests.page_support import (
    COORDINATOR_FORM,
    COORDINATOR_PAGE,
    DONE,
    OWN_FORM,
    OWN_PAGE,
    Route,
    assert_page_permission,
    fill,
    outcomes,
)
from tests.spending_support import CREDIT, balance, earn, nothing_changes, spending_world
from timebank.accounts.services.programmes import account_create, membership_grant
from timebank.spending.models import Gift, Offer, PartnerVenue, Redemption, Voucher, VoucherStatus
from timebank.spending.services.gifts import gift_to_fund
from timebank.spending.services.redeem import voucher_issue
from timebank.spending.urls import urlpatterns
from timebank.spending.views import partners as partner_views
from timebank.spending.views import spending as spending_views
from timebank.volunteers.views.card import qr_svg

VERAS_PAGE = outcomes(404, volunteer=200)
VERAS_FORM = outcomes(404, volunteer=DONE)
TILL_PAGE = outcomes(404, partner=200, admin=403, coordinator=403)
TILL_FORM = outcomes(404, partner=DONE, admin=403, coordinator=403)
DASHBOARD = outcomes(404, partner=200, admin=200, coordinator=200)


OFFER_DATA = {
    "title": "Sauna",
    "price": "1.5",
    "cash_value": "3.00",
    "starts_on": "2025-01-01",
    "active": "on",
}

ROUTES = [
    # A volunteer's own pages.
    Route("offers", "GET", "/me/offers/", OWN_PAGE),
    Route("voucher-take", "POST", "/me/offers/{swim}/voucher/", OWN_FORM, {"token": "matrix"}),
    Route("vouchers", "GET", "/me/vouchers/", OWN_PAGE),
    Route("voucher", "GET", "/me/vouchers/{voucher}/", VERAS_PAGE),
    Route("voucher-cancel", "POST", "/me/vouchers/{voucher}/cancel/", VERAS_FORM),
    Route("gifts", "GET", "/me/gifts/", OWN_PAGE),
    Route(
        "gift",
        "POST",
        "/me/gifts/",
        OWN_FORM,
        {"programme": "{programme}", "recipient": "fund", "minutes": "0.5", "token": "matrix"},
    ),
    # Partner staff at the till.
    Route("partner-home", "GET", "/partner/", outcomes(404, partner=200)),
    Route("confirm-page", "GET", "/venues/{pool}/confirm/?code={code}", TILL_PAGE),
    Route("confirm", "POST", "/venues/{pool}/confirm/", TILL_FORM, {"code": "{code}"}),
    Route("till-page", "GET", "/venues/{pool}/till/?number={number}", TILL_PAGE),
    Route(
        "till-redeem",
        "POST",
        "/venues/{pool}/till/",
        TILL_FORM,
        {"membership_number": "{number}", "offer": "{swim}", "token": "matrix"},
    ),
    Route("redemptions", "GET", "/venues/{pool}/redemptions/", DASHBOARD),
    Route("cinema-redemptions", "GET", "/venues/{cinema}/redemptions/", outcomes(404, admin=200, coordinator=200)),
    # Coordinators: venues, staff, offers and the fund.
    Route("partners", "GET", "/programmes/tenants/partners/", COORDINATOR_PAGE),
    Route(
        "venue-create",
        "POST",
        "/programmes/tenants/partners/",
        COORDINATOR_FORM,
        {"name": "Central Library", "category": "learning", "active": "on"},
    ),
    Route("venue", "GET", "/programmes/tenants/partners/{pool}/", COORDINATOR_PAGE),
    Route(
        "venue-edit",
        "POST",
        "/programmes/tenants/partners/{pool}/",
        COORDINATOR_FORM,
        {"name": "Splash!", "category": "sport", "active": "on"},
    ),
    Route(
        "staff-add", "POST", "/programmes/tenants/partners/{pool}/staff/", COORDINATOR_FORM, {"user": "{new_partner}"}
    ),
    Route("offer-new-page", "GET", "/programmes/tenants/partners/{pool}/offers/new/", COORDINATOR_PAGE),
    Route("offer-new", "POST", "/programmes/tenants/partners/{pool}/offers/new/", COORDINATOR_FORM, OFFER_DATA),
    Route("offer-edit-page", "GET", "/programmes/tenants/offers/{swim}/edit/", COORDINATOR_PAGE),
    Route(
        "offer-edit",
        "POST",
        "/programmes/tenants/offers/{swim}/edit/",
        COORDINATOR_FORM,
        {**OFFER_DATA, "title": "Swim and sauna"},
    ),
    Route("fund", "GET", "/programmes/tenants/fund/", COORDINATOR_PAGE),
    Route(
        "fund-grant",
        "POST",
        "/programmes/tenants/fund/",
        COORDINATOR_FORM,
        {"membership_number": "{number}", "minutes": "1", "token": "matrix"},
    ),
    Route(
        "other-programme-partners",
        "GET",
        "/programmes/family-mentors/partners/",
        outcomes(404, admin=200, other_programme_coordinator=200),
    ),
]

# Declared for the suite-wide coverage check (tests/coverage.py); the test below keeps it true.
COVERED_PAGES = {
    "my_offers",
    "my_voucher_take",
    "my_vouchers",
    "my_voucher",
    "my_voucher_cancel",
    "my_gifts",
    "partner_home",
    "venue_confirm",
    "venue_till",
    "venue_redemptions",
    "programme_partners",
    "partner_venue",
    "partner_venue_staff_add",
    "offer_new",
    "offer_edit",
    "programme_fund",
}


@pytest.fixture
def world(every_persona, admin, coordinator, volunteer, mentor, partner, programme, other_programme):
    """The pool (the partner's till) and the cinema; Vera and the mentor with 5 credits each;
    2 credits in the community fund; Vera's open swim voucher; a second partner-role holder
    not yet on any staff."""
    places = spending_world(coordinator=coordinator, programme=programme, partner=partner)
    earn(programme, volunteer, 5 * CREDIT)
    earn(programme, mentor, 5 * CREDIT)
    gift_to_fund(actor=mentor.user, giver=mentor, programme=programme, minutes=2 * CREDIT)
    voucher = voucher_issue(actor=volunteer.user, volunteer=volunteer, offer=places.swim)
    new_partner = account_create(actor=admin, username="cashier", password="x-Long-Passw0rd!", full_name="Cass Ier")
    membership_grant(actor=admin, user=new_partner, programme=programme, role="partner")
    return SimpleNamespace(
        **vars(places),
        voucher=voucher,
        ids=SimpleNamespace(
            swim=places.swim.pk,
            pool=places.pool.pk,
            cinema=places.cinema.pk,
            voucher=voucher.pk,
            code=voucher.code,
            number=volunteer.membership_number,
            programme=programme.pk,
            new_partner=new_partner.pk,
        ),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_permission_matrix(client_as, world, route: Route, persona: str):
    assert_page_permission(client_as(persona), route, route.expected[persona], world.ids)


def test_every_spending_page_is_in_the_matrix():
    """A spending page added to timebank/spending/urls.py without a row here fails this test."""
    spending = {
        pattern.name
        for pattern in urlpatterns
        if getattr(pattern.callback, "__module__", "") in (partner_views.__name__, spending_views.__name__)
    }
    ids = SimpleNamespace(**dict.fromkeys(["swim", "pool", "cinema", "voucher", "code", "number"], 1))
    tried = {resolve(fill(route.path, ids).split("?")[0]).url_name for route in ROUTES}
    assert spending == tried == COVERED_PAGES


# --- The worked example, through the pages ----------------------------------------------------


@pytest.fixture
def places(coordinator, programme, partner):
    return spending_world(coordinator=coordinator, programme=programme, partner=partner)


def test_the_worked_example_through_the_pages(client_for, programme, places, volunteer, mentor, partner):
    earn(programme, volunteer, 5 * CREDIT)
    vera, till = client_for(volunteer.user), client_for(partner)

    offers = vera.get("/me/offers/")
    assert "Swim" in offers.content.decode() and "2 credits" in offers.content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', offers.content.decode()).group(1)
    taken = vera.post(f"/me/offers/{places.swim.pk}/voucher/", {"token": token})
    voucher = Voucher.objects.get()
    assert taken["Location"] == f"/me/vouchers/{voucher.pk}/"
    # A double tap on the button takes one voucher.
    again = vera.post(f"/me/offers/{places.swim.pk}/voucher/", {"token": token})
    assert again["Location"] == f"/me/vouchers/{voucher.pk}/"
    assert Voucher.objects.count() == 1
    assert (balance(programme, volunteer=volunteer), balance(programme, kind=AccountKind.HELD)) == (180, 120)

    page = vera.get(f"/me/vouchers/{voucher.pk}/").content.decode()
    assert voucher.code in page
    # The QR code holds the address of the venue's confirmation page, with the code.
    assert qr_svg(f"http://testserver/venues/{places.pool.pk}/confirm/?code={voucher.code}") in page

    # The partner's phone scans the QR code: the confirmation page opens with the code filled in.
    confirm_page = till.get(f"/venues/{places.pool.pk}/confirm/?code={voucher.code}").content.decode()
    assert f'value="{voucher.code}"' in confirm_page
    assert 'name="viewport"' in confirm_page
    confirmed = till.post(f"/venues/{places.pool.pk}/confirm/", {"code": voucher.code}, follow=True)
    assert "Confirmed: Swim for Vera Volunteer, 2 credits." in confirmed.content.decode()
    assert (balance(programme, venue=places.pool), balance(programme, kind=AccountKind.HELD)) == (120, 0)
    with nothing_changes():
        twice = till.post(f"/venues/{places.pool.pk}/confirm/", {"code": voucher.code})
    assert twice.status_code == 200
    assert "This voucher was already used on" in twice.content.decode()

    form = vera.get("/me/gifts/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', form).group(1)
    gift = {
        "programme": programme.pk,
        "recipient": "member",
        "membership_number": mentor.membership_number,
        "minutes": "3",
        "token": token,
    }
    given = vera.post("/me/gifts/", gift, follow=True)
    assert "You gave 3 credits to another member." in given.content.decode()
    vera.post("/me/gifts/", gift)  # the same form sent twice gives once
    assert (balance(programme, volunteer=volunteer), balance(programme, volunteer=mentor)) == (0, 180)
    assert Gift.objects.count() == 1
    assert "Vera" not in client_for(mentor.user).get("/me/gifts/").content.decode().split("Your gifts")[-1]
    assert ledger_verify().ok


def test_a_refused_voucher_says_why_on_the_offers_page(client_for, programme, places, volunteer):
    earn(programme, volunteer, CREDIT)
    vera = client_for(volunteer.user)

    with nothing_changes():
        response = vera.post(f"/me/offers/{places.swim.pk}/voucher/", {"token": "t1"}, follow=True)

    assert "Not enough credits: 2 credits needed, 1 credit available." in response.content.decode()


def test_a_volunteer_cancels_a_voucher_and_gets_the_credits_back(client_for, programme, places, volunteer):
    earn(programme, volunteer, 5 * CREDIT)
    voucher = voucher_issue(actor=volunteer.user, volunteer=volunteer, offer=places.swim)
    vera = client_for(volunteer.user)

    response = vera.post(f"/me/vouchers/{voucher.pk}/cancel/", follow=True)

    assert "Voucher cancelled: 2 credits are back in your balance." in response.content.decode()
    assert balance(programme, volunteer=volunteer) == 5 * CREDIT
    with nothing_changes():
        again = vera.post(f"/me/vouchers/{voucher.pk}/cancel/", follow=True)
    assert "This voucher was cancelled." in again.content.decode()
    assert "Cancelled" in vera.get("/me/vouchers/").content.decode()


def test_the_till_looks_a_member_up_shows_name_and_balance_only_and_redeems_once(
    client_for, programme, places, volunteer, partner
):
    earn(programme, volunteer, 5 * CREDIT)
    volunteer.phone = "029 2000 1234"
    volunteer.save()
    till = client_for(partner)

    looked_up = till.get(f"/venues/{places.pool.pk}/till/", {"number": volunteer.membership_number.lower()})
    page = looked_up.content.decode()
    assert "Vera Volunteer" in page and "Balance: 5 credits" in page
    assert "029 2000 1234" not in page and "vera@example.org" not in page and "Riverside" not in page
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    sale = {"membership_number": volunteer.membership_number, "offer": places.swim.pk, "token": token}
    done = till.post(f"/venues/{places.pool.pk}/till/", sale, follow=True)
    assert "Redeemed: Swim for Vera Volunteer, 2 credits." in done.content.decode()
    till.post(f"/venues/{places.pool.pk}/till/", sale)  # a double tap
    assert Redemption.objects.count() == 1
    assert balance(programme, volunteer=volunteer) == 3 * CREDIT

    with nothing_changes():
        unknown = till.get(f"/venues/{places.pool.pk}/till/", {"number": "TB9999999"})
    assert "No active member of Tenants&#x27; time credits has this number." in unknown.content.decode()

    dashboard = till.get(f"/venues/{places.pool.pk}/redemptions/").content.decode()
    assert "GBP" in dashboard or "£4.50" in dashboard
    assert volunteer.membership_number in dashboard and "Vera" not in dashboard


def test_a_short_balance_at_the_till_is_refused_on_the_page(client_for, programme, places, volunteer, partner):
    earn(programme, volunteer, CREDIT)
    till = client_for(partner)
    sale = {"membership_number": volunteer.membership_number, "offer": places.swim.pk, "token": "t-1"}

    with nothing_changes():
        response = till.post(f"/venues/{places.pool.pk}/till/", sale)

    assert response.status_code == 200
    assert "Not enough credits: 2 credits needed, 1 credit available." in response.content.decode()


def test_coordinators_add_a_venue_its_staff_an_offer_and_grant_from_the_fund(
    client_for, admin, programme, coordinator, mentor, volunteer
):
    cashier = account_create(actor=admin, username="cashier", password="x-Long-Passw0rd!", full_name="Cass Ier")
    membership_grant(actor=admin, user=cashier, programme=programme, role="partner")
    staff = client_for(coordinator)

    staff.post("/programmes/tenants/partners/", {"name": "Chapter Cinema", "category": "culture", "active": "on"})
    venue = PartnerVenue.objects.get()
    assert "Cass Ier" in staff.get(f"/programmes/tenants/partners/{venue.pk}/").content.decode()
    staff.post(f"/programmes/tenants/partners/{venue.pk}/staff/", {"user": cashier.pk})
    assert list(venue.staff.values_list("user__username", flat=True)) == ["cashier"]
    created = staff.post(
        f"/programmes/tenants/partners/{venue.pk}/offers/new/",
        {**OFFER_DATA, "title": "Film", "price": "2.5", "monthly_limit_per_person": "2"},
    )
    assert created.status_code == 302
    offer = Offer.objects.get()
    assert (offer.price_minutes, str(offer.cash_value.currency), offer.monthly_limit_per_person) == (150, "GBP", 2)

    with nothing_changes():
        bad_price = staff.post(f"/programmes/tenants/offers/{offer.pk}/edit/", {**OFFER_DATA, "price": "0.01"})
        bad_dates = staff.post(f"/programmes/tenants/offers/{offer.pk}/edit/", {**OFFER_DATA, "ends_on": "2024-01-01"})
    assert (bad_price.status_code, bad_dates.status_code) == (200, 200)
    assert "Give credits in whole minutes" in bad_price.content.decode()
    assert "The last day cannot be before the first day." in bad_dates.content.decode()

    earn(programme, mentor, 5 * CREDIT)
    gift_to_fund(actor=mentor.user, giver=mentor, programme=programme, minutes=2 * CREDIT)
    fund_page = staff.get("/programmes/tenants/fund/").content.decode()
    assert "2 credits" in fund_page
    token = re.search(r'name="token" value="([0-9a-f]+)"', fund_page).group(1)
    grant = {"membership_number": volunteer.membership_number, "minutes": "1.5", "token": token}
    granted = staff.post("/programmes/tenants/fund/", grant, follow=True)
    assert f"Granted 1.5 credits to member {volunteer.membership_number}." in granted.content.decode()
    staff.post("/programmes/tenants/fund/", grant)
    assert balance(programme, volunteer=volunteer) == 90
    with nothing_changes():
        short = staff.post(
            "/programmes/tenants/fund/",
            {"membership_number": volunteer.membership_number, "minutes": "5", "token": "another"},
        )
    assert "Not enough credits: 5 credits needed, 0.5 credits available." in short.content.decode()


def test_the_navigation_leads_each_persona_to_their_spending_pages(client_for, programme, places, volunteer, partner):
    assert "/me/offers/" in client_for(volunteer.user).get("/").content.decode()
    assert "/partner/" in client_for(partner).get("/").content.decode()
    home = client_for(partner).get("/partner/").content.decode()
    assert f"/venues/{places.pool.pk}/confirm/" in home
    assert f"/venues/{places.cinema.pk}/" not in home


def test_an_issued_voucher_page_is_the_holders_alone(client_for, programme, places, volunteer, mentor):
    earn(programme, volunteer, 5 * CREDIT)
    voucher = voucher_issue(actor=volunteer.user, volunteer=volunteer, offer=places.swim)

    assert client_for(mentor.user).get(f"/me/vouchers/{voucher.pk}/").status_code == 404
    assert voucher.status == VoucherStatus.ISSUED


# --- On a phone, in a real browser -------------------------------------------------------------


@pytest.mark.browser
def test_on_phones_vera_shows_her_voucher_and_the_pool_scans_and_confirms_it(
    browser,
    live_server,
    programme,
    places,
    volunteer,
    partner,
    tmp_path,
):
    from playwright.sync_api import expect

    earn(programme, volunteer, 5 * CREDIT)
    vera = browser.new_context(viewport=PHONE).new_page()
    sign_in(vera, live_server.url, "volunteer")
    vera.goto(live_server.url + "/me/offers/")
    vera.locator("li", has=vera.get_by_role("heading", name="Swim")).get_by_role("button", name="Get a voucher").click()
    voucher = Voucher.objects.get()
    expect(vera.locator(".voucher-code")).to_have_text(voucher.code)
    qr = vera.locator("svg.qr").bounding_box()
    assert qr["width"] >= 200 and qr["x"] + qr["width"] <= PHONE["width"]
    vera.screenshot(path=str(tmp_path / "voucher.png"), full_page=True)

    till = browser.new_context(viewport=PHONE).new_page()
    sign_in(till, live_server.url, "partner")
    till.goto(f"{live_server.url}/venues/{places.pool.pk}/confirm/?code={voucher.code}")
    expect(till.get_by_label("Voucher code")).to_have_value(voucher.code)
    widths = till.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the till page scrolls sideways: {widths}"
    till.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    till.get_by_role("button", name="Confirm the voucher").click()

    expect(till.get_by_role("status")).to_contain_text(f"Voucher {voucher.code} is now used.")
    assert balance(programme, venue=places.pool) == 2 * CREDIT
    assert ledger_verify().ok
