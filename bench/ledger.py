"""Ledger benchmark: write throughput, balance reads against history size, bulk approval, verification.

    .venv/bin/python bench/ledger.py [--smoke]

Runs on a temporary SQLite file, or, when DATABASE_URL points at a PostgreSQL server,
on a database `timebank_bench` that it creates on that server and drops at the end
(it never touches the database named in the URL, nor db.sqlite3).

(a) transactions per second through ledger.services.transaction_post (earn and redeem
    alternating), next to a raw-SQL baseline doing the same row writes in the same run
    (insert the transaction, insert its postings, update the balances), and the ratio;
(b) balance_of time on an account with 1,000 and with 1,000,000 postings, and the ratio;
(c) time to approve 10,000 pending hours claims with claims_approve_bulk;
(d) ledger_verify time over 1,000,000 postings.
Targets: (a) >= 0.4, (b) <= 1.5, (c) < 10 s, (d) < 10 s on SQLite. `--smoke` runs
small sizes in a few seconds. The last line printed is one JSON object with every figure.
"""

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "timebank_bench"

FULL = {"writes": 4000, "reads": 3000, "small": 1_000, "big": 1_000_000, "approvals": 10_000, "verify": 1_000_000}
SMOKE = {"writes": 200, "reads": 200, "small": 1_000, "big": 20_000, "approvals": 200, "verify": 20_000}
TARGETS = {
    "services_vs_raw_min": 0.4,
    "balance_read_ratio_max": 1.5,
    "approve_seconds_max": 10,
    "verify_seconds_max": 10,
}
EARN, SPEND = 60, 30  # minutes per earn and per redemption in (a)


class BenchDatabase:
    """Points Django at a throwaway database before django.setup() and removes it afterwards."""

    def __init__(self):
        self.url = os.environ.get("DATABASE_URL", "")
        self.tmp = None

    def __enter__(self):
        os.environ["DJANGO_SETTINGS_MODULE"] = "timebank.settings"
        os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
        if self.url:
            self.url = urlunsplit(urlsplit(self.url)._replace(path=f"/{BENCH_DATABASE}"))
            os.environ["DATABASE_URL"] = self.url
            self._admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
            self._admin(f"CREATE DATABASE {BENCH_DATABASE}")
        else:
            self.tmp = tempfile.mkdtemp(prefix="timebank-bench-")
            os.environ.pop("DATABASE_URL", None)
            os.environ["SQLITE_PATH"] = str(Path(self.tmp) / "bench.sqlite3")
        return self

    def __exit__(self, *exc):
        from django.db import connections

        connections.close_all()
        if self.url:
            self._admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        elif self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _admin(self, sql: str) -> None:
        import dj_database_url
        import psycopg

        cfg = dj_database_url.parse(self.url)
        with psycopg.connect(
            host=cfg["HOST"] or None,
            port=cfg["PORT"] or None,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(sql)


# --- Fixtures written quickly --------------------------------------------------------


def fresh_accounts(scope_id: int, volunteers: int, partner: bool = False) -> dict:
    from ledger.models import AccountKind
    from ledger.services import account_get

    accounts = {
        "issuer": account_get(kind=AccountKind.ISSUER, scope_id=scope_id),
        "volunteers": [
            account_get(kind=AccountKind.VOLUNTEER, scope_id=scope_id, holder_id=h) for h in range(1, volunteers + 1)
        ],
    }
    if partner:
        accounts["partner"] = account_get(kind=AccountKind.PARTNER, scope_id=scope_id, holder_id=1)
    return accounts


def _insert_series(cursor, insert: str, select: str, count: int, params: list) -> None:
    """Run `insert` with `select` evaluated for n = 0 .. count-1, in this database's dialect."""
    if cursor.db.vendor == "postgresql":
        series = "SELECT n FROM generate_series(0, %s - 1) AS seq(n)"
    else:
        series = (
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < %s) SELECT n FROM seq"
        )
    cursor.execute(f"{insert} {select} FROM ({series}) AS s", [*params, count])


def bulk_history(issuer, volunteers: list, count: int, *, label: str) -> None:
    """`count` earn transactions of 60 minutes, issuer -> volunteers in turn, written with
    INSERT ... SELECT: each transaction balanced, each posting's balance_after its
    account's running balance, cached balances updated. The volunteer accounts must be
    new (balance 0) and have consecutive ids."""
    from django.db import connection, transaction
    from django.utils import timezone

    ids = [v.pk for v in volunteers]
    assert ids == list(range(ids[0], ids[0] + len(ids))), "volunteer accounts need consecutive ids"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    day = connection.ops.adapt_datefield_value(timezone.localdate())
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # The history is balanced and its keys valid by construction, and ledger_verify
            # checks it; the balance trigger and deferred foreign-key checks, row by row at
            # commit, would cost more than writing it. Local to this transaction.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_transaction")
        txn_base = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_posting")
        posting_base = cursor.fetchone()[0] + 1
        cursor.execute("SELECT balance FROM ledger_account WHERE id = %s", [issuer.pk])
        issuer_before = cursor.fetchone()[0]
        v = len(ids)
        _insert_series(
            cursor,
            "INSERT INTO ledger_transaction (id, kind, scope_id, memo, created_at, occurred_on, idempotency_key, "
            "request_hash, reason)",
            "SELECT %s + n, 'earn', %s, '', %s, %s, CAST(%s AS TEXT) || CAST(%s + n AS TEXT), '-', ''",
            count,
            [txn_base, issuer.scope_id, now, day, f"bench:{label}:", txn_base],
        )
        _insert_series(
            cursor,
            "INSERT INTO ledger_posting (id, transaction_id, account_id, amount, balance_after)",
            "SELECT %s + 2 * n, %s + n, %s + (n %% %s), 60, (n / %s + 1) * 60",
            count,
            [posting_base, txn_base, ids[0], v, v],
        )
        _insert_series(
            cursor,
            "INSERT INTO ledger_posting (id, transaction_id, account_id, amount, balance_after)",
            "SELECT %s + 2 * n + 1, %s + n, %s, -60, %s - (n + 1) * 60",
            count,
            [posting_base, txn_base, issuer.pk, issuer_before],
        )
        per_account = [(count // v + (1 if i < count % v else 0)) * 60 for i in range(v)]
        cursor.executemany(
            "UPDATE ledger_account SET balance = %s WHERE id = %s", list(zip(per_account, ids, strict=True))
        )
        cursor.execute("UPDATE ledger_account SET balance = balance - %s WHERE id = %s", [count * 60, issuer.pk])
        if postgres:
            for table in ("ledger_transaction", "ledger_posting", "ledger_account"):
                # Ids were given explicitly: move each identity sequence past them.
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
                )
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def new_volunteer_accounts(scope_id: int, count: int) -> list:
    """`count` volunteer accounts with consecutive ids, in one insert."""
    from ledger.models import Account, AccountKind

    Account.objects.bulk_create(
        Account(kind=AccountKind.VOLUNTEER, scope_id=scope_id, holder_id=h) for h in range(1, count + 1)
    )
    return list(Account.objects.filter(scope_id=scope_id, kind=AccountKind.VOLUNTEER).order_by("pk"))


# --- (a) write throughput --------------------------------------------------------------


def measure_writes(n: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from ledger.models import TransactionKind
    from ledger.services import transaction_post

    service_accounts = fresh_accounts(1001, 50, partner=True)
    raw_accounts = fresh_accounts(1002, 50, partner=True)
    day = timezone.localdate()

    def legs(accounts, i):
        volunteer = accounts["volunteers"][(i // 2) % len(accounts["volunteers"])]
        if i % 2 == 0:
            return TransactionKind.EARN, [(accounts["issuer"], -EARN), (volunteer, EARN)]
        return TransactionKind.REDEEM, [(volunteer, -SPEND), (accounts["partner"], SPEND)]

    def through_services(start, stop):
        for i in range(start, stop):
            kind, postings = legs(service_accounts, i)
            transaction_post(kind=kind, scope_id=1001, postings=postings, idempotency_key=f"svc:{i}", occurred_on=day)

    connection.ensure_connection()
    driver = connection.connection
    postgres = connection.vendor == "postgresql"

    def sql(text):
        return text if postgres else text.replace("%s", "?")

    begin = "BEGIN" if postgres else "BEGIN IMMEDIATE"
    update = sql("UPDATE ledger_account SET balance = balance + %s WHERE id = %s RETURNING balance")
    insert_txn = sql(
        "INSERT INTO ledger_transaction (kind, scope_id, memo, created_at, occurred_on, idempotency_key, "
        "request_hash, reason) VALUES (%s, %s, '', %s, %s, %s, '-', '') RETURNING id"
    )
    insert_postings = sql(
        "INSERT INTO ledger_posting (transaction_id, account_id, amount, balance_after) "
        "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)"
    )
    raw_day = connection.ops.adapt_datefield_value(day)

    def raw_sql(start, stop):
        cursor = driver.cursor()
        for i in range(start, stop):
            kind, postings = legs(raw_accounts, i)
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(begin)
            after = []
            for account, amount in sorted(postings, key=lambda leg: leg[0].pk):
                cursor.execute(update, (amount, account.pk))
                after.append((account.pk, amount, cursor.fetchone()[0]))
            cursor.execute(insert_txn, (str(kind), 1002, now, raw_day, f"raw:{i}"))
            txn_id = cursor.fetchone()[0]
            cursor.execute(insert_postings, (txn_id, *after[0], txn_id, *after[1]))
            cursor.execute("COMMIT")
        cursor.close()

    # Alternate the two in rounds, so drift (caches, WAL growth) falls on both alike.
    through_services(-20, 0)
    raw_sql(-20, 0)
    timings = {"services": 0.0, "raw": 0.0}
    rounds = 4
    step = n // rounds
    for r in range(rounds):
        for name, run in (("services", through_services), ("raw", raw_sql)):
            started = time.perf_counter()
            run(r * step, (r + 1) * step)
            timings[name] += time.perf_counter() - started
    done = step * rounds
    services_tps, raw_tps = done / timings["services"], done / timings["raw"]
    return {
        "writes": done,
        "services_tps": round(services_tps, 1),
        "raw_tps": round(raw_tps, 1),
        "services_vs_raw": round(services_tps / raw_tps, 3),
    }


# --- (b) balance reads against history size -------------------------------------------------


def measure_balance_reads(small: int, big: int, reads: int) -> dict:
    from ledger.models import AccountKind
    from ledger.selectors import balance_of

    issuer = fresh_accounts(2000, 0)["issuer"]
    short_history, long_history = new_volunteer_accounts(2000, 2)
    started = time.perf_counter()
    bulk_history(issuer, [short_history], small, label="short")
    bulk_history(issuer, [long_history], big, label="long")
    load_seconds = time.perf_counter() - started

    def read(holder_id) -> float:
        started = time.perf_counter()
        balance_of(kind=AccountKind.VOLUNTEER, scope_id=2000, holder_id=holder_id)
        return time.perf_counter() - started

    assert balance_of(kind=AccountKind.VOLUNTEER, scope_id=2000, holder_id=long_history.holder_id) == big * 60
    # Reads of the two accounts alternate, so a busy moment on the machine falls on both.
    timings: dict[int, list[float]] = {short_history.holder_id: [], long_history.holder_id: []}
    for n in range(reads + 100):
        for holder_id, samples in timings.items():
            elapsed = read(holder_id)
            if n >= 100:  # the first hundred warm the caches
                samples.append(elapsed)
    small_us = statistics.median(timings[short_history.holder_id]) * 1e6
    big_us = statistics.median(timings[long_history.holder_id]) * 1e6
    return {
        "history_small": small,
        "history_big": big,
        "history_load_seconds": round(load_seconds, 2),
        "balance_read_us_small": round(small_us, 1),
        "balance_read_us_big": round(big_us, 1),
        "balance_read_ratio": round(big_us / small_us, 3),
    }


# --- (c) bulk approval ----------------------------------------------------------------------


def measure_approvals(count: int) -> dict:
    from django.utils import timezone

    from timebank.accounts.models import MembershipStatus, Role, User
    from timebank.accounts.services.programmes import (
        account_create,
        membership_grant,
        organisation_create,
        programme_create,
    )
    from timebank.earning.models import ClaimStatus, HoursClaim
    from timebank.earning.services.activities import activity_create
    from timebank.earning.services.claims import claims_approve_bulk
    from timebank.volunteers.services.profiles import volunteer_register

    admin = User.objects.create_superuser("bench-admin", "bench-admin@example.org", None)
    organisation = organisation_create(actor=admin, name="Bench Housing", slug="bench")
    programme = programme_create(actor=admin, organisation=organisation, name="Bench tenants", slug="bench-tenants")
    coordinator = account_create(
        actor=admin, username="bench-coordinator", password=secrets.token_urlsafe(16), full_name="Bench Coordinator"
    )
    membership_grant(actor=admin, user=coordinator, programme=programme, role=Role.COORDINATOR)
    days = 100
    people = max(1, count // days)
    volunteers = [
        volunteer_register(
            actor=coordinator,
            programme=programme,
            full_name=f"Tenant {n}",
            status=MembershipStatus.ACTIVE,
            consent_to_record=True,
        )
        for n in range(people)
    ]
    activity = activity_create(actor=coordinator, programme=programme, name="Tenants' meeting")
    today = timezone.localdate()
    HoursClaim.objects.bulk_create(
        HoursClaim(
            volunteer=volunteer,
            programme=programme,
            activity=activity,
            date=today - dt.timedelta(days=1 + d),
            minutes=90,
            credited_minutes=90,
            created_by=volunteer.user,
        )
        for volunteer in volunteers
        for d in range(days)
    )
    pending = list(HoursClaim.objects.filter(programme=programme, status=ClaimStatus.PENDING).order_by("pk")[:count])
    started = time.perf_counter()
    result = claims_approve_bulk(actor=coordinator, claims=pending)
    seconds = time.perf_counter() - started
    if result.refused:
        claim, reason = result.refused[0]
        raise SystemExit(f"bulk approval refused {len(result.refused)} claims, e.g. #{claim.pk}: {reason}")
    return {"approvals": len(result.approved), "approve_seconds": round(seconds, 2)}


# --- (d) verification ---------------------------------------------------------------------


def measure_verify(postings: int) -> dict:
    from ledger.models import Posting
    from ledger.selectors import ledger_verify

    missing = postings - Posting.objects.count()
    if missing > 0:
        issuer = fresh_accounts(3000, 0)["issuer"]
        bulk_history(issuer, new_volunteer_accounts(3000, 1000), missing // 2, label="verify")
    started = time.perf_counter()
    report = ledger_verify()
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit("the benchmark's ledger does not verify:\n" + "\n".join(report.problems[:20]))
    return {"verify_postings": report.postings_checked, "verify_seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    # Time limits are for the full sizes; a smoke run is held to the same rate.
    approve_limit = TARGETS["approve_seconds_max"] * sizes["approvals"] / FULL["approvals"]
    verify_limit = TARGETS["verify_seconds_max"] * sizes["verify"] / FULL["verify"]
    sys.path.insert(0, str(ROOT))

    with BenchDatabase():
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        figures = {"database": connection.vendor, "smoke": args.smoke}
        print(f"Ledger benchmark on {connection.vendor}{' (smoke)' if args.smoke else ''}")

        figures |= measure_writes(sizes["writes"])
        print(
            f"(a) {figures['writes']} transactions each way: services {figures['services_tps']:.0f}/s, "
            f"raw SQL {figures['raw_tps']:.0f}/s, ratio {figures['services_vs_raw']:.2f} "
            f"(target >= {TARGETS['services_vs_raw_min']})"
        )
        figures |= measure_approvals(sizes["approvals"])
        print(
            f"(c) {figures['approvals']} pending claims approved in bulk in {figures['approve_seconds']:.2f} s "
            f"(target < {approve_limit:g} s on SQLite)"
        )
        figures |= measure_verify(sizes["verify"])
        print(
            f"(d) ledger_verify over {figures['verify_postings']:,} postings: {figures['verify_seconds']:.2f} s "
            f"(target < {verify_limit:g} s on SQLite)"
        )
        figures |= measure_balance_reads(sizes["small"], sizes["big"], sizes["reads"])
        print(
            f"(b) balance_of: {figures['balance_read_us_small']:.0f} us with {figures['history_small']:,} postings, "
            f"{figures['balance_read_us_big']:.0f} us with {figures['history_big']:,}, "
            f"ratio {figures['balance_read_ratio']:.2f} (target <= {TARGETS['balance_read_ratio_max']}; "
            f"history written in {figures['history_load_seconds']:.1f} s)"
        )
        sqlite = connection.vendor == "sqlite"
        figures["targets_met"] = {
            "services_vs_raw": figures["services_vs_raw"] >= TARGETS["services_vs_raw_min"],
            "balance_read_ratio": figures["balance_read_ratio"] <= TARGETS["balance_read_ratio_max"],
            # The issue sets these two on SQLite only; on PostgreSQL they are figures to read.
            "approve_seconds": figures["approve_seconds"] < approve_limit if sqlite else None,
            "verify_seconds": figures["verify_seconds"] < verify_limit if sqlite else None,
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
