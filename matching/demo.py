"""The tenants' tasks for the demo: Saturday's community kitchen (food hygiene
required, three places) and a garden tidy-up in the afternoon, posted through
the services; Aled, Jess and Farah hold food hygiene."""

import datetime as dt

from django.utils import timezone

from matching.services import task_needs_sync
from matching.task_services import ShiftSpec, task_create
from timebank.training.models import Course
from timebank.training.services.records import training_record_add
from timebank.volunteers.models import VolunteerProfile


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def build_matching_demo(*, today: dt.date, people: dict) -> None:
    coordinator, tenants = people["coordinator"], people["tenants"]
    # Needs lie ahead of the real date, whatever date the demo is built around, or there
    # would be nothing to match.
    upcoming = max(today, timezone.localdate())
    saturday = upcoming + dt.timedelta(days=(5 - upcoming.weekday()) % 7 or 7)
    hygiene = Course.objects.get(programme=tenants, name="Food hygiene level 2")
    for name in ("Aled Pritchard", "Jess Llewellyn", "Farah Ahmed"):
        training_record_add(
            actor=coordinator,
            volunteer=VolunteerProfile.objects.get(full_name=name),
            course=hygiene,
            completed_on=today - dt.timedelta(days=90),
            verify=True,
        )
    kitchen = task_create(
        actor=coordinator,
        programme=tenants,
        title="Community kitchen",
        description="Cooking and serving Saturday lunch at the Riverside community centre.",
        place_name="Riverside community centre",
        latitude=51.4790,
        longitude=-3.1890,
        shifts=[ShiftSpec(_at(saturday, 10), _at(saturday, 13), 3)],
        required_courses=[hygiene],
    )
    garden = task_create(
        actor=coordinator,
        programme=tenants,
        title="Garden tidy-up",
        description="Weeding and planting in the shared garden at Grangetown.",
        place_name="Grangetown shared garden",
        latitude=51.4670,
        longitude=-3.1840,
        shifts=[ShiftSpec(_at(saturday, 13), _at(saturday, 16), 2)],
    )
    for task in (kitchen, garden):
        task_needs_sync(actor=coordinator, task=task)
