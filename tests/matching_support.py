"""A small matching world, built through the services.

Saturday's community kitchen (next week, 09:00 to 13:00, at the Riverside
centre in Cardiff, two places, food hygiene required) and the volunteers who
might fill it. `kitchen_volunteer` makes a volunteer who meets everything unless
told otherwise, so each test changes the one thing it is about.
"""

import datetime as dt
import itertools

from django.utils import timezone

from matching.services import task_needs_sync
from matching.task_services import ShiftSpec, task_create
from timebank.accounts.models import MembershipStatus, Role
from timebank.training.services.records import background_check_add, course_create, training_record_add
from timebank.volunteers.services.profiles import volunteer_register, volunteer_update

RIVERSIDE = (51.47800, -3.18900)
_numbers = itertools.count(1)


def next_saturday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(5 - today.weekday()) % 7 + 7)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def kitchen_task(coordinator, programme, day, *, title="Community kitchen", headcount=2, start=9, end=13, **extra):
    hygiene = extra.pop("courses", None)
    task = task_create(
        actor=coordinator,
        programme=programme,
        title=title,
        place_name="Riverside community centre",
        latitude=RIVERSIDE[0],
        longitude=RIVERSIDE[1],
        shifts=[ShiftSpec(at(day, start), at(day, end), headcount)],
        required_courses=hygiene or [],
        **extra,
    )
    return task_needs_sync(actor=coordinator, task=task)[0]


def food_hygiene(coordinator, programme):
    return course_create(actor=coordinator, programme=programme, name="Food hygiene", validity_months=36)


def kitchen_volunteer(
    coordinator,
    programme,
    *,
    name=None,
    hygiene=None,
    trained_on=None,
    role=Role.VOLUNTEER,
    status=MembershipStatus.ACTIVE,
    availability=((5, "08:00", "14:00"),),
    place=RIVERSIDE,
    travel_km=5,
    languages=("en",),
    **profile,
):
    number = next(_numbers)
    volunteer = volunteer_register(
        actor=coordinator,
        programme=programme,
        full_name=name or f"Volunteer {number}",
        role=role,
        status=status,
        consent_to_record=True,
        languages=list(languages),
        availability=[list(slot) for slot in availability],
        place_name="Cardiff",
        latitude=None if place is None else f"{place[0]:.5f}",
        longitude=None if place is None else f"{place[1]:.5f}",
    )
    changes = {"travel_km": travel_km, **profile}
    volunteer = volunteer_update(actor=coordinator, volunteer=volunteer, **changes)
    if hygiene is not None:
        training_record_add(
            actor=coordinator,
            volunteer=volunteer,
            course=hygiene,
            completed_on=trained_on or timezone.localdate() - dt.timedelta(days=30),
            verify=True,
        )
    return volunteer


def dbs_check(coordinator, volunteer, check_type, *, expires_on, issued_on=None):
    return background_check_add(
        actor=coordinator,
        volunteer=volunteer,
        check_type=check_type,
        issued_on=issued_on or timezone.localdate() - dt.timedelta(days=300),
        expires_on=expires_on,
        verify=True,
    )


def km_east(km: float) -> tuple[float, float]:
    """A point `km` east of Riverside."""
    import math

    return RIVERSIDE[0], RIVERSIDE[1] + km / (111.2 * math.cos(math.radians(RIVERSIDE[0])))
