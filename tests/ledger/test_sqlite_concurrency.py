"""Two writers at once on the embedded SQLite database queue instead of failing.

The services read (permissions, uniqueness) before they write. Under SQLite's
default deferred transactions, two such transactions at once deadlock on the
upgrade from a read lock to the write lock and one fails at once with "database
is locked", whatever the busy timeout. With IMMEDIATE transactions the write
lock is taken at BEGIN, so the second writer waits on the busy timeout. (Run
with transaction_mode="DEFERRED", the script below loses one writer to
"database is locked" within its first few registrations.)

The suite's own SQLite database lives in memory, shared by the threads of one
connection, so this runs in a fresh interpreter against a database file.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import sqlite3
import threading

import django

django.setup()
from django.core.management import call_command
from django.db import connections, transaction

call_command("migrate", verbosity=0)

from timebank.accounts.models import AuditEntry, User
from timebank.volunteers.models import VolunteerProfile
from timebank.accounts.services.programmes import membership_grant, organisation_create, programme_create
from timebank.volunteers.services.profiles import volunteer_register
from django.conf import settings

report = {}

# BEGIN takes the write lock: another connection that will not wait is refused
# while a transaction that has only read is open.
with transaction.atomic():
    User.objects.count()
    other = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        report["lock_at_begin"] = False
        other.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        report["lock_at_begin"] = str(exc)
    finally:
        other.close()

admin = User.objects.create(username="admin", is_superuser=True, is_staff=True)
organisation = organisation_create(actor=admin, name="Taff Housing", slug="taff")
programme = programme_create(actor=admin, organisation=organisation, name="Tenants", slug="tenants")
# A coordinator, not the administrator, and an e-mail each: the service then reads
# (the coordinator's role, the e-mail's uniqueness) before it writes.
coordinator = User.objects.create(username="coordinator")
membership_grant(actor=admin, user=coordinator, programme=programme, role="coordinator")
connections.close_all()

PER_THREAD = 40
start = threading.Barrier(2)
errors = []


def register_many(writer):
    try:
        start.wait()
        for n in range(PER_THREAD):
            volunteer_register(
                actor=coordinator, programme=programme, full_name=f"Tenant {writer}-{n}", consent_to_record=True,
                email=f"tenant-{writer}-{n}@example.org",
                languages=["en"], availability=[(n % 7, "09:00", "12:00")],
            )
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()


writers = [threading.Thread(target=register_many, args=(w,)) for w in range(2)]
for writer in writers:
    writer.start()
for writer in writers:
    writer.join()

report["errors"] = errors
report["volunteers"] = VolunteerProfile.objects.count()
report["numbers"] = len(set(VolunteerProfile.objects.values_list("membership_number", flat=True)))
report["audited"] = AuditEntry.objects.filter(action="volunteer.register").count()
print(json.dumps(report))
"""


def test_two_writers_at_once_both_succeed(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL; SQLite's write lock is only a question on the embedded database")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "timebank.settings",
        "SQLITE_PATH": str(tmp_path / "concurrent.sqlite3"),
    }
    result = subprocess.run(  # noqa: S603 - this interpreter running our own fixed script
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["lock_at_begin"] == "database is locked"
    assert report["errors"] == []
    assert report["volunteers"] == report["numbers"] == report["audited"] == 80
