"""Deterministic demo data, built through the services the product uses."""

import datetime as dt

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from timebank.accounts.models import MembershipStatus, Programme, Role, User
from timebank.accounts.services.programmes import (
    account_create,
    membership_grant,
    organisation_create,
    programme_create,
)
from timebank.common import demo
from timebank.demo.credits import build_tenant_credits
from timebank.training.services.records import (
    background_check_add,
    check_type_create,
    course_create,
    role_requirement_add,
    training_record_add,
)
from timebank.volunteers.services.profiles import consent_give, volunteer_demographics_set, volunteer_register
from timebank.volunteers.services.skills import skill_create

DEMO_PASSWORD = "timebank-demo"  # printed for the demo on purpose
DEMO_PROGRAMMES = ("tenants", "family-mentors")

# (full name, languages, skills, place, lat, lon, e-mail?, status, state of the key qualification)
TENANTS = [
    (
        "Aled Pritchard",
        ["cy", "en"],
        ["Event help", "Writing"],
        "Riverside",
        "51.4787",
        "-3.1880",
        True,
        "active",
        "valid",
    ),
    ("Bethan Morgan", ["cy", "en"], ["Interview panels"], "Canton", "51.4815", "-3.2047", True, "active", "expiring"),
    ("Callum Evans", ["en"], ["Gardening"], "Grangetown", "51.4668", "-3.1835", False, "active", "valid"),
    ("Dilys Hughes", ["en", "cy"], ["Writing"], "Butetown", "51.4620", "-3.1680", False, "active", "expired"),
    (
        "Farah Ahmed",
        ["ar", "en"],
        ["Event help", "Interpreting"],
        "Splott",
        "51.4830",
        "-3.1560",
        True,
        "active",
        "valid",
    ),
    ("Gareth Jones", ["en"], ["Gardening", "DIY"], "Ely", "51.4820", "-3.2480", True, "paused", "valid"),
    ("Hana Kowalska", ["pl", "en"], ["Interpreting"], "Adamsdown", "51.4830", "-3.1640", True, "applicant", "missing"),
    ("Idris Khan", ["ur", "en"], ["DIY"], "Cathays", "51.4940", "-3.1790", False, "active", "expiring7"),
    ("Jess Llewellyn", ["en"], ["Event help"], "Roath", "51.4930", "-3.1620", True, "active", "valid"),
    ("Kofi Mensah", ["en", "fr"], ["Writing", "Event help"], "Tremorfa", "51.4760", "-3.1430", True, "left", "valid"),
]
MENTORS = [
    (
        "Ayşe Yılmaz",
        ["tr", "de"],
        ["Housing", "Paperwork"],
        "Oberhausen",
        "48.3830",
        "10.8830",
        True,
        "active",
        "valid",
    ),
    ("Bernd Huber", ["de"], ["Money and debt"], "Lechhausen", "48.3880", "10.9260", True, "active", "expiring"),
    ("Chiara Rossi", ["it", "de", "en"], ["Employment"], "Göggingen", "48.3440", "10.8720", True, "active", "valid"),
    ("Dariusz Nowak", ["pl", "de"], ["Paperwork"], "Haunstetten", "48.3060", "10.8980", False, "active", "expired"),
    (
        "Elif Demir",
        ["tr", "ku", "de"],
        ["Parenting", "Language"],
        "Kriegshaber",
        "48.3710",
        "10.8540",
        True,
        "active",
        "valid",
    ),
    (
        "Fatima Haidari",
        ["fa", "ps", "de"],
        ["Health", "Social network"],
        "Pfersee",
        "48.3690",
        "10.8680",
        True,
        "applicant",
        "missing",
    ),
]


class Command(BaseCommand):
    help = "Seed deterministic demo data: a tenants' time-credit scheme and a family mentoring programme."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Empty the database first, then seed again.")
        parser.add_argument(
            "--skip-if-seeded", action="store_true", help="Print the logins and exit 0 if the demo is already there."
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Date the demo is built around (YYYY-MM-DD).")

    def handle(self, *args, force=False, skip_if_seeded=False, today=None, **options):
        seeded = Programme.objects.filter(slug__in=DEMO_PROGRAMMES).exists()
        if seeded and skip_if_seeded and not force:
            self.stdout.write("Demo data already present.")
            self._print_logins()
            return
        if seeded and not force:
            raise CommandError("The demo data is already there. Run with --force to empty the database and seed again.")
        if force:
            call_command("flush", interactive=False, verbosity=0)
        build_demo(today or timezone.localdate())
        self.stdout.write(self.style.SUCCESS("Demo data created."))
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"\nTimebank is at {settings.SITE_URL}/  (sign in with any login below)")
        self.stdout.write(f"Every demo password is: {DEMO_PASSWORD}\n")
        for username, who in LOGINS:
            self.stdout.write(f"  {username:<22} {who}")
        self.stdout.write("")


LOGINS = [
    ("admin", "administrator: sees everything, /admin/ too"),
    ("coordinator", "coordinator of Tenants' time credits (Taff Housing, Cardiff)"),
    ("mentoring-coordinator", "coordinator of Family mentors (Augsburg)"),
    ("volunteer", "tenant volunteer with 4 credits to log hours, spend and give"),
    ("mentor", "volunteer mentor (Family mentors), background check expiring soon"),
    ("ayse", "volunteer mentor (Family mentors), speaks Turkish: accepts the offer for Family Yildiz"),
    ("partner", "staff of Cardiff International Pool and Chapter Arts Centre: the till"),
    ("funder", "funder of both programmes: aggregate figures only"),
]


@transaction.atomic
def build_demo(today: dt.date) -> None:
    admin = User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD, first_name="Ada")

    def staff(username, full_name):
        return account_create(
            actor=admin, username=username, password=DEMO_PASSWORD, full_name=full_name, email=f"{username}@example.org"
        )

    taff = organisation_create(actor=admin, name="Taff Housing Association", slug="taff-housing")
    augsburg = organisation_create(actor=admin, name="Stadt Augsburg: Paten für Familien", slug="augsburg-paten")
    tenants = programme_create(
        actor=admin,
        organisation=taff,
        name="Tenants' time credits",
        slug="tenants",
        currency="GBP",
        hourly_value="13.50",
        description="Tenants earn a credit for each hour given to the association and spend it at local venues.",
        auto_approve_max_minutes=120,
        credit_expiry_policy="after_earned",
        credit_expiry_months=12,
    )
    families = programme_create(
        actor=admin,
        organisation=augsburg,
        name="Family mentors",
        slug="family-mentors",
        currency="EUR",
        hourly_value="15.00",
        description="Trained volunteer mentors support families at risk of losing their home for about six months.",
        mentorship_default_months=6,
    )

    coordinator = staff("coordinator", "Carys Williams")
    membership_grant(actor=admin, user=coordinator, programme=tenants, role=Role.COORDINATOR)
    mentoring_coordinator = staff("mentoring-coordinator", "Monika Schneider")
    membership_grant(actor=admin, user=mentoring_coordinator, programme=families, role=Role.COORDINATOR)
    partner = staff("partner", "Pat Venue")
    membership_grant(actor=admin, user=partner, programme=tenants, role=Role.PARTNER)
    funder = staff("funder", "Fran Funder")
    membership_grant(actor=admin, user=funder, programme=tenants, role=Role.FUNDER)
    membership_grant(actor=admin, user=funder, programme=families, role=Role.FUNDER)

    # Catalogues and what each role requires.
    induction = course_create(actor=coordinator, programme=tenants, name="Tenant volunteer induction")
    safeguarding = course_create(
        actor=coordinator, programme=tenants, name="Safeguarding awareness", validity_months=24
    )
    course_create(actor=coordinator, programme=tenants, name="Food hygiene level 2", validity_months=36)
    tenants_dbs = check_type_create(
        actor=coordinator,
        programme=tenants,
        name="Enhanced DBS",
        validity_months=36,
        covers_children=True,
        covers_vulnerable_adults=True,
    )
    role_requirement_add(actor=coordinator, programme=tenants, role=Role.VOLUNTEER, course=induction)
    role_requirement_add(actor=coordinator, programme=tenants, role=Role.VOLUNTEER, course=safeguarding)
    mentor_course = course_create(
        actor=mentoring_coordinator, programme=families, name="Mentor training (Patenschulung)"
    )
    child_safeguarding = course_create(
        actor=mentoring_coordinator, programme=families, name="Child safeguarding", validity_months=24
    )
    fuehrungszeugnis = check_type_create(
        actor=mentoring_coordinator,
        programme=families,
        name="Erweitertes Führungszeugnis",
        validity_months=36,
        covers_children=True,
        covers_vulnerable_adults=True,
    )
    for requirement in ({"course": mentor_course}, {"course": child_safeguarding}, {"check_type": fuehrungszeugnis}):
        role_requirement_add(actor=mentoring_coordinator, programme=families, role=Role.MENTOR, **requirement)

    skills = {}
    for programme, actor, names in (
        (tenants, coordinator, ["Event help", "Writing", "Interview panels", "Gardening", "Interpreting", "DIY"]),
        (
            families,
            mentoring_coordinator,
            [
                "Housing",
                "Money and debt",
                "Paperwork",
                "Employment",
                "Parenting",
                "Language",
                "Health",
                "Social network",
            ],
        ),
    ):
        for name in names:
            skills[(programme.slug, name)] = skill_create(actor=actor, programme=programme, name=name)

    def register(programme, actor, role, row, username=None):
        name, languages, skill_names, place, lat, lon, has_email, status, _state = row
        login = username or ""
        email = f"{(username or name.split()[0]).lower()}@example.org" if has_email or username else ""
        return volunteer_register(
            actor=actor,
            programme=programme,
            full_name=name,
            email=email.replace("ş", "s").replace("ı", "i"),
            username=login or None,
            password=DEMO_PASSWORD if login else None,
            role=role,
            status=status,
            consent_to_record=True,
            languages=languages,
            skills=[skills[(programme.slug, s)].pk for s in skill_names],
            place_name=f"{place}, {'Cardiff' if programme == tenants else 'Augsburg'}",
            latitude=lat,
            longitude=lon,
            travel_km=5 if programme == tenants else 8,
            willing_home_visits=programme == families,
            willing_children=programme == families,
            availability=[(1, "18:00", "21:00"), (5, "10:00", "16:00")],
        )

    def qualify(volunteer, actor, state, course, check_type=None, always=()):
        """Give the volunteer records that leave `course` (and `check_type`) in `state` today."""
        for extra in always:
            training_record_add(
                actor=actor, volunteer=volunteer, course=extra, completed_on=today - dt.timedelta(days=400), verify=True
            )
        if state == "missing":
            return
        months = course.validity_months or 24
        lapse_in = {"valid": 300, "expiring": 20, "expiring7": 6, "expired": -15}[state]
        expires_on = today + dt.timedelta(days=lapse_in)
        completed_on = _months_before(expires_on, months)
        training_record_add(actor=actor, volunteer=volunteer, course=course, completed_on=completed_on, verify=True)
        if check_type is not None:
            background_check_add(
                actor=actor,
                volunteer=volunteer,
                check_type=check_type,
                issued_on=_months_before(expires_on, check_type.validity_months),
                reference=f"REF-{volunteer.membership_number}",
                verify=True,
            )

    tenant_rows = [("volunteer", TENANTS[0])] + [(None, row) for row in TENANTS[1:]]
    for username, row in tenant_rows:
        volunteer = register(tenants, coordinator, Role.VOLUNTEER, row, username)
        qualify(volunteer, coordinator, row[-1], safeguarding, always=(induction,))
    mentor_rows = [("mentor", MENTORS[1]), ("ayse", MENTORS[0])] + [(None, row) for row in MENTORS[2:]]
    for username, row in mentor_rows:
        volunteer = register(families, mentoring_coordinator, Role.MENTOR, row, username)
        qualify(
            volunteer, mentoring_coordinator, row[-1], child_safeguarding, fuehrungszeugnis, always=(mentor_course,)
        )
        if row[0] == "Elif Demir":
            consent_give(actor=mentoring_coordinator, volunteer=volunteer, purpose="demographics")
            volunteer_demographics_set(
                actor=mentoring_coordinator, volunteer=volunteer, demographics={"age_band": "35-44", "migrant": "yes"}
            )
    # A tenant who also mentors: one person, two programmes.
    tenant = User.objects.get(username="volunteer").volunteer
    background_check_add(
        actor=coordinator,
        volunteer=tenant,
        check_type=tenants_dbs,
        issued_on=today - dt.timedelta(days=200),
        reference="001234567890",
        verify=True,
    )
    membership_grant(
        actor=admin, user=tenant.user, programme=families, role=Role.VOLUNTEER, status=MembershipStatus.APPLICANT
    )
    build_tenant_credits(programme=tenants, coordinator=coordinator, partner=partner, today=today)
    people = {
        "admin": admin,
        "coordinator": coordinator,
        "mentoring_coordinator": mentoring_coordinator,
        "tenants": tenants,
        "families": families,
    }
    for builder in demo.builders():
        builder(today=today, people=people)


def _months_before(day: dt.date, months: int) -> dt.date:
    from timebank.common.dates import add_months

    return add_months(day, -months)
