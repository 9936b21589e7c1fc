"""Posting tasks and their shifts. Matching turns every shift into a need to fill."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Shift, Task
from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.training.models import CheckType, Course
from timebank.volunteers.models import Skill


@dataclass(frozen=True)
class ShiftSpec:
    starts_at: dt.datetime
    ends_at: dt.datetime
    headcount: int = 1


@transaction.atomic
def task_create(
    *,
    actor: User,
    programme: Programme,
    title: str,
    shifts: list[ShiftSpec],
    description: str = "",
    place_name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    required_courses: list[Course] = (),
    required_checks: list[CheckType] = (),
    wanted_skills: list[Skill] = (),
    wanted_languages: list[str] = (),
    involves_children: bool = False,
    involves_vulnerable_adults: bool = False,
    activity=None,
) -> Task:
    """Post a task with at least one shift. Raises ValidationError naming the field for
    a shift that ends before it starts, lies in the past or needs nobody, and for
    training, checks or skills of another programme."""
    require_coordinator(actor, programme)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the task a title.")]
    if not shifts:
        errors["shifts"] = [_("Add at least one shift.")]
    now = timezone.now()
    for number, shift in enumerate(shifts, start=1):
        if shift.ends_at <= shift.starts_at:
            errors.setdefault("shifts", []).append(_("Shift %(n)d ends before it starts.") % {"n": number})
        elif shift.starts_at < now:
            errors.setdefault("shifts", []).append(_("Shift %(n)d starts in the past.") % {"n": number})
        if shift.headcount < 1 or shift.headcount > 100:
            errors.setdefault("shifts", []).append(_("Shift %(n)d must need between 1 and 100 people.") % {"n": number})
    if (latitude is None) != (longitude is None):
        errors["latitude"] = [_("Give both the latitude and the longitude, or neither.")]
    for name, items in (
        ("required_courses", required_courses),
        ("required_checks", required_checks),
        ("wanted_skills", wanted_skills),
    ):
        if any(item.programme_id != programme.pk for item in items):
            errors[name] = [_("Choose from this programme's own list.")]
    if activity is not None and activity.programme_id != programme.pk:
        errors["activity"] = [_("Choose one of this programme's activities.")]
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        programme=programme,
        title=title.strip(),
        description=description,
        place_name=place_name,
        latitude=latitude,
        longitude=longitude,
        wanted_languages=sorted(set(wanted_languages)),
        involves_children=involves_children,
        involves_vulnerable_adults=involves_vulnerable_adults,
        activity=activity,
        created_by=actor,
    )
    task.required_courses.set(required_courses)
    task.required_checks.set(required_checks)
    task.wanted_skills.set(wanted_skills)
    Shift.objects.bulk_create(
        [Shift(task=task, starts_at=s.starts_at, ends_at=s.ends_at, headcount=s.headcount) for s in shifts]
    )
    audit_record(
        actor=actor,
        action="task.create",
        target=task,
        programme=programme,
        changes={"title": task.title, "shifts": len(shifts)},
    )
    return task
