"""`manage.py seed_demo`: deterministic demo data, one login per role, refuses to run twice."""

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from timebank.accounts.models import AuditEntry, Membership, Programme, Role, User
from timebank.training.models import TrainingRecord
from timebank.training.selectors.qualifications import QualificationState, role_qualification
from timebank.volunteers.models import VolunteerProfile

DEMO_DAY = dt.date(2026, 11, 22)


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, "--today", DEMO_DAY.isoformat(), stdout=out)
    return out.getvalue()


def snapshot():
    """Everything that identifies the demo data, in a stable order."""
    return [
        (v.membership_number, v.full_name, v.user.username, v.user.email, v.place_name)
        for v in VolunteerProfile.objects.select_related("user").order_by("membership_number")
    ] + [
        (r.volunteer.membership_number, r.course.name, r.completed_on, r.expires_on)
        for r in TrainingRecord.objects.select_related("volunteer", "course").order_by(
            "volunteer__membership_number", "course__name"
        )
    ]


@pytest.mark.django_db
def test_seed_creates_two_programmes_and_a_login_per_role():
    output = seed()

    assert set(Programme.objects.values_list("slug", flat=True)) == {"tenants", "family-mentors"}
    assert Programme.objects.get(slug="family-mentors").currency == "EUR"
    for username in ("admin", "coordinator", "mentoring-coordinator", "volunteer", "mentor", "partner", "funder"):
        assert username in output
        assert authenticate(username=username, password="timebank-demo") is not None, username
    tenants = Programme.objects.get(slug="tenants")
    roles = {m.role for m in Membership.objects.filter(programme=tenants)}
    assert roles == {Role.COORDINATOR, Role.VOLUNTEER, Role.PARTNER, Role.FUNDER}
    assert Membership.objects.filter(user__username="mentor", role=Role.MENTOR).exists()
    # The services wrote the audit trail as they built the data.
    assert AuditEntry.objects.filter(action="volunteer.register").count() == VolunteerProfile.objects.count()


@pytest.mark.django_db
def test_seed_includes_people_without_email_and_qualifications_in_every_state():
    seed()

    without_email = VolunteerProfile.objects.filter(user__email="")
    assert without_email.exists()
    assert all(not v.can_sign_in and v.membership_number for v in without_email)
    tenants = Programme.objects.get(slug="tenants")
    states = set()
    for volunteer in VolunteerProfile.objects.filter(user__memberships__programme=tenants).exclude(
        user__memberships__status="left"
    ):
        report = role_qualification(volunteer=volunteer, programme=tenants, role=Role.VOLUNTEER, on=DEMO_DAY)
        states |= {item.state for item in report.items}
    assert states == set(QualificationState.values)
    mentor = User.objects.get(username="mentor").volunteer
    families = Programme.objects.get(slug="family-mentors")
    report = role_qualification(volunteer=mentor, programme=families, role=Role.MENTOR, on=DEMO_DAY)
    assert report.qualified
    assert QualificationState.EXPIRING_SOON in {item.state for item in report.items}


@pytest.mark.django_db
def test_seed_refuses_a_second_run_and_changes_nothing():
    seed()
    before = snapshot(), AuditEntry.objects.count(), User.objects.count()

    with pytest.raises(CommandError, match="--force"):
        seed()

    assert (snapshot(), AuditEntry.objects.count(), User.objects.count()) == before


@pytest.mark.django_db
def test_seed_skip_if_seeded_prints_logins_and_changes_nothing():
    seed()
    before = snapshot(), AuditEntry.objects.count()

    output = seed("--skip-if-seeded")

    assert "already present" in output and "coordinator" in output
    assert (snapshot(), AuditEntry.objects.count()) == before


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_seed_is_deterministic_and_force_rebuilds_the_same_data():
    seed()
    first = snapshot()

    seed("--force")

    assert User.objects.filter(username="admin").count() == 1
    # Membership numbers derive from row ids, which a flush does not reset on every
    # database; everything else must be identical.
    strip = lambda rows: [row[1:] for row in rows]  # noqa: E731
    assert strip(snapshot()) == strip(first)


@pytest.mark.django_db
def test_seed_gives_the_tenants_a_ledger_that_verifies_and_adds_up():
    from ledger.selectors import ledger_verify
    from tests.spending_support import balance
    from timebank.earning.models import ClaimStatus, HoursClaim
    from timebank.spending.models import Gift, Offer, PartnerStaff, Redemption, Voucher, VoucherStatus

    seed()

    tenants = Programme.objects.get(slug="tenants")
    people = {v.full_name.split()[0]: v for v in VolunteerProfile.objects.filter(user__memberships__programme=tenants)}
    assert ledger_verify().ok
    # Two meetings of 2 hours for the demo tenant: 4 credits to log, spend and give.
    assert balance(tenants, volunteer=people["Aled"]) == 240
    # Worked through: Jess 2 meetings (240) - gift 60 - workshop voucher 60; Farah 240 - swim 60 - fund 60;
    # Bethan 240 - cinema 120; Callum 1 meeting + 3-hour panel; Idris 1 meeting + 60 from the fund;
    # Dilys 1 meeting + Jess's gift.
    expected = {"Jess": 120, "Farah": 120, "Bethan": 120, "Callum": 300, "Idris": 180, "Dilys": 180}
    assert {name: balance(tenants, volunteer=people[name]) for name in expected} == expected
    waiting = HoursClaim.objects.filter(programme=tenants, status=ClaimStatus.PENDING)
    assert sorted(c.volunteer.full_name.split()[0] for c in waiting) == ["Bethan", "Farah", "Jess"]
    rejected = HoursClaim.objects.get(programme=tenants, status=ClaimStatus.REJECTED)
    assert rejected.volunteer == people["Idris"] and "check the date" in rejected.rejection_reason
    swim = Offer.objects.get(title="Swim session")
    assert (swim.price_minutes, str(swim.cash_value.amount), swim.venue.category) == (60, "5.50", "sport")
    assert PartnerStaff.objects.filter(user__username="partner", venue=swim.venue).exists()
    # The swim at the till and the confirmed cinema voucher, and the 28 of impact's demo history
    # (impact/demo_history.py: SPENDING), 8 of them swims.
    assert Redemption.objects.count() == 2 + 28
    assert Voucher.objects.filter(status=VoucherStatus.ISSUED, volunteer=people["Jess"]).count() == 1
    assert Gift.objects.count() == 3 + 3
    assert balance(tenants, venue=swim.venue) == 60 + 8 * 60
    assert tenants.credit_expiry_policy == "after_earned" and tenants.credit_expiry_months == 12


@pytest.mark.django_db
def test_ledger_verify_passes_on_the_demo_data():
    seed()
    out = io.StringIO()

    call_command("ledger_verify", stdout=out)

    assert "Ledger OK" in out.getvalue()


def test_ledger_verify_fails_on_a_corrupted_copy_of_the_demo(tmp_path):
    """As an operator would: seed a demo database file, copy it, tamper with the copy
    behind the services' back, and run the command on each."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    demo = tmp_path / "demo.sqlite3"

    def manage(*args, database=demo):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "timebank.settings",
            "SQLITE_PATH": str(database),
        }
        return subprocess.run(  # noqa: S603 - this interpreter running our own manage.py
            [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, check=False
        )

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    assert manage("seed_demo", "--today", DEMO_DAY.isoformat()).returncode == 0
    sound = manage("ledger_verify")
    assert sound.returncode == 0 and "Ledger OK" in sound.stdout
    corrupted = tmp_path / "corrupted.sqlite3"
    with sqlite3.connect(demo) as source, sqlite3.connect(corrupted) as target:
        source.backup(target)
    with sqlite3.connect(corrupted) as db:
        # One volunteer's cached balance gains an hour that no posting explains.
        (account_id,) = db.execute("SELECT id FROM ledger_account WHERE kind = 'volunteer' AND balance > 0").fetchone()
        db.execute("UPDATE ledger_account SET balance = balance + 60 WHERE id = ?", [account_id])

    faulty = manage("ledger_verify", database=corrupted)

    assert faulty.returncode == 1
    assert "Ledger FAULTY: 2 problem(s)" in faulty.stdout
    assert f"account #{account_id} (volunteer" in faulty.stdout and "cached balance" in faulty.stdout
    assert "all cached balances sum to 60 minutes, not zero" in faulty.stdout
    assert manage("ledger_verify").returncode == 0  # the original is untouched
