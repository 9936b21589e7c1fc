"""The tenants' programme's time credits for the demo: activities, meetings with their
attendance, claims in every state, partner venues with offers, vouchers, redemptions and
gifts, all made through the services a coordinator, a tenant and a venue use.

Django does not load modules whose names start with an underscore as commands.
"""

import datetime as dt

from django.utils import timezone

from timebank.accounts.models import Programme, User
from timebank.earning.models import CreditRule
from timebank.earning.services.activities import activity_create, activity_session_create
from timebank.earning.services.attendance import attendance_record
from timebank.earning.services.claims import claim_approve, claim_log, claim_reject
from timebank.spending.models import PartnerCategory
from timebank.spending.services.gifts import fund_grant, gift_to_fund, gift_to_member
from timebank.spending.services.partners import offer_create, partner_staff_add, partner_venue_create
from timebank.spending.services.redeem import redeem_at_till, voucher_confirm, voucher_issue
from timebank.volunteers.models import VolunteerProfile

# (venue, category, address, [(offer, credits, cash value, restrictions, monthly limit)])
VENUES = [
    (
        "Cardiff International Pool",
        PartnerCategory.SPORT,
        "Olympian Drive, Cardiff CF11 0JS",
        [("Swim session", 1, "5.50", "Public sessions only", 4)],
    ),
    (
        "Chapter Arts Centre",
        PartnerCategory.CULTURE,
        "Market Road, Canton, Cardiff CF5 1QE",
        [("Cinema ticket", 2, "9.00", "Not valid for premieres", None)],
    ),
    (
        "Sherman Theatre",
        PartnerCategory.CULTURE,
        "Senghennydd Road, Cardiff CF24 4YE",
        [("Theatre ticket", 3, "15.00", "Subject to availability", 2)],
    ),
    (
        "Cardiff Story Museum",
        PartnerCategory.LEARNING,
        "The Old Library, The Hayes, Cardiff CF10 1BH",
        [("Family workshop", 1, "4.00", "", None)],
    ),
]


def build_tenant_credits(*, programme: Programme, coordinator: User, partner: User, today: dt.date) -> None:
    """Give the tenants' programme a few weeks of history up to `today` (never past the
    real today: the services refuse claims and meetings in the future)."""
    day = min(today, timezone.localdate())
    members = VolunteerProfile.objects.filter(user__memberships__programme=programme)
    tenant = {volunteer.full_name.split()[0]: volunteer for volunteer in members}

    meeting = activity_create(
        actor=coordinator,
        programme=programme,
        name="Tenants' meeting",
        description="The monthly meeting of the tenants' panel.",
        auto_approve_max_minutes=180,
    )
    focus_group = activity_create(
        actor=coordinator, programme=programme, name="Focus group", auto_approve_max_minutes=0
    )
    panel = activity_create(
        actor=coordinator,
        programme=programme,
        name="Interview panel",
        description="Sitting on a staff interview panel.",
        auto_approve_max_minutes=0,
    )
    article = activity_create(
        actor=coordinator,
        programme=programme,
        name="Newsletter article",
        description="An article for the tenants' newsletter: 2 credits each.",
        credit_rule=CreditRule.FIXED,
        fixed_minutes=120,
        auto_approve_max_minutes=0,
    )
    event_help = activity_create(
        actor=coordinator,
        programme=programme,
        name="Event help",
        description="Helping to organise or run a community event.",
        auto_approve_max_minutes=0,
    )

    # Two monthly meetings with their registers, and the next one.
    for weeks_ago, attendees in ((8, "Aled Bethan Callum Farah Jess Idris"), (4, "Aled Bethan Dilys Farah Jess")):
        session = activity_session_create(
            actor=coordinator,
            activity=meeting,
            date=day - dt.timedelta(weeks=weeks_ago),
            duration_minutes=120,
            title=f"Tenants' meeting, {(day - dt.timedelta(weeks=weeks_ago)):%B %Y}",
        )
        attendance_record(actor=coordinator, session=session, volunteers=[tenant[n] for n in attendees.split()])
    activity_session_create(
        actor=coordinator,
        activity=meeting,
        date=day + dt.timedelta(days=7),
        duration_minutes=120,
        title="Tenants' meeting: repairs and the new contractor",
    )
    repairs_group = activity_session_create(
        actor=coordinator,
        activity=focus_group,
        date=day - dt.timedelta(days=14),
        duration_minutes=90,
        title="Focus group: the repairs service",
    )

    # A coordinator logs for a tenant without e-mail and approves it.
    panel_claim = claim_log(
        actor=coordinator,
        volunteer=tenant["Callum"],
        activity=panel,
        date=day - dt.timedelta(days=20),
        minutes=180,
        note="Housing officer interviews",
    )
    claim_approve(actor=coordinator, claim=panel_claim)
    # Claims waiting in the approval queue.
    claim_log(
        actor=tenant["Bethan"].user,
        volunteer=tenant["Bethan"],
        activity=focus_group,
        session=repairs_group,
        minutes=None,
    )
    claim_log(
        actor=tenant["Farah"].user,
        volunteer=tenant["Farah"],
        activity=event_help,
        date=day - dt.timedelta(days=5),
        minutes=240,
        note="Splott summer fun day: set-up, stalls and clearing away",
    )
    claim_log(
        actor=tenant["Jess"].user,
        volunteer=tenant["Jess"],
        activity=article,
        date=day - dt.timedelta(days=2),
        minutes=150,
        note="Article on the community garden",
    )
    mistaken = claim_log(
        actor=coordinator,
        volunteer=tenant["Idris"],
        activity=event_help,
        date=day - dt.timedelta(days=10),
        minutes=180,
    )
    claim_reject(
        actor=coordinator, claim=mistaken, reason="No event ran that day: please check the date and log it again."
    )

    # Partner venues and their offers; the demo partner works the pool's till.
    offers = {}
    for name, category, address, venue_offers in VENUES:
        venue = partner_venue_create(
            actor=coordinator,
            programme=programme,
            name=name,
            category=category,
            address=address,
            contact_email=f"timecredits@{name.split()[0].lower()}.example.org",
        )
        for title, credits, cash, restrictions, limit in venue_offers:
            offers[title] = offer_create(
                actor=coordinator,
                venue=venue,
                title=title,
                price_minutes=credits * 60,
                cash_value=cash,
                restrictions=restrictions,
                monthly_limit_per_person=limit,
                starts_on=day - dt.timedelta(days=90),
            )
    pool = offers["Swim session"].venue
    partner_staff_add(actor=coordinator, venue=pool, user=partner)
    partner_staff_add(actor=coordinator, venue=offers["Cinema ticket"].venue, user=partner)

    # Spending: a swim redeemed at the till, a cinema voucher confirmed, one still open.
    redeem_at_till(
        actor=partner, venue=pool, membership_number=tenant["Farah"].membership_number, offer=offers["Swim session"]
    )
    cinema = voucher_issue(actor=tenant["Bethan"].user, volunteer=tenant["Bethan"], offer=offers["Cinema ticket"])
    voucher_confirm(actor=partner, code=cinema.code, venue=cinema.offer.venue)
    voucher_issue(actor=tenant["Jess"].user, volunteer=tenant["Jess"], offer=offers["Family workshop"])

    # Gifts: to a neighbour, to the community fund, and a grant from the fund.
    gift_to_member(
        actor=tenant["Jess"].user,
        giver=tenant["Jess"],
        programme=programme,
        membership_number=tenant["Dilys"].membership_number,
        minutes=60,
        message="For the swim you wanted. Jess",
    )
    gift_to_fund(
        actor=tenant["Farah"].user, giver=tenant["Farah"], programme=programme, minutes=60, message="For the fund"
    )
    fund_grant(
        actor=coordinator,
        programme=programme,
        membership_number=tenant["Idris"].membership_number,
        minutes=60,
        message="Thank you for the garden clear-up",
    )
