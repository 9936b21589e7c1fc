"""`manage.py seed_demo`: deterministic demo data, one login per role, refuses to run twice."""

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from timebank.core.models import AuditEntry, Membership, Programme, Role, TrainingRecord, User, VolunteerProfile
from timebank.core.selectors.qualifications import QualificationState, role_qualification

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
