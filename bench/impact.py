"""Impact statement benchmark: the figures of a big programme's year, their queries, and the PDF.

    .venv/bin/python bench/impact.py [--smoke]

Runs on a temporary SQLite file, or, when DATABASE_URL points at a PostgreSQL server, on a
database `timebank_bench` that it creates there and drops at the end (bench/ledger.py's
BenchDatabase; it never touches the database named in the URL).

Two programmes are written with bulk_create from a seeded random generator, one a tenth
the size of the other. The big one has 5,000 volunteers, 200,000 ledger transactions over
the year (earned for approved claims, redeemed at partners, gifted, expired) and 500
mentorships with their goals and reviews. Measured:

(a) statement_figures for the year (this year and the previous, side by side): the median
    of 3 runs, and the number of queries, for the big programme and the small one. The
    queries must be the same number (the ratio is 1.0) and the time under 2 s;
(b) statement_pdf of the big programme's figures: median of 3 renders, under 5 s.
`--smoke` writes 300 volunteers and 6,000 transactions (the small programme a tenth) and
holds to the same limits. The last line printed is one JSON object with every figure.
"""

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261203

FULL = {"volunteers": 5_000, "transactions": 200_000, "mentorships": 500}
SMOKE = {"volunteers": 300, "transactions": 6_000, "mentorships": 30}
TARGETS = {"figures_seconds_max": 2.0, "pdf_seconds_max": 5.0, "queries_ratio": 1.0}
ROUNDS = 3
ACTIVITIES = ["Community kitchen", "Garden", "Tenant panel", "Newsletter", "Summer fair", "Youth club", "Repair café"]
CATEGORIES = [("Cinema", "culture", 180, "8.00"), ("Pool", "sport", 120, "4.50"), ("Café", "food", 60, "3.00")]


def _bench_database():
    """bench/ledger.py's BenchDatabase, loaded from its file: `import ledger` would find the Django app."""
    spec = importlib.util.spec_from_file_location("bench_ledger", Path(__file__).resolve().parent / "ledger.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BenchDatabase


class World:
    def __init__(self, year_start: dt.date):
        from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

        from timebank.accounts.models import User
        from timebank.accounts.services.programmes import organisation_create

        self.admin = User.objects.create_superuser("bench-admin", "bench-admin@example.org", None)
        self.coordinator = User.objects.create(username="bench-coordinator", password=UNUSABLE_PASSWORD_PREFIX)
        self.organisation = organisation_create(actor=self.admin, name="Bench Housing", slug="bench-housing")
        self.start = year_start
        self.days = 365

    def programme(self, slug: str, *, volunteers: int, transactions: int, mentorships: int, seed: int):
        from django.db import transaction

        from timebank.accounts.models import Membership, Role
        from timebank.accounts.services.programmes import programme_create
        from timebank.earning.services.activities import activity_create
        from timebank.spending.services.partners import offer_create, partner_venue_create

        rng = random.Random(seed)
        with transaction.atomic():
            programme = programme_create(
                actor=self.admin, organisation=self.organisation, name=f"Bench {slug}", slug=slug, hourly_value="13.50"
            )
            Membership.objects.create(
                user=self.coordinator, programme=programme, role=Role.COORDINATOR, status_since=self.start
            )
            activities = [activity_create(actor=self.coordinator, programme=programme, name=n) for n in ACTIVITIES]
            offers = []
            for name, category, price, cash in CATEGORIES:
                venue = partner_venue_create(actor=self.coordinator, programme=programme, name=name, category=category)
                offer = offer_create(
                    actor=self.coordinator,
                    venue=venue,
                    title=name,
                    price_minutes=price,
                    cash_value=cash,
                    starts_on=self.start,
                )
                offers.append(offer)
            profiles = self._volunteers(programme, volunteers, rng, slug)
            self._ledger(programme, profiles, activities, offers, transactions, rng)
            self._mentoring(programme, profiles, activities[0], mentorships, rng, slug)
        _analyze()
        return programme

    def _volunteers(self, programme, count: int, rng, tag: str):
        from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

        from timebank.accounts.models import Membership, Role, User
        from timebank.volunteers.models import VolunteerProfile

        users = User.objects.bulk_create(
            [User(username=f"bench-{tag}-{n}", password=UNUSABLE_PASSWORD_PREFIX) for n in range(count)],
            batch_size=5000,
        )
        profiles = VolunteerProfile.objects.bulk_create(
            [
                VolunteerProfile(
                    user=user,
                    full_name=f"Volunteer {tag} {n}",
                    membership_number=f"{tag.split('-')[-1][:3].upper()}{n:06d}",
                    gender=rng.choice(["woman", "man", "non_binary", ""]),
                )
                for n, user in enumerate(users)
            ],
            batch_size=5000,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user=user,
                    programme=programme,
                    role=Role.MENTOR if n % 10 == 0 else Role.VOLUNTEER,
                    status_since=self.start,
                )
                for n, user in enumerate(users)
            ],
            batch_size=5000,
        )
        return profiles

    def _ledger(self, programme, profiles, activities, offers, count: int, rng) -> None:
        """`count` transactions in date order, 80 % earned for approved claims, 12 % redeemed,
        5 % gifted, 3 % expired; the postings carry their running balances."""
        from ledger.models import Account, AccountKind, Posting, Transaction
        from ledger.services import account_get
        from timebank.earning.models import HoursClaim
        from timebank.spending.models import Redemption

        issuer = account_get(kind=AccountKind.ISSUER, scope_id=programme.pk)
        expired = account_get(kind=AccountKind.EXPIRED, scope_id=programme.pk)
        accounts = {
            a.holder_id: a
            for a in Account.objects.bulk_create(
                [
                    Account(kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=p.pk, name=p.full_name)
                    for p in profiles
                ],
                batch_size=5000,
            )
        }
        venues = {
            o.venue_id: account_get(kind=AccountKind.PARTNER, scope_id=programme.pk, holder_id=o.venue_id)
            for o in offers
        }
        balances: dict[int, int] = {a.pk: 0 for a in [issuer, expired, *accounts.values(), *venues.values()]}
        days = sorted(self.start + dt.timedelta(days=rng.randrange(self.days)) for _ in range(count))
        planned = []  # (kind, day, postings, the claim or redemption behind it)
        claimed: set[tuple] = set()
        for day in days:
            profile = profiles[rng.randrange(len(profiles))]
            mine = accounts[profile.pk]
            roll = rng.random()
            other = accounts[profiles[rng.randrange(len(profiles))].pk]
            if roll < 0.12 and balances[mine.pk] >= 180:
                offer = offers[rng.randrange(len(offers))]
                legs = [(mine, -offer.price_minutes), (venues[offer.venue_id], offer.price_minutes)]
                plan = ("redeem", day, legs, ("redemption", profile, offer))
            elif roll < 0.17 and balances[mine.pk] >= 30 and other.pk != mine.pk:
                plan = ("gift", day, [(mine, -30), (other, 30)], None)
            elif roll < 0.20 and balances[mine.pk] >= 60:
                plan = ("expire", day, [(mine, -60), (expired, 60)], None)
            else:
                minutes = rng.choice([30, 45, 60, 90, 120, 180])
                first = rng.randrange(len(activities))
                # One claim per volunteer, activity and day: take the next activity free that day.
                choice = next(
                    (
                        activities[(first + k) % len(activities)]
                        for k in range(len(activities))
                        if (profile.pk, (first + k) % len(activities), day) not in claimed
                    ),
                    None,
                )
                if choice is None:
                    continue
                activity = choice
                claimed.add((profile.pk, activities.index(activity), day))
                plan = ("earn", day, [(issuer, -minutes), (mine, minutes)], ("claim", profile, activity))
            planned.append(plan)
            # Spending is planned only from what the member holds by then: balances never go below zero.
            for account, amount in plan[2]:
                balances[account.pk] += amount
        transactions = Transaction.objects.bulk_create(
            [
                Transaction(
                    kind=kind,
                    scope_id=programme.pk,
                    occurred_on=day,
                    idempotency_key=f"bench:{programme.slug}:{n}",
                    request_hash="bench",
                )
                for n, (kind, day, _, _) in enumerate(planned)
            ],
            batch_size=5000,
        )
        running: dict[int, int] = dict.fromkeys(balances, 0)
        postings, claims, redemptions = [], [], []
        for txn, (_kind, day, legs, record) in zip(transactions, planned, strict=True):
            for account, amount in legs:
                running[account.pk] += amount
                postings.append(
                    Posting(transaction=txn, account=account, amount=amount, balance_after=running[account.pk])
                )
            if record and record[0] == "claim":
                _, profile, activity = record
                claims.append(
                    HoursClaim(
                        volunteer=profile,
                        programme=programme,
                        activity=activity,
                        date=day,
                        minutes=legs[1][1],
                        credited_minutes=legs[1][1],
                        status="approved",
                        created_by=self.coordinator,
                        decided_by=self.coordinator,
                        transaction=txn,
                    )
                )
            elif record:
                _, profile, offer = record
                redemptions.append(
                    Redemption(
                        offer=offer,
                        venue_id=offer.venue_id,
                        volunteer=profile,
                        price_minutes=offer.price_minutes,
                        cash_value=offer.cash_value,
                        transaction=txn,
                        confirmed_by=self.coordinator,
                    )
                )
        Posting.objects.bulk_create(postings, batch_size=5000)
        HoursClaim.objects.bulk_create(claims, batch_size=5000)
        Redemption.objects.bulk_create(redemptions, batch_size=5000)
        changed = []
        for account in [issuer, expired, *accounts.values(), *venues.values()]:
            account.balance = running[account.pk]
            changed.append(account)
        Account.objects.bulk_update(changed, ["balance"], batch_size=5000)

    def _mentoring(self, programme, profiles, activity, count: int, rng, tag: str) -> None:
        from mentoring.models import Goal, GoalReview, HouseholdMember, Mentorship, SupportedPerson

        mentors = profiles[::10]
        people = SupportedPerson.objects.bulk_create(
            [
                SupportedPerson(
                    programme=programme,
                    kind="family" if n % 3 else "individual",
                    reference=f"{tag} person {n}",
                    created_by=self.coordinator,
                )
                for n in range(count)
            ]
        )
        HouseholdMember.objects.bulk_create(
            [HouseholdMember(person=p, label="Member") for p in people if p.kind == "family" for _ in range(2)]
        )
        mentorships = []
        for n, person in enumerate(people):
            starts = self.start - dt.timedelta(days=90) + dt.timedelta(days=rng.randrange(self.days))
            ended = starts + dt.timedelta(days=rng.randrange(60, 240))
            closed = ended < self.start + dt.timedelta(days=self.days - 1) and rng.random() < 0.6
            mentorships.append(
                Mentorship(
                    programme=programme,
                    mentor=mentors[n % len(mentors)],
                    person=person,
                    activity=activity,
                    starts_on=starts,
                    planned_end_on=starts + dt.timedelta(days=180),
                    status="ended" if closed else "active",
                    ended_on=ended if closed else None,
                    closure_reason=rng.choice(["goals_met", "goals_met", "moved_away", "disengaged"]) if closed else "",
                    created_by=self.coordinator,
                )
            )
        mentorships = Mentorship.objects.bulk_create(mentorships)
        levels = {str(level): f"Level {level}" for level in (-2, -1, 0, 1, 2)}
        goals = Goal.objects.bulk_create(
            [
                Goal(
                    mentorship=m,
                    domain="housing",
                    description="Keep the home",
                    levels=levels,
                    status=rng.choice(["active", "achieved", "achieved", "dropped"]),
                    created_by=self.coordinator,
                    weight=rng.randint(1, 3),
                )
                for m in mentorships
                for _ in range(2)
            ]
        )
        for goal in goals:
            goal.created_at = _aware(max(goal.mentorship.starts_on, self.start))
        Goal.objects.bulk_update(goals, ["created_at"], batch_size=2000)
        GoalReview.objects.bulk_create(
            [
                GoalReview(
                    goal=goal,
                    reviewed_on=goal.mentorship.starts_on + dt.timedelta(days=30 * k),
                    level=rng.choice([-1, 0, 1, 2]),
                    reviewed_by=self.coordinator,
                )
                for goal in goals
                for k in (1, 2)
            ]
        )


def _aware(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure_figures(programme, start: dt.date, end: dt.date) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from impact.documents import figures_json
    from impact.figures import statement_figures

    times, texts = [], set()
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            figures = statement_figures([programme], start=start, end=end, prepared_for="Bench funder")
            times.append(time.perf_counter() - started)
        texts.add(figures_json(figures))
    return {
        "median_seconds": round(statistics.median(times), 3),
        "max_seconds": round(max(times), 3),
        "queries": len(queries.captured_queries),
        "reproducible": len(texts) == 1,
        "figures": figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, well under a minute")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    sys.path.insert(0, str(ROOT))

    with _bench_database()():
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from impact.documents import checksum_of, figures_json, statement_pdf

        call_command("migrate", verbosity=0)
        figures = {"database": connection.vendor, "smoke": args.smoke, "seed": SEED, "cpus": os.cpu_count()}
        figures["load_average_start"] = round(os.getloadavg()[0], 2)
        print(f"Impact statement benchmark on {connection.vendor}{' (smoke)' if args.smoke else ''}")
        year = timezone.localdate().year - 1
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        world = World(start)

        started = time.perf_counter()
        big = world.programme("bench-big", **sizes, seed=SEED)
        small = world.programme("bench-small", **{k: v // 10 for k, v in sizes.items()}, seed=SEED + 1)
        figures["build_seconds"] = round(time.perf_counter() - started, 1)
        from ledger.models import Transaction
        from mentoring.models import Mentorship

        figures |= {
            "volunteers": sizes["volunteers"],
            "transactions": Transaction.objects.filter(scope_id=big.pk).count(),
            "mentorships": Mentorship.objects.filter(programme=big).count(),
        }
        print(
            f"Wrote {figures['volunteers']:,} volunteers, {figures['transactions']:,} transactions and "
            f"{figures['mentorships']:,} mentorships (and a programme a tenth the size) in {figures['build_seconds']} s"
        )

        measure_figures(small, start, end)  # warm up
        on_big = measure_figures(big, start, end)
        on_small = measure_figures(small, start, end)
        figures |= {
            "figures_median_seconds": on_big["median_seconds"],
            "figures_max_seconds": on_big["max_seconds"],
            "figures_queries": on_big["queries"],
            "figures_queries_tenth": on_small["queries"],
            "figures_median_seconds_tenth": on_small["median_seconds"],
            "queries_ratio": round(on_big["queries"] / on_small["queries"], 3),
            "time_ratio_vs_tenth": round(on_big["median_seconds"] / max(on_small["median_seconds"], 1e-6), 2),
            "reproducible": on_big["reproducible"] and on_small["reproducible"],
        }
        now = on_big["figures"]["current"]
        print(
            f"(a) figures of a year beside the year before: median {on_big['median_seconds']:.3f} s "
            f"(max {on_big['max_seconds']:.3f} s, target < {TARGETS['figures_seconds_max']} s), "
            f"{on_big['queries']} queries; a tenth the size: {on_small['median_seconds']:.3f} s, "
            f"{on_small['queries']} queries (ratio {figures['queries_ratio']}, must be 1.0). "
            f"Active volunteers {now['volunteers']['active']}, hours {now['hours']['minutes'] // 60:,}, "
            f"mentorships {now['mentorships']['active']}"
        )

        text = figures_json(on_big["figures"])
        checksum = checksum_of(text)
        renders = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            pdf = statement_pdf(on_big["figures"], checksum=checksum, built_on=timezone.localdate())
            renders.append(time.perf_counter() - started)
        figures |= {
            "pdf_median_seconds": round(statistics.median(renders), 3),
            "pdf_max_seconds": round(max(renders), 3),
            "pdf_bytes": len(pdf),
        }
        print(
            f"(b) PDF: median {figures['pdf_median_seconds']:.3f} s (max {figures['pdf_max_seconds']:.3f} s, "
            f"target < {TARGETS['pdf_seconds_max']} s), {len(pdf):,} bytes"
        )
        figures["load_average_end"] = round(os.getloadavg()[0], 2)
        figures["targets"] = TARGETS
        figures["targets_met"] = {
            "figures_seconds": figures["figures_median_seconds"] < TARGETS["figures_seconds_max"],
            "pdf_seconds": figures["pdf_median_seconds"] < TARGETS["pdf_seconds_max"],
            "queries_constant": figures["queries_ratio"] == TARGETS["queries_ratio"],
            "reproducible": figures["reproducible"],
        }
    print(json.dumps(figures, sort_keys=True))
    if not figures["targets_met"]["queries_constant"] or not figures["reproducible"]:
        sys.exit(1)  # a broken rule, not a slow machine


if __name__ == "__main__":
    main()
