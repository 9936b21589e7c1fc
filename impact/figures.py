"""The figures of an impact statement, computed with aggregate queries.

`statement_figures` returns one plain dict: the JSON document of the statement. It holds
no names and no ids of people, only counts and sums with the small-number rule of
impact.suppression applied, and nothing that changes between two runs on the same data
(no clock, no ordering left to the database), so the same inputs give the same bytes.

The number of queries is fixed: about fifteen per period, whatever the number of
volunteers, transactions or mentorships. Rows come back grouped (per activity, month and
volunteer at most) and are added up here.
"""

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncMonth

from impact.models import ImpactNarrative, OutcomeBasis, OutcomeRecord, OutcomeValue, ProgrammeCost
from impact.suppression import Row, figure, is_small, protect
from ledger.selectors import scope_flows
from mentoring.models import ClosureReason, HouseholdMember, Mentorship, SupportedKind
from mentoring.selectors import goal_summary
from timebank.core.models import ClaimStatus, HoursClaim, Programme, Redemption, TrainingRecord, VolunteerProfile

FIGURES_VERSION = 1
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period just before, as long: whole calendar months when this one is whole months."""
        if self.start.day == 1 and self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            end = self.start - dt.timedelta(days=1)
            index = self.start.year * 12 + self.start.month - 1 - months
            return Period(dt.date(index // 12, index % 12 + 1, 1), end)
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def months(self) -> list[str]:
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days}


def money(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def ratio(numerator: Decimal, denominator: Decimal) -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP))


def statement_figures(
    programmes: list[Programme],
    *,
    start: dt.date,
    end: dt.date,
    prepared_for: str,
    include_demographics: bool = False,
) -> dict:
    """The whole document: scope, period, this period's figures beside the previous period's,
    the coordinators' narratives, and the assumptions the methodology page lists."""
    programmes = sorted(programmes, key=lambda p: p.slug)
    period = Period(start, end)
    previous = period.previous()
    return {
        "document": "Timebank impact statement",
        "figures_version": FIGURES_VERSION,
        "prepared_for": prepared_for,
        "programmes": [
            {
                "slug": p.slug,
                "name": p.name,
                "organisation": p.organisation.name,
                "currency": p.currency,
                "hourly_value": money(p.hourly_value.amount),
            }
            for p in programmes
        ],
        "period": period.as_dict(),
        "previous_period": previous.as_dict(),
        "include_demographics": include_demographics,
        "current": period_figures(programmes, period, include_demographics=include_demographics),
        "previous": period_figures(programmes, previous, include_demographics=include_demographics),
        "narratives": narratives(programmes, period),
    }


def period_figures(programmes: list[Programme], period: Period, *, include_demographics: bool) -> dict:
    ids = [p.pk for p in programmes]
    time = _time_given(programmes, period)
    mentoring = _mentoring(ids, period)
    goals = _goals(ids, period)
    figures = {
        "volunteers": time["volunteers"],
        "hours": time["hours"],
        "value_of_time": time["value"],
        "credits": _credits(ids, period),
        "redemptions": _redemptions(ids, period),
        "training": _training(ids, period),
        "mentorships": mentoring["mentorships"],
        "reach": mentoring["reach"],
        "goals": goals["figures"],
    }
    costs = _costs(ids, period)
    savings = _savings(programmes, period, goals["achieved_by_programme"], mentoring["goals_met_by_programme"])
    figures["costs"] = costs
    figures["savings"] = savings
    figures["cost_benefit"] = _cost_benefit(costs, savings)
    if include_demographics:
        figures["demographics"] = _demographics(ids, period, time["active_ids"])
    return figures


def _approved_claims(ids, period: Period):
    return HoursClaim.objects.filter(
        programme_id__in=ids, status=ClaimStatus.APPROVED, date__gte=period.start, date__lte=period.end
    )


def _time_given(programmes: list[Programme], period: Period) -> dict:
    """Volunteers active (an approved claim dated in the period) and new (their first approved
    claim in the programme falls in the period); hours by activity and month; their value."""
    ids = [p.pk for p in programmes]
    several = len(programmes) > 1
    rows = (
        _approved_claims(ids, period)
        .annotate(month=TruncMonth("date"))
        .values("programme_id", "programme__slug", "activity__name", "month", "volunteer_id")
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )
    active: set[int] = set()
    minutes_by_programme: dict[int, int] = defaultdict(int)
    by_activity: dict[str, list] = defaultdict(lambda: [0, set()])
    by_month: dict[str, list] = {month: [0, set()] for month in period.months()}
    for row in rows:
        volunteer, minutes = row["volunteer_id"], row["minutes"]
        active.add(volunteer)
        minutes_by_programme[row["programme_id"]] += minutes
        activity = f"{row['programme__slug']} · {row['activity__name']}" if several else row["activity__name"]
        for cell in (by_activity[activity], by_month[row["month"].strftime("%Y-%m")]):
            cell[0] += minutes
            cell[1].add(volunteer)
    first_claims = (
        HoursClaim.objects.filter(programme_id__in=ids, status=ClaimStatus.APPROVED)
        .values("volunteer_id")
        .annotate(first=Min("date"))
        .filter(first__gte=period.start, first__lte=period.end)
        .values_list("volunteer_id", flat=True)
    )
    new = frozenset(first_claims) & active
    active = frozenset(active)
    total_minutes = sum(minutes_by_programme.values())

    value_by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for programme in programmes:
        value_by_currency[programme.currency] += (
            Decimal(minutes_by_programme.get(programme.pk, 0)) * programme.hourly_value.amount / 60
        )
    return {
        "active_ids": active,
        "volunteers": {
            "active": figure(len(active), active),
            "breakdown": protect(
                [Row("new", {}, new), Row("returning", {}, active - new)],
                total_people=active,
            ),
        },
        "hours": {
            "minutes": figure(total_minutes, active),
            "by_activity": protect(
                [Row(name, {"minutes": m}, frozenset(people)) for name, (m, people) in sorted(by_activity.items())],
                total_people=active,
            ),
            "by_month": protect(
                [Row(month, {"minutes": m}, frozenset(people)) for month, (m, people) in by_month.items()],
                total_people=active,
            ),
        },
        "value": {currency: figure(money(value), active) for currency, value in sorted(value_by_currency.items())},
    }


def _credits(ids, period: Period) -> dict:
    """From the ledger: credits issued (net of reversals), redeemed at partners, gifted between
    members or to the community fund, expired, and outstanding (held by members, the community
    fund and vouchers not yet used) at the start and the end of the period. In minutes."""
    issued = redeemed = expired = gifted = 0
    outstanding_before = outstanding_end = 0
    issued_to = redeemed_from = expired_from = gifted_by = holders = 0
    for group in scope_flows(ids, start=period.start, end=period.end):
        effective = group.reverses_kind or group.kind
        if group.account_kind == "issuer":
            issued -= group.period_net
        elif group.account_kind == "partner":
            redeemed += group.period_net
        elif group.account_kind == "expired":
            expired += group.period_net
        else:  # volunteer, community fund and held accounts: credits still to be spent
            outstanding_before += group.before_net
            outstanding_end += group.before_net + group.period_net
            if group.account_kind == "volunteer":
                holders = max(holders, group.holders_to_end)
                if group.kind == "earn":
                    issued_to = max(issued_to, group.credited_accounts)
                if group.kind == "expire":
                    expired_from = max(expired_from, group.debited_accounts)
                if group.kind == "gift":
                    gifted_by = max(gifted_by, group.debited_accounts)
                if group.kind == "redeem":  # the members who spent, not the venues paid
                    redeemed_from = max(redeemed_from, group.debited_accounts)
        if effective == "gift":
            gifted += group.period_credited if group.kind == "gift" else -group.period_credited
    # The flow adds up: outstanding at the end = at the start + issued - redeemed - expired.
    # Hiding one of the three would not hide it, so they are protected as one breakdown.
    flows = protect(
        [
            Row("issued", {"minutes": issued}, issued_to if issued else 0),
            Row("redeemed", {"minutes": redeemed}, redeemed_from if redeemed else 0),
            Row("expired", {"minutes": expired}, expired_from if expired else 0),
        ],
        total_people=max(issued_to, redeemed_from, expired_from, holders),
    )
    flow = {row["key"]: row["minutes"] for row in flows}
    return {
        **flow,
        "gifted": figure(gifted, gifted_by if gifted else 0),
        "outstanding_start": figure(outstanding_before, holders if outstanding_before else 0),
        "outstanding_end": figure(outstanding_end, holders if outstanding_end else 0),
    }


def _redemptions(ids, period: Period) -> dict:
    rows = (
        Redemption.objects.filter(
            venue__programme_id__in=ids,
            transaction__occurred_on__gte=period.start,
            transaction__occurred_on__lte=period.end,
            transaction__reversed_by__isnull=True,
        )
        .values("venue__category", "volunteer_id", "cash_value_currency")
        .annotate(count=Count("id"), minutes=Sum("price_minutes"), cash=Sum("cash_value"))
        .order_by()
    )
    categories: dict[str, dict] = {}
    everyone: set[int] = set()
    totals = {"count": 0, "minutes": 0}
    cash_total: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        cell = categories.setdefault(
            row["venue__category"], {"count": 0, "minutes": 0, "cash": defaultdict(Decimal), "people": set()}
        )
        cell["count"] += row["count"]
        cell["minutes"] += row["minutes"]
        cell["cash"][row["cash_value_currency"]] += row["cash"]
        cell["people"].add(row["volunteer_id"])
        everyone.add(row["volunteer_id"])
        totals["count"] += row["count"]
        totals["minutes"] += row["minutes"]
        cash_total[row["cash_value_currency"]] += row["cash"]
    everyone = frozenset(everyone)
    by_category = [
        Row(
            category,
            {
                "count": cell["count"],
                "minutes": cell["minutes"],
                "cash_value": {c: money(v) for c, v in sorted(cell["cash"].items())},
            },
            frozenset(cell["people"]),
        )
        for category, cell in sorted(categories.items())
    ]
    return {
        "people": figure(len(everyone), everyone),
        "count": figure(totals["count"], everyone),
        "minutes": figure(totals["minutes"], everyone),
        "cash_value": {c: figure(money(v), everyone) for c, v in sorted(cash_total.items())},
        "by_category": protect(by_category, total_people=everyone),
    }


def _training(ids, period: Period) -> dict:
    """Verified training completed in the period, by course; people holding a current
    (verified, unexpired) training record at the end of the period."""
    verified = TrainingRecord.objects.filter(course__programme_id__in=ids, verified_at__isnull=False)
    rows = (
        verified.filter(completed_on__gte=period.start, completed_on__lte=period.end)
        .values("course__name", "volunteer_id")
        .annotate(records=Count("id"))
        .order_by()
    )
    courses: dict[str, list] = defaultdict(lambda: [0, set()])
    for row in rows:
        courses[row["course__name"]][0] += row["records"]
        courses[row["course__name"]][1].add(row["volunteer_id"])
    trained = frozenset().union(*(people for _, people in courses.values()))
    current = frozenset(
        verified.filter(completed_on__lte=period.end)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=period.end))
        .values_list("volunteer_id", flat=True)
        .distinct()
    )
    return {
        "completed": figure(sum(records for records, _ in courses.values()), trained),
        "people_trained": figure(len(trained), trained),
        "by_course": protect(
            [Row(name, {"completed": n}, frozenset(people)) for name, (n, people) in sorted(courses.items())],
            total_people=trained,
        ),
        "qualified_at_end": figure(len(current), current),
    }


def _mentoring(ids, period: Period) -> dict:
    """Mentorships open at some time in the period, started in it, closed in it by reason;
    the people and families they supported."""
    open_in_period = Mentorship.objects.filter(programme_id__in=ids, starts_on__lte=period.end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=period.start)
    )
    rows = list(
        open_in_period.values(
            "id", "programme_id", "person_id", "person__kind", "mentor_id", "starts_on", "ended_on", "closure_reason"
        ).order_by("id")
    )
    members = dict(
        HouseholdMember.objects.filter(person__mentorships__in=open_in_period)
        .values("person_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("person_id", "n")
    )
    active = frozenset(row["id"] for row in rows)
    started = frozenset(row["id"] for row in rows if row["starts_on"] >= period.start)
    closed_rows = [row for row in rows if row["ended_on"] is not None and row["ended_on"] <= period.end]
    closed = frozenset(row["id"] for row in closed_rows)
    mentors = frozenset(row["mentor_id"] for row in rows)
    by_reason = []
    for reason in ClosureReason.values:
        ended = frozenset(row["id"] for row in closed_rows if row["closure_reason"] == reason)
        by_reason.append(Row(reason, {}, ended))
    goals_met_by_programme: dict[int, int] = defaultdict(int)
    for row in closed_rows:
        if row["closure_reason"] == ClosureReason.GOALS_MET:
            goals_met_by_programme[row["programme_id"]] += 1

    people = {row["person_id"]: row["person__kind"] for row in rows}
    families = frozenset(p for p, kind in people.items() if kind == SupportedKind.FAMILY)
    individuals = frozenset(p for p, kind in people.items() if kind != SupportedKind.FAMILY)
    supported = families | individuals
    # A family without its members recorded counts as one person.
    people_reached = len(individuals) + sum(max(1, members.get(family, 0)) for family in families)
    return {
        "mentorships": {
            "active": figure(len(active), active),
            "mentors": figure(len(mentors), mentors),
            "breakdown": protect(
                [Row("started", {}, started), Row("continuing", {}, active - started)], total_people=active
            ),
            "closed": figure(len(closed), closed),
            "closed_by_reason": protect(by_reason, total_people=closed),
        },
        "reach": {
            "supported": figure(len(supported), supported),
            "breakdown": protect(
                [Row("families", {}, families), Row("individuals", {}, individuals)], total_people=supported
            ),
            "people_reached": figure(people_reached, supported),
        },
        "goals_met_by_programme": dict(goals_met_by_programme),
    }


def _goals(ids, period: Period) -> dict:
    summary = goal_summary(ids, start=period.start, end=period.end)
    people = summary.mentorships_with_goals
    counted = frozenset(summary.mentorships_by_status.get("active", frozenset())) | frozenset(
        summary.mentorships_by_status.get("achieved", frozenset())
    )

    def score(value):
        return None if value is None else str(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))

    goals_by_status = {
        "active": summary.goals_set - summary.achieved - summary.dropped,
        "achieved": summary.achieved,
        "dropped": summary.dropped,
    }
    statuses = [
        Row(status, {"goals": goals}, summary.mentorships_by_status.get(status, frozenset()))
        for status, goals in goals_by_status.items()
    ]
    return {
        "figures": {
            "set": figure(summary.goals_set, people),
            "people_with_goals": figure(len(people), people),
            "by_status": protect(statuses, total_people=people),
            "mean_t_baseline": figure(score(summary.mean_baseline), counted),
            "mean_t_latest": figure(score(summary.mean_latest), counted),
        },
        "achieved_by_programme": summary.achieved_by_programme,
    }


def _demographics(ids, period: Period, active: frozenset) -> dict:
    """Active volunteers by gender as they stated it ("not stated" when blank)."""
    rows = VolunteerProfile.objects.filter(pk__in=_approved_claims(ids, period).values("volunteer_id")).values_list(
        "pk", "gender"
    )
    by_gender: dict[str, set] = defaultdict(set)
    for pk, gender in rows:
        by_gender[gender or "not_stated"].add(pk)
    return {
        "volunteers_by_gender": protect(
            [Row(g, {}, frozenset(people)) for g, people in sorted(by_gender.items())], total_people=active
        )
    }


def _costs(ids, period: Period) -> dict:
    rows = (
        ProgrammeCost.objects.filter(programme_id__in=ids, incurred_on__gte=period.start, incurred_on__lte=period.end)
        .values("category", "amount_currency")
        .annotate(total=Sum("amount"))
        .order_by("category", "amount_currency")
    )
    by_category: dict[str, dict] = defaultdict(dict)
    total: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        by_category[row["category"]][row["amount_currency"]] = money(row["total"])
        total[row["amount_currency"]] += row["total"]
    return {
        "by_category": [{"key": category, "amount": amounts} for category, amounts in sorted(by_category.items())],
        "total": {c: money(v) for c, v in sorted(total.items())},
    }


def _savings(programmes, period: Period, achieved_by_programme: dict, goals_met_by_programme: dict) -> dict:
    """Each outcome value times the outcomes counted in the period: gross, and net of
    deadweight and attribution.

    An outcome counted 1 to 4 times reads "fewer than 5" and is left out of the totals:
    with the saving per outcome printed beside it, a total that included it would give
    the count away."""
    ids = [p.pk for p in programmes]
    several = len(programmes) > 1
    outcomes = list(OutcomeValue.objects.filter(programme_id__in=ids).select_related("programme").order_by("pk"))
    recorded = dict(
        OutcomeRecord.objects.filter(
            outcome__programme_id__in=ids, occurred_on__gte=period.start, occurred_on__lte=period.end
        )
        .values("outcome_id")
        .annotate(n=Sum("count"))
        .values_list("outcome_id", "n")
    )
    rows = []
    totals = {"gross": defaultdict(Decimal), "net": defaultdict(Decimal)}
    left_out = 0
    for outcome in outcomes:
        if outcome.basis == OutcomeBasis.GOALS_ACHIEVED:
            count = achieved_by_programme.get(outcome.programme_id, 0)
        elif outcome.basis == OutcomeBasis.MENTORSHIPS_GOALS_MET:
            count = goals_met_by_programme.get(outcome.programme_id, 0)
        else:
            count = recorded.get(outcome.pk, 0)
        unit = outcome.unit_value.amount
        gross = unit * count
        net = gross * (100 - outcome.deadweight_percent) * (100 - outcome.attribution_percent) / 10000
        currency = str(outcome.unit_value_currency)
        totals["gross"].setdefault(currency, Decimal(0))
        totals["net"].setdefault(currency, Decimal(0))
        if is_small(count):
            left_out += 1
        else:
            totals["gross"][currency] += gross
            totals["net"][currency] += net
        rows.append(
            {
                "key": f"{outcome.programme.slug} · {outcome.name}" if several else outcome.name,
                "basis": outcome.basis,
                "count": figure(count, count),
                "gross": figure(money(gross), count),
                "net": figure(money(net), count),
                "unit_value": money(unit),
                "currency": currency,
                "deadweight_percent": outcome.deadweight_percent,
                "attribution_percent": outcome.attribution_percent,
                "source": outcome.source,
            }
        )
    return {
        "outcomes": rows,
        "outcomes_left_out": left_out,
        "gross": {c: money(v) for c, v in sorted(totals["gross"].items())},
        "net": {c: money(v) for c, v in sorted(totals["net"].items())},
    }


def _cost_benefit(costs: dict, savings: dict) -> dict:
    """Savings per unit of cost, by currency: gross, and net of deadweight and attribution."""
    result = {}
    for currency in sorted(set(costs["total"]) | set(savings["gross"])):
        cost = costs["total"].get(currency)
        gross, net = savings["gross"].get(currency), savings["net"].get(currency)
        result[currency] = {
            "gross_ratio": ratio(Decimal(gross or 0), Decimal(cost or 0)),
            "net_ratio": ratio(Decimal(net or 0), Decimal(cost or 0)),
        }
    return result


def narratives(programmes, period: Period) -> list[dict]:
    """Each programme's narrative for the period: the one overlapping it that ends latest."""
    chosen: dict[int, ImpactNarrative] = {}
    rows = ImpactNarrative.objects.filter(
        programme__in=programmes, start__lte=period.end, end__gte=period.start
    ).order_by("-end", "-start", "-pk")
    for narrative in rows:
        chosen.setdefault(narrative.programme_id, narrative)
    return [
        {
            "programme": p.slug,
            "start": chosen[p.pk].start.isoformat(),
            "end": chosen[p.pk].end.isoformat(),
            "narrative": chosen[p.pk].narrative,
            "case_study": chosen[p.pk].case_study,
        }
        for p in programmes
        if p.pk in chosen
    ]
