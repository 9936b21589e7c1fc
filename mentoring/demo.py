"""Families who need a mentor, for the demo: the Yildiz family (Turkish, at risk of
eviction), the Nowak family (Polish, rent arrears) and Mr Karimi (Dari, paperwork and
work). Dariusz, who speaks Polish and lives nearest the Nowaks, has a lapsed
Führungszeugnis: the need's page shows why he is left out."""

import datetime as dt

from django.utils import timezone

from mentoring.services import mentoring_request_create, supported_person_create
from timebank.core.models import VolunteerProfile
from timebank.core.services.volunteers import volunteer_update

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
