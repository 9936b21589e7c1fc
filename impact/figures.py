"""The figures of an impact statement, computed with aggregate queries.

`statement_figures` returns one plain dict: the JSON document of the statement. It holds
no names and no ids of people, only counts and sums with the small-number rule of
impact.suppression applied, and nothing that changes between two runs on the same data
(no clock, no ordering left to the database), so the same inputs give the same bytes.

The number of queries is fixed, whatever the number of volunteers, transactions or
mentorships, and so, apart from the mentorships and goals (a row each), is the number of
rows: the database counts the people behind each figure (COUNT DISTINCT) and sums their
minutes; rows come back per activity, month, partner category or course at most.
"""

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, CharField, Count, Min, Q, Sum, Value, When
from django.db.models.functions import Cast, Substr

from impact.models import ImpactNarrative, OutcomeBasis, OutcomeRecord, OutcomeValue, ProgrammeCost
from impact.suppression import Row, figure, is_small, protect
from ledger.selectors import reversed_transactions, scope_flows_of_periods
from mentoring.models import ClosureReason, HouseholdMember, Mentorship, SupportedKind
from mentoring.selectors import goal_summary
from timebank.accounts.models import Programme
from timebank.earning.models import ClaimStatus, HoursClaim
from timebank.spending.models import Redemption
from timebank.training.models import TrainingRecord
from timebank.volunteers.models import VolunteerProfile

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
    time_now, time_before = _time_given(programmes, period, previous)
    flows_now, flows_before = scope_flows_of_periods(
        [p.pk for p in programmes], [(period.start, period.end), (previous.start, previous.end)]
    )
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
        "current": period_figures(
            programmes, period, time=time_now, flows=flows_now, include_demographics=include_demographics
        ),
        "previous": period_figures(
            programmes, previous, time=time_before, flows=flows_before, include_demographics=include_demographics
        ),
        "narratives": narratives(programmes, period),
    }


def period_figures(
    programmes: list[Programme], period: Period, *, time: dict, flows: list, include_demographics: bool
) -> dict:
    """The figures of one period; `time` is its part of _time_given, `flows` its ledger flows
    (both are read for the two periods at once)."""
    ids = [p.pk for p in programmes]
    mentoring = _mentoring(ids, period)
    goals = _goals(ids, period)
    figures = {
        "volunteers": time["volunteers"],
        "hours": time["hours"],
        "value_of_time": time["value"],
        "credits": _credits(flows),
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
        figures["demographics"] = _demographics(ids, period, time["active"])
    return figures


def _approved_claims(ids, period: Period):
    return HoursClaim.objects.filter(
        programme_id__in=ids, status=ClaimStatus.APPROVED, date__gte=period.start, date__lte=period.end
    )


def _time_given(programmes: list[Programme], period: Period, previous: Period) -> tuple[dict, dict]:
    """For `period` and the `previous` one just before it: volunteers active (an approved
    claim dated in the period) and new (their first approved claim in the programme falls in
    the period); hours by activity and month; their value. Four queries for both periods, each
    one pass over the claims: per activity, per month, the active volunteers, the new ones (by
    each volunteer's first claim, counted in the database)."""
    ids = [p.pk for p in programmes]
    several = len(programmes) > 1
    claims = HoursClaim.objects.filter(
        programme_id__in=ids, status=ClaimStatus.APPROVED, date__gte=previous.start, date__lte=period.end
    ).annotate(side=Case(When(date__gte=period.start, then=Value(1)), default=Value(0)))
    people = Count("volunteer_id", distinct=True)
    sides = {0: previous, 1: period}
    minutes_by_programme = {side: defaultdict(int) for side in sides}
    by_activity = {side: defaultdict(lambda: [0, 0]) for side in sides}
    for row in (
        claims.values("side", "programme_id", "programme__slug", "activity__name")
        .annotate(minutes=Sum("minutes"), people=people)
        .order_by("side", "programme_id", "activity__name")
    ):
        side = row["side"]
        minutes_by_programme[side][row["programme_id"]] += row["minutes"]
        activity = f"{row['programme__slug']} · {row['activity__name']}" if several else row["activity__name"]
        by_activity[side][activity][0] += row["minutes"]
        # One activity name in two programmes: the people may overlap; count the larger.
        by_activity[side][activity][1] = max(by_activity[side][activity][1], row["people"])
    # The month as text ("YYYY-MM"): a date is stored and cast as YYYY-MM-DD on every backend.
    by_month = {side: dict.fromkeys(sides[side].months(), (0, 0)) for side in sides}
    for row in (
        claims.annotate(month=Substr(Cast("date", CharField()), 1, 7))
        .values("side", "month")
        .annotate(minutes=Sum("minutes"), people=people)
        .order_by("side", "month")
    ):
        by_month[row["side"]][row["month"]] = (row["minutes"], row["people"])
    active = claims.aggregate(
        now=Count("volunteer_id", distinct=True, filter=Q(date__gte=period.start)),
        before=Count("volunteer_id", distinct=True, filter=Q(date__lt=period.start)),
    )
    active = {1: active["now"], 0: active["before"]}
    first_claims = (
        HoursClaim.objects.filter(programme_id__in=ids, status=ClaimStatus.APPROVED)
        .values("volunteer_id")
        .annotate(first=Min("date"))
    )
    new = first_claims.aggregate(
        **{
            f"side{side}": Count("volunteer_id", filter=Q(first__gte=each.start, first__lte=each.end))
            for side, each in sides.items()
        }
    )
    new = {side: new[f"side{side}"] for side in sides}
    now, before = (
        _time_figures(programmes, by_activity[s], by_month[s], active[s], new[s], minutes_by_programme[s])
        for s in (1, 0)
    )
    return now, before


def _time_figures(programmes, by_activity, by_month, active: int, new: int, minutes_by_programme) -> dict:
    total_minutes = sum(minutes_by_programme.values())
    value_by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for programme in programmes:
        value_by_currency[programme.currency] += (
            Decimal(minutes_by_programme.get(programme.pk, 0)) * programme.hourly_value.amount / 60
        )
    return {
        "active": active,
        "volunteers": {
            "active": figure(active, active),
            "breakdown": protect(
                [Row("new", {}, new), Row("returning", {}, active - new)],
                total_people=active,
            ),
        },
        "hours": {
            "minutes": figure(total_minutes, active),
            "by_activity": protect(
                [Row(name, {"minutes": m}, n) for name, (m, n) in sorted(by_activity.items())],
                total_people=active,
            ),
            "by_month": protect(
                [Row(month, {"minutes": m}, n) for month, (m, n) in by_month.items()],
                total_people=active,
            ),
        },
        "value": {currency: figure(money(value), active) for currency, value in sorted(value_by_currency.items())},
    }


def _credits(flows: list) -> dict:
    """From the ledger: credits issued (net of reversals), redeemed at partners, gifted between
    members or to the community fund, expired, and outstanding (held by members, the community
    fund and vouchers not yet used) at the start and the end of the period. In minutes."""
    issued = redeemed = expired = gifted = 0
    outstanding_before = outstanding_end = 0
    issued_to = redeemed_from = expired_from = gifted_by = holders = 0
    for group in flows:
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
    """Confirmed redemptions by partner category, with their cash value. Three queries: per
    category, per category and currency (the cash), and the totals."""
    redemptions = Redemption.objects.filter(
        venue__programme_id__in=ids,
        transaction__occurred_on__gte=period.start,
        transaction__occurred_on__lte=period.end,
    ).exclude(transaction_id__in=reversed_transactions())
    people = Count("volunteer_id", distinct=True)
    rows = (
        redemptions.values("venue__category")
        .annotate(count=Count("id"), minutes=Sum("price_minutes"), people=people)
        .order_by("venue__category")
    )
    cash_rows = (
        redemptions.values("venue__category", "cash_value_currency")
        .annotate(cash=Sum("cash_value"))
        .order_by("venue__category", "cash_value_currency")
    )
    cash: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    cash_total: dict[str, Decimal] = defaultdict(Decimal)
    for row in cash_rows:
        cash[row["venue__category"]][row["cash_value_currency"]] += row["cash"]
        cash_total[row["cash_value_currency"]] += row["cash"]
    totals = redemptions.aggregate(people=people, count=Count("id"), minutes=Sum("price_minutes"))
    everyone = totals["people"]
    by_category = [
        Row(
            row["venue__category"],
            {
                "count": row["count"],
                "minutes": row["minutes"],
                "cash_value": {c: money(v) for c, v in sorted(cash[row["venue__category"]].items())},
            },
            row["people"],
        )
        for row in rows
    ]
    return {
        "people": figure(everyone, everyone),
        "count": figure(totals["count"], everyone),
        "minutes": figure(totals["minutes"] or 0, everyone),
        "cash_value": {c: figure(money(v), everyone) for c, v in sorted(cash_total.items())},
        "by_category": protect(by_category, total_people=everyone),
    }


def _training(ids, period: Period) -> dict:
    """Verified training completed in the period, by course; people holding a current
    (verified, unexpired) training record at the end of the period. Three queries."""
    verified = TrainingRecord.objects.filter(course__programme_id__in=ids, verified_at__isnull=False)
    completed = verified.filter(completed_on__gte=period.start, completed_on__lte=period.end)
    people = Count("volunteer_id", distinct=True)
    rows = completed.values("course__name").annotate(records=Count("id"), people=people).order_by("course__name")
    totals = completed.aggregate(records=Count("id"), people=people)
    trained = totals["people"]
    current = (
        verified.filter(completed_on__lte=period.end)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=period.end))
        .aggregate(people=people)["people"]
    )
    return {
        "completed": figure(totals["records"], trained),
        "people_trained": figure(trained, trained),
        "by_course": protect(
            [Row(row["course__name"], {"completed": row["records"]}, row["people"]) for row in rows],
            total_people=trained,
        ),
        "qualified_at_end": figure(current, current),
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


def _demographics(ids, period: Period, active: int) -> dict:
    """Active volunteers by gender as they stated it ("not stated" when blank)."""
    rows = (
        VolunteerProfile.objects.filter(pk__in=_approved_claims(ids, period).values("volunteer_id"))
        .values("gender")
        .annotate(people=Count("id"))
        .order_by("gender")
    )
    by_gender: dict[str, int] = defaultdict(int)
    for row in rows:
        by_gender[row["gender"] or "not_stated"] += row["people"]
    return {
        "volunteers_by_gender": protect(
            [Row(g, {}, people) for g, people in sorted(by_gender.items())], total_people=active
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
