"""Idempotency benchmark: what the one idempotency record costs a write, and what a retry costs.

    .venv/bin/python bench/idempotency.py [--smoke]

Same database conventions as bench/ledger.py (a temporary SQLite file, or a database
`timebank_bench` on the PostgreSQL server of DATABASE_URL, created and dropped here).

(a) gifts between two members per second through spending.services.gifts.gift_to_member
    without a key (the baseline, measured in the same run) and with a fresh
    Idempotency-Key each time, and the ratio keyed / unkeyed;
(b) the time to answer a retry (the same key and request) from its record, median;
(c) the time to purge the records of every gift of (a) with idempotency_records_purge.
Target: (a) >= 0.7 (the record adds at most about a third to a write). `--smoke` runs
small sizes in seconds. The last line printed is one JSON object with every figure.
"""

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = {"writes": 2000, "retries": 500}
SMOKE = {"writes": 100, "retries": 50}
TARGETS = {"keyed_vs_unkeyed_min": 0.7}


def build_world():
    from ledger.services import transaction_post
    from ledger.types import AccountKind, TransactionKind
    from timebank.accounts.credits import programme_account
    from timebank.accounts.models import MembershipStatus, User
    from timebank.accounts.services.programmes import organisation_create, programme_create
    from timebank.volunteers.credits import volunteer_account
    from timebank.volunteers.services.profiles import volunteer_register

    admin = User.objects.create_superuser("bench-admin", "bench@example.org", "bench-password-1")
    organisation = organisation_create(actor=admin, name="Bench Housing", slug="bench")
    programme = programme_create(actor=admin, organisation=organisation, name="Bench credits", slug="bench")
    people = [
        volunteer_register(
            actor=admin,
            programme=programme,
            full_name=name,
            status=MembershipStatus.ACTIVE,
            consent_to_record=True,
        )
        for name in ("Giver Gwen", "Taker Tom")
    ]
    transaction_post(
        kind=TransactionKind.EARN,
        scope_id=programme.pk,
        postings=[
            (programme_account(programme, AccountKind.ISSUER), -10_000_000),
            (volunteer_account(programme, people[0]), 10_000_000),
        ],
        idempotency_key="bench-float",
    )
    return programme, people[0], people[1]


def measure(sizes: dict) -> dict:
    from django.utils import timezone

    from timebank.accounts.services.idempotency import idempotency_records_purge
    from timebank.spending.services.gifts import gift_to_member

    programme, giver, taker = build_world()

    def give(key):
        return gift_to_member(
            actor=giver.user,
            giver=giver,
            programme=programme,
            membership_number=taker.membership_number,
            minutes=1,
            idempotency_key=key,
        )

    give(None)  # warm the caches and the accounts
    # Alternate the two in halves so neither gets the warmer half of the run.
    half = dict(sizes, writes=sizes["writes"] // 2)
    unkeyed, keyed = [], []
    for _ in range(2):
        started = time.perf_counter()
        for _ in range(half["writes"]):
            give(None)
        unkeyed.append(half["writes"] / (time.perf_counter() - started))
        started = time.perf_counter()
        for _ in range(half["writes"]):
            give(uuid.uuid4().hex)
        keyed.append(half["writes"] / (time.perf_counter() - started))
    unkeyed_rate, keyed_rate = statistics.mean(unkeyed), statistics.mean(keyed)

    give("retried")
    retry_times = []
    for _ in range(sizes["retries"]):
        started = time.perf_counter()
        again = give("retried")
        retry_times.append(time.perf_counter() - started)
        assert again.replayed
    later = timezone.now() + dt.timedelta(days=366)
    started = time.perf_counter()
    purged = idempotency_records_purge(now=later)
    purge_seconds = time.perf_counter() - started
    return {
        "writes": sizes["writes"],
        "unkeyed_per_second": round(unkeyed_rate, 1),
        "keyed_per_second": round(keyed_rate, 1),
        "keyed_vs_unkeyed": round(keyed_rate / unkeyed_rate, 3),
        "retry_median_ms": round(statistics.median(retry_times) * 1000, 2),
        "first_write_ms": round(1000 / keyed_rate, 2),
        "purged": purged,
        "purge_seconds": round(purge_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.ledger import BenchDatabase

    with BenchDatabase():
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"Idempotency benchmark on {connection.vendor}{' (smoke)' if args.smoke else ''}")
        figures = {"database": connection.vendor, "smoke": args.smoke}
        figures |= measure(SMOKE if args.smoke else FULL)
        print(
            f"(a) {figures['writes']} gifts each way: without a key {figures['unkeyed_per_second']:.0f}/s, "
            f"with one {figures['keyed_per_second']:.0f}/s, ratio {figures['keyed_vs_unkeyed']:.2f} "
            f"(target >= {TARGETS['keyed_vs_unkeyed_min']})"
        )
        print(
            f"(b) a retry answered from its record in {figures['retry_median_ms']:.2f} ms (median), "
            f"against {figures['first_write_ms']:.2f} ms for the first write"
        )
        print(f"(c) {figures['purged']:,} records purged in {figures['purge_seconds']:.3f} s")
        figures["targets_met"] = {
            "keyed_vs_unkeyed": figures["keyed_vs_unkeyed"] >= TARGETS["keyed_vs_unkeyed_min"],
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
