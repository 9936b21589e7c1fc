"""A small programme whose every figure for March 2026 is worked out by hand.

The clock is stopped at 31 March 2026, 10:00 UTC (`frozen_clock`), so what the services
date "today" (redemptions, gifts, goals) falls in March. The tenants' programme values an
hour at GBP 12.00. Minutes throughout.

February (the previous period): V1 and V2 give 60 min each in the garden.
March:
- Garden: V1 90, V2 60, V3 120, V4 30, V5 45 = 345 min, 5 people
- Panel (10 March): V1, V2, V3, V6, V7 60 each = 300 min, 5 people
- Newsletter: V6 75 = 75 min, 1 person
- V3 logs 60 min of newsletter still pending; V4's 60 min on 1 April are after the period.
  Active: V1..V7 = 7; new (first time in March) V3..V7 = 5; returning V1, V2 = 2.
  Hours 720 = 12 h; value 720 / 60 × 12.00 = GBP 144.00.
- Credits: 720 issued; V1 and V3 each swim for 120 at the pool (GBP 4.50 each): 240
  redeemed by 2 people; V5 gives 15 to the community fund. Outstanding: 120 at the start,
  120 + 720 - 240 = 600 at the end.
- Mentoring: six people supported by five mentors (M1 has two). Family 1 (3 household
  members) since 15 January; Families 2, 3, 4 and Individuals 1 and 2 from 1 to 5 March.
  Families 2 and 3 close on 31 March, goals met. People reached: 2 individuals + 3 + 1 + 1 + 1 = 8.
- Goals: one each (weight 1, baseline -1, so T = 50 + 10 × level) for Family 1..4 and
  Individual 1, reviewed at +1, 0 (achieved), +2 (achieved), -1, +1: mean T 40.00 at
  baseline, (60 + 50 + 70 + 40 + 60) / 5 = 56.00 at the latest review.
- Costs: training 500.00 (15 March), support 100.00 (20 March); rewards 50.00 in February.
- Outcomes: "Panel place" recorded, GBP 150 each, deadweight 20 %, attribution 10 %:
  6 in March (gross 900.00, net 900 × 0.8 × 0.9 = 648.00), 1 in February. "Goal achieved",
  GBP 1,000 each (25 %, 20 %): 2 in March, fewer than 5, so left out of the totals.
  Cost-benefit in March: 900 / 600 = 1.50 gross, 648 / 600 = 1.08 net.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from impact.services import cost_add, narrative_save, outcome_record, outcome_value_add
from mentoring.services import (
    goal_create,
    goal_review,
    mentorship_close,
    mentorship_start,
    person_record_update,
    supported_person_create,
)
from tests.conftest import PASSWORD
from tests.spending_support import spending_world
from timebank.accounts.models import MembershipStatus, Role
from timebank.earning.services.activities import activity_create
from timebank.earning.services.claims import claim_approve, claim_log
from timebank.spending.services.gifts import gift_to_fund
from timebank.spending.services.redeem import redeem_at_till
from timebank.volunteers.services.profiles import volunteer_register

NOW = dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
LEVELS = {"-2": "Notice served", "-1": "Owes rent", "0": "Rent paid", "1": "Paying arrears", "2": "No arrears"}


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def register(coordinator, programme, name: str, *, role=Role.VOLUNTEER, **profile):
    return volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name=name,
        role=role,
        status=MembershipStatus.ACTIVE,
        consent_to_record=True,
        **profile,
    )


def give(coordinator, volunteer, activity, day: dt.date, minutes: int, *, approve: bool = True):
    claim = claim_log(actor=coordinator, volunteer=volunteer, activity=activity, minutes=minutes, date=day)
    if approve:
        claim_approve(actor=coordinator, claim=claim)
    return claim


def build_march(*, admin, coordinator, programme, partner) -> SimpleNamespace:
    garden = activity_create(actor=coordinator, programme=programme, name="Garden")
    panel = activity_create(actor=coordinator, programme=programme, name="Panel")
    newsletter = activity_create(actor=coordinator, programme=programme, name="Newsletter")
    v = [None] + [register(coordinator, programme, f"Volunteer {n}") for n in range(1, 8)]
    feb, mar = dt.date(2026, 2, 1), dt.date(2026, 3, 1)
    give(coordinator, v[1], garden, feb + dt.timedelta(days=9), 60)
    give(coordinator, v[2], garden, feb + dt.timedelta(days=10), 60)
    for n, minutes in ((1, 90), (2, 60), (3, 120), (4, 30), (5, 45)):
        give(coordinator, v[n], garden, mar + dt.timedelta(days=n), minutes)
    for n in (1, 2, 3, 6, 7):
        give(coordinator, v[n], panel, dt.date(2026, 3, 10), 60)
    give(coordinator, v[6], newsletter, dt.date(2026, 3, 12), 75)
    give(coordinator, v[3], newsletter, dt.date(2026, 3, 20), 60, approve=False)

    shops = spending_world(coordinator=coordinator, programme=programme, partner=partner)
    for n in (1, 3):
        redeem_at_till(actor=partner, venue=shops.pool, membership_number=v[n].membership_number, offer=shops.swim)
    gift_to_fund(actor=v[5].user, giver=v[5], programme=programme, minutes=15)

    mentors = [register(coordinator, programme, f"Mentor {n}", role=Role.MENTOR, max_mentees=2) for n in range(1, 6)]
    people = [
        supported_person_create(actor=coordinator, programme=programme, kind=kind, reference=reference)
        for kind, reference in (
            ("family", "Family 1"),
            ("family", "Family 2"),
            ("family", "Family 3"),
            ("family", "Family 4"),
            ("individual", "Individual 1"),
            ("individual", "Individual 2"),
        )
    ]
    household = [{"label": label} for label in ("Mother", "Father", "Child")]
    person_record_update(actor=coordinator, person=people[0], household=household)
    starts = [dt.date(2026, 1, 15)] + [dt.date(2026, 3, day) for day in range(1, 6)]
    mentor_of = [mentors[0], mentors[1], mentors[2], mentors[3], mentors[4], mentors[0]]
    mentorships = [
        mentorship_start(actor=coordinator, person=person, mentor=mentor, starts_on=start)
        for person, mentor, start in zip(people, mentor_of, starts, strict=True)
    ]
    for mentorship, level, status in zip(
        mentorships[:5], (1, 0, 2, -1, 1), ("", "achieved", "achieved", "", ""), strict=True
    ):
        goal = goal_create(
            actor=coordinator, mentorship=mentorship, domain="housing", description="Keep the flat", levels=LEVELS
        )
        goal_review(actor=coordinator, goal=goal, level=level, reviewed_on=dt.date(2026, 3, 25), status=status)
    for mentorship in mentorships[1:3]:
        mentorship_close(actor=coordinator, mentorship=mentorship, reason="goals_met")

    cost_add(
        actor=coordinator, programme=programme, category="training", description="Course",
        incurred_on=dt.date(2026, 3, 15), amount="500.00",
    )  # fmt: skip
    cost_add(
        actor=coordinator, programme=programme, category="support", description="Travel",
        incurred_on=dt.date(2026, 3, 20), amount="100.00",
    )  # fmt: skip
    cost_add(
        actor=coordinator, programme=programme, category="rewards", description="Tickets",
        incurred_on=dt.date(2026, 2, 10), amount="50.00",
    )  # fmt: skip
    panel_place = outcome_value_add(
        actor=coordinator, programme=programme, name="Panel place", basis="recorded", unit_value="150.00",
        deadweight_percent=20, attribution_percent=10, source="Paid focus-group place",
    )  # fmt: skip
    outcome_record(actor=coordinator, outcome=panel_place, occurred_on=dt.date(2026, 3, 10), count=6)
    outcome_record(actor=coordinator, outcome=panel_place, occurred_on=dt.date(2026, 2, 5), count=1)
    outcome_value_add(
        actor=coordinator, programme=programme, name="Goal achieved", basis="goals_achieved", unit_value="1000.00",
        deadweight_percent=25, attribution_percent=20, source="Evaluation",
    )  # fmt: skip
    narrative_save(
        actor=coordinator, programme=programme, start=MARCH[0], end=MARCH[1],
        narrative="The garden opened.", case_study="A tenant found her feet.",
    )  # fmt: skip
    return SimpleNamespace(
        volunteers=v, activities={"garden": garden, "panel": panel, "newsletter": newsletter}, shops=shops,
        mentors=mentors, people=people, mentorships=mentorships, panel_place=panel_place,
    )  # fmt: skip


@pytest.fixture
def march(frozen_clock, admin, coordinator, programme, partner):
    return build_march(admin=admin, coordinator=coordinator, programme=programme, partner=partner)


__all__ = ["MARCH", "NOW", "PASSWORD", "build_march", "frozen_clock", "give", "march", "register"]
