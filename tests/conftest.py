"""Personas, built through the services as the product builds them.

`programme` is a tenants' time-credit scheme; `other_programme` belongs to
another organisation. Each persona holds one role in `programme`, except
`other_programme_coordinator`, who coordinates only `other_programme`, and
`outsider`, who holds no role at all. `PERSONAS` names them all, and
"anonymous" for someone not signed in, in the order the permission matrices try them.
"""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.assertions import user_of
from timebank.accounts.models import MembershipStatus, Role, User
from timebank.accounts.services.programmes import (
    account_create,
    membership_grant,
    organisation_create,
    programme_create,
)
from timebank.earning.services.activities import activity_create, activity_session_create
from timebank.training.services.records import check_type_create, course_create, role_requirement_add
from timebank.volunteers.services.profiles import volunteer_register
from timebank.volunteers.services.skills import skill_create

# The `browser` fixture, for every module with page tests in a real browser.
pytest_plugins = ["tests.browser_support"]

PASSWORD = "correct-horse-battery-42"

PERSONAS = [
    "admin",
    "coordinator",
    "other_programme_coordinator",
    "volunteer",
    "mentor",
    "partner",
    "funder",
    "outsider",
    "anonymous",
]


@pytest.fixture(autouse=True)
def _fast_passwords_and_outbox(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SECURE_SSL_REDIRECT = False
    mail.outbox = []


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Tasks run eagerly in tests, except in tests marked `broker`, which send them
    through the real broker (CELERY_BROKER_URL) to a real worker. Without that
    switch a `.delay()` in an ordinary test would sit in Redis on the PostgreSQL
    and Redis pass of CI and never run."""
    from timebank.celery import app

    eager = request.node.get_closest_marker("broker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def admin(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", PASSWORD)


@pytest.fixture
def programme(admin):
    organisation = organisation_create(actor=admin, name="Taff Housing", slug="taff")
    return programme_create(
        actor=admin, organisation=organisation, name="Tenants' time credits", slug="tenants", hourly_value="12.00"
    )


@pytest.fixture
def other_programme(admin):
    organisation = organisation_create(actor=admin, name="Augsburg Paten", slug="augsburg")
    return programme_create(
        actor=admin, organisation=organisation, name="Family mentors", slug="family-mentors", currency="EUR"
    )


def _staff(admin, programme, role, username):
    user = account_create(
        actor=admin,
        username=username,
        password=PASSWORD,
        full_name=f"{role.title()} Person",
        email=f"{username}@example.org",
    )
    membership_grant(actor=admin, user=user, programme=programme, role=role)
    return user


@pytest.fixture
def coordinator(admin, programme) -> User:
    return _staff(admin, programme, Role.COORDINATOR, "coordinator")


@pytest.fixture
def other_programme_coordinator(admin, other_programme) -> User:
    return _staff(admin, other_programme, Role.COORDINATOR, "other-coordinator")


@pytest.fixture
def partner(admin, programme) -> User:
    return _staff(admin, programme, Role.PARTNER, "partner")


@pytest.fixture
def funder(admin, programme) -> User:
    return _staff(admin, programme, Role.FUNDER, "funder")


@pytest.fixture
def outsider(admin) -> User:
    return account_create(actor=admin, username="outsider", password=PASSWORD, full_name="Out Sider")


@pytest.fixture
def volunteer(coordinator, programme):
    """A tenant who volunteers and can sign in. Returns the VolunteerProfile."""
    return volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name="Vera Volunteer",
        email="vera@example.org",
        username="volunteer",
        password=PASSWORD,
        status=MembershipStatus.ACTIVE,
        consent_to_record=True,
        languages=["en", "cy"],
        place_name="Riverside, Cardiff",
        latitude="51.47800",
        longitude="-3.18900",
    )


@pytest.fixture
def mentor(coordinator, programme):
    return volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name="Mehmet Mentor",
        email="mehmet@example.org",
        username="mentor",
        password=PASSWORD,
        role=Role.MENTOR,
        status=MembershipStatus.ACTIVE,
        consent_to_record=True,
        languages=["tr", "en"],
    )


@pytest.fixture
def other_volunteer(other_programme_coordinator, other_programme):
    return volunteer_register(
        actor=other_programme_coordinator,
        programme=other_programme,
        full_name="Otto Anders",
        consent_to_record=True,
    )


@pytest.fixture
def yesterday(today) -> dt.date:
    return today - dt.timedelta(days=1)


@pytest.fixture
def activities(coordinator, programme):
    """What the tenants' programme credits: the meeting (by the hour, approved by a
    coordinator), a newsletter article (2 credits, whatever the time) and event help
    (approved at once up to 3 hours)."""
    return {
        "meeting": activity_create(actor=coordinator, programme=programme, name="Tenants' meeting"),
        "article": activity_create(
            actor=coordinator, programme=programme, name="Newsletter article", credit_rule="fixed", fixed_minutes=120
        ),
        "event": activity_create(
            actor=coordinator, programme=programme, name="Event help", auto_approve_max_minutes=180
        ),
    }


@pytest.fixture
def march_meeting(coordinator, activities, yesterday):
    """Yesterday's tenants' meeting, an hour and a half long."""
    return activity_session_create(
        actor=coordinator, activity=activities["meeting"], date=yesterday, duration_minutes=90, title="March meeting"
    )


@pytest.fixture
def catalogue(coordinator, programme):
    """A first-aid course valid 36 months, a never-expiring induction, an enhanced
    DBS check valid 36 months; volunteers need induction and first aid, mentors DBS."""
    first_aid = course_create(actor=coordinator, programme=programme, name="First aid", validity_months=36)
    induction = course_create(actor=coordinator, programme=programme, name="Induction")
    dbs = check_type_create(
        actor=coordinator, programme=programme, name="Enhanced DBS", validity_months=36, covers_children=True
    )
    role_requirement_add(actor=coordinator, programme=programme, role=Role.VOLUNTEER, course=induction)
    role_requirement_add(actor=coordinator, programme=programme, role=Role.VOLUNTEER, course=first_aid)
    role_requirement_add(actor=coordinator, programme=programme, role=Role.MENTOR, check_type=dbs)
    gardening = skill_create(actor=coordinator, programme=programme, name="Gardening")
    return {"first_aid": first_aid, "induction": induction, "dbs": dbs, "gardening": gardening}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture
def client_as(request):
    """`client_as("mentor")`: a client signed in as that persona; for "anonymous", signed in as no one."""

    def client(persona: str) -> Client:
        return Client() if persona == "anonymous" else signed_in(user_of(request, persona))

    return client


@pytest.fixture
def every_persona(admin, coordinator, other_programme_coordinator, volunteer, mentor, partner, funder, outsider):
    """Every signed-in persona of PERSONAS exists, whichever one a matrix cell tries, so
    each cell starts from the same rows."""


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Pages link their stylesheet through {% static %}; without DEBUG the settings ask
    for the hashed names collectstatic writes, which a test run does not have."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def shared_volunteer(admin, coordinator, programme, other_programme_coordinator, other_programme, catalogue):
    """Sam, a tenant without e-mail who cannot sign in, volunteering in both programmes:
    active in `programme`, with its Gardening skill and the induction and first aid it
    requires, both verified and current; paused in `other_programme` (the reason is in
    its audit log), with its Translation skill and a verified Safeguarding course that
    expired a year ago (the programme requires it). Returns the VolunteerProfile."""
    from timebank.accounts.services.people import membership_status_change
    from timebank.accounts.services.programmes import membership_grant
    from timebank.training.services.records import training_record_add
    from timebank.volunteers.services.profiles import volunteer_update
    from timebank.volunteers.services.skills import skill_create

    sam = volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name="Sam Shared",
        status=MembershipStatus.ACTIVE,
        consent_to_record=True,
        skills=[catalogue["gardening"].id],
    )
    a_month_ago = timezone.localdate() - dt.timedelta(days=30)
    for course in (catalogue["induction"], catalogue["first_aid"]):
        training_record_add(actor=coordinator, volunteer=sam, course=course, completed_on=a_month_ago, verify=True)
    membership = membership_grant(
        actor=other_programme_coordinator, user=sam.user, programme=other_programme, role=Role.VOLUNTEER
    )
    membership_status_change(
        actor=other_programme_coordinator,
        membership=membership,
        status=MembershipStatus.PAUSED,
        reason="Family crisis at home",
    )
    safeguarding = course_create(
        actor=other_programme_coordinator, programme=other_programme, name="Safeguarding", validity_months=12
    )
    role_requirement_add(
        actor=other_programme_coordinator, programme=other_programme, role=Role.VOLUNTEER, course=safeguarding
    )
    translation = skill_create(actor=other_programme_coordinator, programme=other_programme, name="Translation")
    volunteer_update(actor=other_programme_coordinator, volunteer=sam, skills=[translation.id])
    training_record_add(
        actor=other_programme_coordinator,
        volunteer=sam,
        course=safeguarding,
        completed_on=timezone.localdate() - dt.timedelta(days=2 * 366),
        verify=True,
    )
    return sam
