"""The pages in a real browser: headless Chromium driven by Playwright against a live server.

Debian's /usr/bin/chromium is used; a browser is never downloaded. Without it the
tests are skipped, unless TIMEBANK_REQUIRE_BROWSER=1 (as in CI), where that is a failure.
"""

import datetime as dt
import os

import pytest

from tests.browser_support import DESKTOP, PHONE, demo_page, sign_in
from timebank.training.models import TrainingRecord
from timebank.volunteers.models import VolunteerProfile

pytestmark = pytest.mark.browser


def test_coordinator_registers_a_volunteer_and_records_a_training(
    browser, live_server, coordinator, catalogue, tmp_path
):
    from playwright.sync_api import expect

    page = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(page, live_server.url, "coordinator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Coordinator")

    page.get_by_role("link", name="Register a volunteer").click()
    page.get_by_label("Full name").fill("Nia Davies")
    page.get_by_label("Languages spoken").select_option(["cy", "en"])
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Gardening").check()
    page.get_by_label("The person agreed that we keep their volunteer record").check()
    page.get_by_role("button", name="Register the volunteer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nia Davies")
    nia = VolunteerProfile.objects.get(full_name="Nia Davies")
    expect(page.get_by_role("status")).to_contain_text(nia.membership_number)

    page.get_by_role("link", name="Record a training").click()
    evidence = tmp_path / "first-aid-certificate.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_label("Course").select_option(label="First aid")
    page.get_by_label("Completed on").fill("2025-03-31")
    page.get_by_label("Evidence (optional)", exact=True).set_input_files(evidence)
    page.get_by_label("I have seen the evidence: mark it verified").check()
    page.get_by_role("button", name="Record the training").click()

    expect(page.get_by_role("status")).to_contain_text("Training recorded: First aid for Nia Davies.")
    records = page.locator("section", has=page.get_by_role("heading", name="Training records"))
    expect(records).to_contain_text("First aid")
    expect(records).to_contain_text("Verified")
    record = TrainingRecord.objects.get(volunteer=nia)
    assert record.course == catalogue["first_aid"]
    assert record.completed_on == dt.date(2025, 3, 31) and record.expires_on == dt.date(2028, 3, 31)
    assert record.verified_by == coordinator and record.evidence.name.endswith(".pdf")
    assert sorted(nia.languages.values_list("code", flat=True)) == ["cy", "en"]


def test_landing_page_fits_a_phone_without_sideways_scrolling(browser, live_server, coordinator, volunteer, catalogue):
    from playwright.sync_api import expect

    for username in ("coordinator", "volunteer"):
        page = browser.new_context(viewport=PHONE).new_page()
        sign_in(page, live_server.url, username)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{username}'s landing page scrolls sideways: {widths}"
        # The first Tab lands on the skip link, which takes keyboard users to the content.
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to main content")
        page.close()


def test_a_demo_tenant_logs_hours_gets_them_approved_swims_and_gives_the_rest(browser, live_server):
    """The step-2 demo, on the demo data, through the pages only: the tenant logs an hour,
    the coordinator approves it, the tenant takes a swim voucher that the pool confirms at
    its till, and gives the credits left to the community fund."""
    from django.core.management import call_command
    from playwright.sync_api import expect

    from ledger.selectors import ledger_verify
    from tests.spending_support import balance
    from timebank.accounts.models import Programme
    from timebank.earning.models import HoursClaim
    from timebank.spending.models import Gift, Redemption, VoucherStatus

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    tenants = Programme.objects.get(slug="tenants")
    aled = VolunteerProfile.objects.get(user__username="volunteer")
    base = live_server.url

    def signed_in(username, viewport):
        return demo_page(browser, base, username, viewport)

    tenant = signed_in("volunteer", PHONE)
    credits = tenant.locator("section", has=tenant.get_by_role("heading", name="Your time credits"))
    expect(credits).to_contain_text("Tenants' time credits")
    expect(credits).to_contain_text("4 credits")

    # An hour of event help, yesterday: Event help always waits for a coordinator.
    credits.get_by_role("link", name="Log hours").click()
    tenant.get_by_label("Activity").select_option(label="Event help (Tenants' time credits)")
    tenant.get_by_label("Date").fill((dt.date.today() - dt.timedelta(days=1)).isoformat())
    tenant.get_by_label("Hours").fill("1")
    tenant.get_by_label("Note").fill("Setting up the tenants' coffee morning")
    tenant.get_by_role("button", name="Send for approval").click()
    expect(tenant.get_by_role("status")).to_contain_text("sent for approval")
    claim = HoursClaim.objects.get(volunteer=aled, activity__name="Event help")
    assert (claim.status, claim.minutes) == ("pending", 60)

    coordinator = signed_in("coordinator", DESKTOP)
    coordinator.get_by_role("link", name="Hours to approve (4)").click()
    coordinator.get_by_label("Approve: Aled Pritchard, Event help").check()
    coordinator.get_by_role("button", name="Approve selected").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Approved 1 claim: 1 credit issued.")

    tenant.goto(base + "/me/claims/")
    expect(tenant.locator("main")).to_contain_text("Approved")
    tenant.goto(base + "/me/offers/")
    expect(tenant.locator("main")).to_contain_text("5 credits")
    swim = tenant.locator("li.card", has=tenant.get_by_role("heading", name="Swim session"))
    swim.get_by_role("button", name="Get a voucher").click()
    expect(tenant.get_by_role("heading", level=1)).to_have_text("Swim session")
    code = tenant.locator(".voucher-code").inner_text().strip()
    assert balance(tenants, volunteer=aled) == 4 * 60

    till = signed_in("partner", PHONE)
    till.get_by_role("link", name="Go to the till").click()
    till.get_by_role("article", name="Cardiff International Pool").get_by_role("link", name="Confirm a voucher").click()
    till.get_by_label("Voucher code").fill(code.lower())
    till.get_by_role("button", name="Confirm the voucher").click()
    expect(till.get_by_role("status")).to_contain_text(f"Voucher {code} is now used.")
    redemption = Redemption.objects.get(volunteer=aled)
    assert (redemption.offer.title, redemption.voucher.status) == ("Swim session", VoucherStatus.REDEEMED)

    tenant.goto(base + "/me/gifts/")
    tenant.get_by_label("The community fund").check()
    tenant.get_by_label("Credits").fill("4")
    tenant.get_by_label("Message").fill("For a neighbour who needs it")
    tenant.get_by_role("button", name="Give the credits").click()
    expect(tenant.get_by_role("status")).to_contain_text("4 credits")
    tenant.goto(base + "/me/credits/")
    expect(tenant.locator("main")).to_contain_text("0 credits")

    assert balance(tenants, volunteer=aled) == 0
    assert Gift.objects.filter(giver=aled, recipient=None, minutes=4 * 60).count() == 1
    assert ledger_verify().ok


def test_a_demo_coordinator_finds_a_mentor_for_a_family_and_the_mentor_accepts(browser, live_server):
    """The step-3 demo, on the demo data, through the pages only: the coordinator opens the
    Nowak family's need, sees the ranked mentors with the reasons for each score and why
    Dariusz (lapsed Führungszeugnis) is left out, runs a batch over every open need with its
    progress bar, offers the proposals, and Ayşe accepts hers on a phone."""
    from django.core.management import call_command
    from playwright.sync_api import expect

    from matching.models import BatchRun, Match, MatchStatus

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    base = live_server.url

    def signed_in(username, viewport):
        return demo_page(browser, base, username, viewport)

    coordinator = signed_in("mentoring-coordinator", DESKTOP)
    coordinator.get_by_role("link", name="Needs to fill").click()
    coordinator.get_by_role("link", name="Family Nowak: a mentor").click()
    candidates = coordinator.locator("ol.candidates > li")
    expect(candidates.first.get_by_role("heading")).to_contain_text("Chiara Rossi")
    expect(candidates.first).to_contain_text("4.6 km away; travels up to 8 km")
    expect(candidates.first).to_contain_text("none of Polish")

    coordinator.get_by_label("Name or membership number").fill("Dariusz")
    coordinator.get_by_role("button", name="Check").click()
    why_not = coordinator.locator(".why-not")
    expect(why_not).to_contain_text("Dariusz Nowak")
    expect(why_not).to_contain_text("Erweitertes Führungszeugnis expired on")

    coordinator.get_by_role("link", name="Back to the needs of Family mentors").click()
    coordinator.get_by_role("button", name="Run the batch").click()
    expect(coordinator.locator("progress")).to_be_visible()
    coordinator.wait_for_url("**/matching/batch-runs/**")
    results = coordinator.get_by_role("table", name="What was and was not filled, and why")
    expect(results).to_contain_text("Family Yildiz: a mentor")
    expect(results).to_contain_text("Ayşe Yılmaz")
    run = BatchRun.objects.get()
    assert (run.status, run.progress, run.places_open, run.places_filled) == ("done", 100, 3, 3)
    assert run.total_score >= run.greedy_score
    coordinator.get_by_role("button", name="Offer every proposal to the volunteers").click()
    expect(coordinator.get_by_role("status")).to_contain_text("3 proposals were offered")

    ayse = signed_in("ayse", PHONE)
    ayse.goto(base + "/me/matches/")
    offer = ayse.locator(".offer-card", has=ayse.get_by_role("heading", name="Family Yildiz: a mentor"))
    offer.get_by_role("button", name="Accept").click()
    expect(ayse.get_by_role("status")).to_contain_text("You accepted: Family Yildiz: a mentor.")
    accepted = Match.objects.get(need__title="Family Yildiz: a mentor")
    assert (accepted.volunteer.full_name, accepted.status) == ("Ayşe Yılmaz", MatchStatus.ACCEPTED)
    assert accepted.events.filter(status=MatchStatus.ACCEPTED, actor__username="ayse").exists()


def test_a_demo_mentor_logs_a_home_visit_on_a_phone_and_the_coordinator_sees_the_t_score_move(browser, live_server):
    """The step-4 demo: Bernd (the `mentor` login) logs a home visit and reviews both of the
    Schmidt family's goals on a phone; the coordinator sees the T-score move from its
    baseline and the visit's hours waiting for approval."""
    from django.core.management import call_command
    from playwright.sync_api import expect

    from mentoring.models import MentoringSession

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    base = live_server.url

    def signed_in(username, viewport):
        return demo_page(browser, base, username, viewport)

    bernd = signed_in("mentor", PHONE)
    bernd.get_by_role("link", name="My mentorships").click()
    bernd.get_by_role("link", name="Log a session").first.click()
    bernd.get_by_label("Home visit").check()
    bernd.get_by_label("Hours").fill("1")
    bernd.get_by_label("Minutes").fill("30")
    bernd.get_by_label("Confidential notes").fill("The repayment plan letter arrived; we answered it.")
    bernd.get_by_role("button", name="Save the session").click()
    expect(bernd.get_by_role("status")).to_contain_text("its hours are waiting for approval")

    bernd.get_by_role("link", name="Review goals").click()
    bernd.get_by_role("group", name="Keep the flat: the rent is paid on time every month").get_by_label(
        "0: Rent paid on time for two months"
    ).check()
    bernd.get_by_role("group", name="Open letters and answer them within a week").get_by_label(
        "+1: Answered alone most weeks"
    ).check()
    bernd.get_by_role("button", name="Save the review").click()
    expect(bernd.get_by_role("status")).to_contain_text("2 goals reviewed.")
    # Two equal goals: from -1 and -1 to 0 and +1, T = 50 + 10 * 1 / sqrt(0.7 * 2 + 0.3 * 4) = 56.20.
    expect(bernd.locator("[data-t-score]")).to_have_text("56.20")

    coordinator = signed_in("mentoring-coordinator", DESKTOP)
    coordinator.get_by_role("link", name="Mentorships").click()
    row = coordinator.get_by_role("row", name="Family Schmidt")
    expect(row).to_contain_text("37.6 → 56.2")
    expect(row).to_contain_text("1 h 30 min")
    session = MentoringSession.objects.get(minutes=90)
    assert session.claim.status == "pending" and session.claim.volunteer.user.username == "mentor"


def test_the_demo_funder_downloads_both_statements_and_their_figures_match_the_ledger_and_goals(
    browser, live_server, tmp_path
):
    """The step-5 demo: the funder asks for a statement for each programme over their whole
    history; each is built in the background, the PDF is a real PDF holding its figures,
    and the JSON's figures are the ones the ledger page and the mentoring page show."""
    import io

    from django.core.management import call_command
    from django.utils import timezone
    from playwright.sync_api import expect
    from pypdf import PdfReader

    from impact.documents import credits as credits_text
    from mentoring.selectors import programme_goal_summary
    from timebank.accounts.models import Programme
    from timebank.spending.selectors.credits import programme_ledger

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    base = live_server.url
    today = timezone.localdate()
    start = today - dt.timedelta(days=1000)  # before the demo's history begins
    funder = demo_page(browser, base, "funder", DESKTOP)
    for name in ("Tenants' time credits", "Family mentors"):
        funder.get_by_role("link", name="Impact statements").first.click()
        funder.get_by_label("Programme").select_option(label=name)
        funder.get_by_label("From").fill(start.isoformat())
        funder.get_by_label("To").fill(today.isoformat())
        funder.get_by_role("button", name="Build the statement").click()
        expect(funder.get_by_role("status")).to_contain_text("The statement is ready.", timeout=60_000)
        expect(funder.get_by_role("heading", level=1)).to_contain_text(name)
        funder.screenshot(path=str(tmp_path / f"statement-{name[:6]}.png"), full_page=True)

        figures = funder.request.get(base + funder.get_by_role("link", name="JSON").get_attribute("href")).json()
        programme = Programme.objects.get(name=name)
        ledger = programme_ledger(programme)
        credits = figures["current"]["credits"]
        assert credits["issued"] == ledger.issued > 0
        assert credits["redeemed"] == ledger.partners_hold
        assert credits["expired"] == ledger.expired
        assert credits["outstanding_end"] == ledger.outstanding
        assert credits["outstanding_start"] == 0  # the whole history is in the period
        goals, summary = figures["current"]["goals"], programme_goal_summary(programme)
        by_status = {row["key"]: row["goals"] for row in goals["by_status"]}
        assert (goals["set"], by_status["achieved"], by_status["dropped"]) == (
            summary.goals_set,
            summary.achieved,
            summary.dropped,
        )
        assert goals["mean_t_baseline"] == (None if summary.mean_baseline is None else f"{summary.mean_baseline:.2f}")
        assert goals["mean_t_latest"] == (None if summary.mean_latest is None else f"{summary.mean_latest:.2f}")

        pdf = funder.request.get(base + funder.get_by_role("link", name="Download the PDF").get_attribute("href"))
        assert pdf.headers["content-type"] == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
        assert name in text and credits_text(ledger.issued) in text

    # The mentoring programme's statement is about its goals; the tenants' has none.
    assert programme_goal_summary(Programme.objects.get(slug="family-mentors")).goals_set > 0
