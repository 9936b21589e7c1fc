"""The earning pages: a tenant logs hours and follows their claims; coordinators
approve in bulk, reject with a reason, take the attendance register, and keep
activities and sessions. Then who may open and post each of these pages.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from ledger.selectors import ledger_verify
from tests.assertions import unchanged
from tests.browser_support import PHONE, sign_in
from tests.conftest import PERSONAS
from tests.page_support import (
    COORDINATOR_FORM,
    COORDINATOR_PAGE,
    OWN_FORM,
    OWN_PAGE,
    Route,
    assert_page_permission,
    outcomes,
)
from tests.spending_support import balance
from timebank.earning.models import Activity, ActivitySession, ClaimStatus, CreditRule, HoursClaim
from timebank.earning.services.activities import activity_create, activity_session_create
from timebank.earning.services.claims import claim_approve, claim_log

COVERED_PAGES = {
    "log_hours",
    "my_claims",
    "claims_overview",
    "claim_queue",
    "claim_reject",
    "attendance_register",
    "programme_activities",
    "programme_sessions",
}


def page_text(response) -> str:
    return response.content.decode()


# --- A tenant logs hours -------------------------------------------------------------------


def test_a_tenant_logs_two_and_a_half_hours_and_sees_them_waiting(
    client_for, programme, volunteer, activities, yesterday
):
    client = client_for(volunteer.user)
    form = client.get("/me/hours/")
    assert form.status_code == 200
    assert "Tenants&#x27; meeting (Tenants&#x27; time credits)" in page_text(form)

    response = client.post(
        "/me/hours/",
        {
            "activity": activities["meeting"].pk,
            "date": yesterday.isoformat(),
            "hours": "2",
            "minutes": "30",
            "note": "Took the minutes",
        },
        follow=True,
    )

    claim = HoursClaim.objects.get()
    assert (claim.minutes, claim.credited_minutes, claim.status, claim.note) == (
        150,
        150,
        "pending",
        "Took the minutes",
    )
    assert response.redirect_chain == [("/me/claims/", 302)]
    text = page_text(response)
    assert "2 h 30 min at Tenants&#x27; meeting sent for approval (2.5 credits once approved)." in text
    assert "Waiting for approval" in text
    assert balance(programme, volunteer=volunteer) == 0


def test_a_short_event_is_approved_at_once(client_for, programme, volunteer, activities, today):
    response = client_for(volunteer.user).post(
        "/me/hours/",
        {"activity": activities["event"].pk, "date": today.isoformat(), "hours": "1", "minutes": "0"},
        follow=True,
    )

    assert "1 h at Event help: approved, 1 credit added." in page_text(response)
    assert "automatically" in page_text(response)
    assert balance(programme, volunteer=volunteer) == 60


def test_a_claim_for_a_session_takes_its_day_and_length(client_for, volunteer, march_meeting, today):
    response = client_for(volunteer.user).post(
        "/me/hours/", {"session": march_meeting.pk, "date": today.isoformat(), "hours": "", "minutes": ""}
    )

    assert response.status_code == 302
    claim = HoursClaim.objects.get()
    assert (claim.session, claim.activity, claim.date, claim.minutes) == (
        march_meeting,
        march_meeting.activity,
        march_meeting.date,
        90,
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2999-01-01", "hours": "1"}, "id_date", "The date cannot be in the future."),
        ({"hours": "0", "minutes": "0"}, "id_hours", "Give a time from 1 minute to 24 hours."),
        ({"hours": "24", "minutes": "30"}, "id_hours", "Give a time from 1 minute to 24 hours."),
        ({"hours": "", "minutes": ""}, "id_hours", "Enter the time you gave."),
        ({"activity": "", "hours": "1"}, "id_activity", "Choose the activity you gave time to."),
    ],
)
def test_a_refused_claim_is_shown_next_to_its_field_and_nothing_is_written(
    client_for, volunteer, activities, today, data, field, message
):
    posted = {"activity": activities["meeting"].pk, "date": today.isoformat(), "hours": "", "minutes": "", **data}

    client = client_for(volunteer.user)
    with unchanged():
        response = client.post("/me/hours/", posted)

    assert response.status_code == 200
    text = page_text(response)
    assert f'href="#{field}"' in text
    assert message in text
    assert "<title>Error:" in text


def test_the_second_claim_for_the_same_day_is_refused_on_the_page(client_for, volunteer, activities, today):
    client = client_for(volunteer.user)
    data = {"activity": activities["meeting"].pk, "date": today.isoformat(), "hours": "1", "minutes": "0"}
    client.post("/me/hours/", data)

    with unchanged():
        response = client.post("/me/hours/", data)

    assert "Vera Volunteer already has a claim for Tenants&#x27; meeting" in page_text(response)


def test_a_volunteer_without_open_activities_is_told_why(client_for, volunteer):
    response = client_for(volunteer.user).get("/me/hours/")

    assert "None of your programmes has an activity open for claims" in page_text(response)


# --- Coordinators decide ----------------------------------------------------------------------


def test_the_coordinator_approves_ticked_claims_together(
    client_for, programme, coordinator, volunteer, mentor, activities, yesterday
):
    vera = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=yesterday, minutes=150
    )
    article = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["article"], date=yesterday, minutes=45
    )
    mehmet = claim_log(actor=mentor.user, volunteer=mentor, activity=activities["meeting"], date=yesterday, minutes=90)
    client = client_for(coordinator)
    queue = page_text(client.get("/programmes/tenants/claims/"))
    assert "3 claims waiting" in queue
    assert "Approving all of them would issue 6 credits." in queue
    assert f'id="claim-{vera.pk}"' in queue

    response = client.post("/programmes/tenants/claims/", {"claims": [vera.pk, article.pk]}, follow=True)

    assert "Approved 2 claims: 4.5 credits issued." in page_text(response)
    assert "1 claim waiting" in page_text(response)
    assert balance(programme, volunteer=volunteer) == 270
    assert HoursClaim.objects.get(pk=mehmet.pk).status == ClaimStatus.PENDING
    assert ledger_verify().ok


def test_a_claim_decided_meanwhile_is_reported_not_paid_twice(
    client_for, programme, admin, coordinator, volunteer, activities, yesterday
):
    claim = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=yesterday, minutes=150
    )
    claim_approve(actor=admin, claim=claim)

    client = client_for(coordinator)
    with unchanged():
        response = client.post("/programmes/tenants/claims/", {"claims": [claim.pk, 999999]}, follow=True)

    text = page_text(response)
    assert "Not approved: Vera Volunteer, Tenants&#x27; meeting" in text
    assert "it was approved" in text
    assert "1 ticked claim was not found in this programme." in text
    assert balance(programme, volunteer=volunteer) == 150


def test_approving_nothing_ticked_says_so(client_for, coordinator, programme):
    client = client_for(coordinator)
    with unchanged():
        response = client.post("/programmes/tenants/claims/", {}, follow=True)

    assert "Tick at least one claim to approve." in page_text(response)


def test_a_rejection_needs_a_reason_and_the_volunteer_sees_it(
    client_for, coordinator, volunteer, activities, yesterday
):
    claim = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=yesterday, minutes=150
    )
    client = client_for(coordinator)
    path = f"/programmes/tenants/claims/{claim.pk}/reject/"
    assert "Vera Volunteer" in page_text(client.get(path))

    with unchanged():
        empty = client.post(path, {"reason": ""})
    assert empty.status_code == 200
    assert 'href="#id_reason"' in page_text(empty)

    done = client.post(path, {"reason": "The meeting lasted one hour."})
    assert done.status_code == 302
    mine = page_text(client_for(volunteer.user).get("/me/claims/"))
    assert "Rejected" in mine
    assert "Reason: The meeting lasted one hour." in mine


def test_rejecting_a_decided_claim_is_refused_on_the_page(client_for, coordinator, admin, volunteer, activities, today):
    claim = claim_log(actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=today, minutes=60)
    claim_approve(actor=admin, claim=claim)

    client = client_for(coordinator)
    with unchanged():
        response = client.post(f"/programmes/tenants/claims/{claim.pk}/reject/", {"reason": "Too late"})

    assert response.status_code == 200
    assert "This claim is no longer waiting for a decision: it was approved." in page_text(response)


# --- The attendance register -------------------------------------------------------------------------


def test_the_register_credits_the_ticked_attendees_once(
    client_for, programme, coordinator, volunteer, mentor, march_meeting
):
    client = client_for(coordinator)
    path = f"/programmes/tenants/attendance/?session={march_meeting.pk}"
    register = page_text(client.get(path))
    assert "Vera Volunteer" in register and "Mehmet Mentor" in register
    assert "Each attendee earns 1.5 credits." in register

    data = {"session": march_meeting.pk, "attendees": [volunteer.pk, mentor.pk]}
    response = client.post("/programmes/tenants/attendance/", data, follow=True)

    assert "2 attendees credited: 3 credits issued." in page_text(response)
    assert page_text(response).count("Credited</span>") == 2
    assert balance(programme, volunteer=volunteer) == balance(programme, volunteer=mentor) == 90

    with unchanged():
        again = client.post("/programmes/tenants/attendance/", data, follow=True)
    assert "2 attendees had already been credited for this session." in page_text(again)
    assert ledger_verify().ok


def test_the_register_needs_someone_ticked(client_for, coordinator, march_meeting):
    client = client_for(coordinator)
    with unchanged():
        response = client.post("/programmes/tenants/attendance/", {"session": march_meeting.pk})

    assert response.status_code == 200
    assert "Tick at least one person who attended." in page_text(response)


def test_the_register_lists_only_sessions_that_took_place(client_for, coordinator, activities, march_meeting, today):
    activity_session_create(
        actor=coordinator,
        activity=activities["meeting"],
        date=today + dt.timedelta(days=7),
        duration_minutes=60,
        title="April meeting",
    )

    text = page_text(client_for(coordinator).get("/programmes/tenants/attendance/"))

    assert "March meeting" in text
    assert "April meeting" not in text


# --- Activities and sessions -------------------------------------------------------------------------


def test_a_coordinator_adds_a_fixed_two_credit_activity(client_for, coordinator, programme):
    response = client_for(coordinator).post(
        "/programmes/tenants/activities/",
        {
            "name": "Newsletter article",
            "credit_rule": "fixed",
            "fixed_credits": "2",
            "auto_hours": "",
            "auto_minutes": "",
        },
        follow=True,
    )

    activity = Activity.objects.get()
    assert (activity.credit_rule, activity.fixed_minutes, activity.auto_approve_max_minutes) == (
        CreditRule.FIXED,
        120,
        0,
    )
    assert "2 credits, whatever the time given" in page_text(response)


def test_an_activity_with_auto_approval_up_to_three_hours(client_for, coordinator, programme):
    client_for(coordinator).post(
        "/programmes/tenants/activities/",
        {"name": "Event help", "credit_rule": "per_hour", "auto_hours": "3", "auto_minutes": "0"},
    )

    assert Activity.objects.get().auto_approve_max_minutes == 180


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"credit_rule": "fixed"}, "id_fixed_credits"),
        ({"credit_rule": "per_hour", "fixed_credits": "2"}, "id_fixed_credits"),
        ({"credit_rule": "fixed", "fixed_credits": "0.1"}, "id_fixed_credits"),
        ({"name": ""}, "id_name"),
    ],
)
def test_a_refused_activity_names_the_field(client_for, coordinator, programme, data, field):
    client = client_for(coordinator)
    with unchanged():
        response = client.post(
            "/programmes/tenants/activities/", {"name": "Focus group", "credit_rule": "per_hour", **data}
        )

    assert response.status_code == 200
    assert f'href="#{field}"' in page_text(response)


def test_a_coordinator_adds_a_session_of_an_hour_and_a_half(client_for, coordinator, activities, today):
    response = client_for(coordinator).post(
        "/programmes/tenants/sessions/",
        {
            "activity": activities["meeting"].pk,
            "date": today.isoformat(),
            "title": "AGM",
            "hours": "1",
            "minutes": "30",
        },
        follow=True,
    )

    session = ActivitySession.objects.get()
    assert (session.duration_minutes, session.title, session.date) == (90, "AGM", today)
    assert "Take the register" in page_text(response)


def test_a_session_without_a_length_is_refused(client_for, coordinator, activities, today):
    client = client_for(coordinator)
    with unchanged():
        response = client.post(
            "/programmes/tenants/sessions/", {"activity": activities["meeting"].pk, "date": today.isoformat()}
        )

    assert 'href="#id_hours"' in page_text(response)


# --- Navigation ------------------------------------------------------------------------------------------


def test_the_navigation_leads_volunteers_and_coordinators_to_their_pages(client_for, volunteer, coordinator):
    volunteer_nav = page_text(client_for(volunteer.user).get("/"))
    coordinator_nav = page_text(client_for(coordinator).get("/"))

    assert 'href="/me/hours/"' in volunteer_nav and 'href="/me/claims/"' in volunteer_nav
    assert 'href="/hours/"' not in volunteer_nav
    assert 'href="/hours/"' in coordinator_nav and 'href="/me/hours/"' not in coordinator_nav


def test_the_overview_counts_the_claims_waiting(client_for, coordinator, volunteer, activities, today):
    claim_log(actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=today, minutes=60)

    text = page_text(client_for(coordinator).get("/hours/"))

    assert "1 claim waiting for a decision." in text
    assert 'href="/programmes/tenants/claims/"' in text


# --- Who may open and post each page -----------------------------------------------------------------


ROUTES = [
    Route("log-hours", "GET", "/me/hours/", OWN_PAGE),
    Route(
        "log-hours-send",
        "POST",
        "/me/hours/",
        OWN_FORM,
        {"activity": "{event}", "date": "{today}", "hours": "1", "minutes": "0"},
    ),
    Route("my-claims", "GET", "/me/claims/", OWN_PAGE),
    Route(
        "overview",
        "GET",
        "/hours/",
        outcomes(403, admin=200, coordinator=200, other_programme_coordinator=200),
    ),
    Route("queue", "GET", "/programmes/tenants/claims/", COORDINATOR_PAGE),
    Route("approve-ticked", "POST", "/programmes/tenants/claims/", COORDINATOR_FORM, {"claims": "{claim}"}),
    Route("reject-form", "GET", "/programmes/tenants/claims/{claim}/reject/", COORDINATOR_PAGE),
    Route(
        "reject",
        "POST",
        "/programmes/tenants/claims/{claim}/reject/",
        COORDINATOR_FORM,
        {"reason": "Not on the sign-in sheet"},
    ),
    Route(
        "reject-through-another-programme",
        "GET",
        "/programmes/family-mentors/claims/{claim}/reject/",
        outcomes(404),
    ),
    Route("register-pick", "GET", "/programmes/tenants/attendance/", COORDINATOR_PAGE),
    Route("register", "GET", "/programmes/tenants/attendance/?session={session}", COORDINATOR_PAGE),
    Route(
        "register-record",
        "POST",
        "/programmes/tenants/attendance/",
        COORDINATOR_FORM,
        {"session": "{session}", "attendees": "{mentor}"},
    ),
    Route("activities", "GET", "/programmes/tenants/activities/", COORDINATOR_PAGE),
    Route(
        "activity-add",
        "POST",
        "/programmes/tenants/activities/",
        COORDINATOR_FORM,
        {"name": "Focus group", "credit_rule": "per_hour"},
    ),
    Route("sessions", "GET", "/programmes/tenants/sessions/", COORDINATOR_PAGE),
    Route(
        "session-add",
        "POST",
        "/programmes/tenants/sessions/",
        COORDINATOR_FORM,
        {"activity": "{meeting}", "date": "{today}", "hours": "2", "minutes": "0"},
    ),
    Route(
        "other-programme-queue",
        "GET",
        "/programmes/family-mentors/claims/",
        outcomes(404, admin=200, other_programme_coordinator=200),
    ),
]


@pytest.fixture
def world(every_persona, volunteer, mentor, other_volunteer, activities, march_meeting, yesterday, today):
    """Every persona, the programme's activities, yesterday's meeting and a pending claim of Vera's."""
    claim = claim_log(
        actor=volunteer.user, volunteer=volunteer, activity=activities["meeting"], date=yesterday, minutes=150
    )
    return SimpleNamespace(
        claim=claim.pk,
        session=march_meeting.pk,
        mentor=mentor.pk,
        meeting=activities["meeting"].pk,
        event=activities["event"].pk,
        today=today.isoformat(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_permission_matrix(client_as, world, route: Route, persona: str):
    assert_page_permission(client_as(persona), route, route.expected[persona], world)


# --- In a real browser, at the size of a phone ----------------------------------------------------------


@pytest.mark.browser
def test_a_tenant_logs_hours_on_a_phone_and_the_coordinator_approves_them(
    browser, live_server, programme, coordinator, volunteer, yesterday
):
    from playwright.sync_api import expect

    activity_create(actor=coordinator, programme=programme, name="Tenants' meeting")

    def fits(page, what):
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{what} scrolls sideways on a phone: {widths}"

    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, live_server.url, "volunteer")
    page.get_by_role("link", name="Log hours").first.click()
    fits(page, "Log hours")
    page.get_by_label("Activity").select_option(label="Tenants' meeting (Tenants' time credits)")
    page.get_by_label("Date").fill(yesterday.isoformat())
    page.get_by_label("Hours").fill("2")
    page.get_by_label("Minutes").fill("30")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_role("status")).to_contain_text("2 h 30 min at Tenants' meeting sent for approval")
    fits(page, "My claims")
    page.close()

    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, live_server.url, "coordinator")
    page.get_by_role("link", name="Hours to approve", exact=True).click()
    page.get_by_role("link", name="Approval queue").click()
    fits(page, "The approval queue")
    page.get_by_label("Approve: Vera Volunteer", exact=False).check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_role("status")).to_contain_text("Approved 1 claim: 2.5 credits issued.")
    page.close()

    assert balance(programme, volunteer=volunteer) == 150
    assert ledger_verify().ok
