"""Families who need a mentor, for the demo: the Yildiz family (Turkish, at risk of
eviction), the Nowak family (Polish, rent arrears) and Mr Karimi (Dari, paperwork and
work). Dariusz, who speaks Polish and lives nearest the Nowaks, has a lapsed
Führungszeugnis: the need's page shows why he is left out."""

import datetime as dt

from django.utils import timezone

from mentoring.services import (
    goal_create,
    goal_review,
    mentoring_request_create,
    mentorship_start,
    session_log,
    supported_person_create,
)
from timebank.earning.services.claims import claim_approve
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.services.profiles import volunteer_update

MENTOR_INTERESTS = {
    "Ayşe Yılmaz": ["housing", "paperwork", "debt"],
    "Bernd Huber": ["debt", "paperwork"],
    "Chiara Rossi": ["employment", "language"],
    "Dariusz Nowak": ["paperwork", "debt"],
    "Elif Demir": ["parenting", "language", "housing"],
}
FAMILIES = [
    # reference, kind, languages, topics, place, lat, lon, weekly slots, urgency
    (
        "Family Yildiz",
        "family",
        ["tr", "de"],
        ["housing", "debt", "paperwork"],
        "Oberhausen",
        48.3850,
        10.8800,
        [[1, "17:00", "20:00"]],
        3,
    ),
    (
        "Family Nowak",
        "family",
        ["pl"],
        ["debt", "housing"],
        "Haunstetten",
        48.3070,
        10.8990,
        [[1, "18:00", "21:00"], [5, "10:00", "12:00"]],
        2,
    ),
    (
        "Mr Karimi",
        "individual",
        ["fa", "de"],
        ["paperwork", "employment"],
        "Pfersee",
        48.3680,
        10.8700,
        [[5, "11:00", "15:00"]],
        1,
    ),
]


def build_mentoring_demo(*, today: dt.date, people: dict) -> None:
    build_demo_mentorship(today=today, people=people)
    coordinator, families = people["mentoring_coordinator"], people["families"]
    for name, interests in MENTOR_INTERESTS.items():
        volunteer_update(
            actor=coordinator,
            volunteer=VolunteerProfile.objects.get(full_name=name),
            interests=interests,
            max_mentees=2,
        )
    for reference, kind, languages, topics, place, lat, lon, slots, urgency in FAMILIES:
        person = supported_person_create(
            actor=coordinator,
            programme=families,
            kind=kind,
            reference=reference,
            languages=languages,
            topics=topics,
            place_name=f"{place}, Augsburg",
            latitude=lat,
            longitude=lon,
            referral_source="Wohnungsnotfallhilfe (housing emergency service)",
            referred_on=today - dt.timedelta(days=10),
        )
        mentoring_request_create(
            actor=coordinator,
            person=person,
            starts_on=max(today, timezone.localdate()) + dt.timedelta(days=7),
            weekly_slots=slots,
            minutes_per_week=120,
            urgency=urgency,
        )


SCHMIDT_GOALS = [
    (
        "housing",
        "Keep the flat: the rent is paid on time every month",
        {
            "-2": "Eviction notice served",
            "-1": "Two months of rent owed",
            "0": "Rent paid on time for two months",
            "1": "Rent paid on time and the arrears being repaid",
            "2": "Arrears cleared",
        },
    ),
    (
        "paperwork",
        "Open letters and answer them within a week",
        {
            "-2": "Letters left unopened",
            "-1": "Opened, not answered",
            "0": "Answered with help",
            "1": "Answered alone most weeks",
            "2": "Answered alone, filed in a folder",
        },
    ),
]


def build_demo_mentorship(*, today: dt.date, people: dict) -> None:
    """Bernd (the `mentor` login) has mentored the Schmidt family for two months: two goals
    at their baseline, one session a month ago whose hours were approved."""
    coordinator, families = people["mentoring_coordinator"], people["families"]
    person = supported_person_create(
        actor=coordinator,
        programme=families,
        kind="family",
        reference="Family Schmidt",
        languages=["de"],
        topics=["housing", "paperwork"],
        place_name="Lechhausen, Augsburg",
        latitude=48.388,
        longitude=10.925,
        referral_source="Jobcenter Augsburg",
        referred_on=today - dt.timedelta(days=70),
    )
    bernd = VolunteerProfile.objects.get(user__username="mentor")
    mentorship = mentorship_start(
        actor=coordinator, person=person, mentor=bernd, starts_on=today - dt.timedelta(days=60)
    )
    for domain, description, levels in SCHMIDT_GOALS:
        goal_create(
            actor=bernd.user,
            mentorship=mentorship,
            domain=domain,
            description=description,
            levels=levels,
            baseline_level=-1,
        )
    first = session_log(
        actor=bernd.user,
        mentorship=mentorship,
        date=today - dt.timedelta(days=30),
        minutes=120,
        mode="home_visit",
        notes="Went through the rent account with Mrs Schmidt.",
        next_steps="Call the housing office about a repayment plan.",
        idempotency_key="demo-schmidt-1",
    )
    claim_approve(actor=coordinator, claim=first.claim)
    goal_review(
        actor=bernd.user,
        goal=mentorship.goals.first(),
        level=-1,
        reviewed_on=today - dt.timedelta(days=30),
        note="Still two months owed.",
    )
