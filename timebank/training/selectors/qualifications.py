"""Is this volunteer qualified for X on date D?

A requirement is a course or a kind of background check. On a date D, a
verified record counts when it was completed (issued) on or before D and D is
before its expiry date (`expires_on` is the first day it no longer counts).
The state of a requirement on D is:

- valid: a record counts and does not lapse within the next 30 days;
- expiring_soon: a record counts but lapses within 30 days (D + 30 >= expires_on);
- expired: verified records exist but none counts on D any more;
- missing: no verified record completed by D (an unverified one is reported
  as awaiting verification).

One function decides the state of a requirement from its records; every other
reader (a volunteer's page, the list filters, the reminders, later the
matching) calls it, so they cannot disagree.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.accounts.models import Membership, MembershipStatus, Programme, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES
from timebank.training.models import BackgroundCheck, CheckType, Course, RoleRequirement, TrainingRecord
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.selectors.records import memberships_for


class QualificationState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING_SOON = "expiring_soon", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    MISSING = "missing", _("Missing")


@dataclass(frozen=True)
class Requirement:
    course: Course | None = None
    check_type: CheckType | None = None

    @property
    def label(self) -> str:
        return str(self.course or self.check_type)

    @property
    def kind(self) -> str:
        return "course" if self.course else "check"


@dataclass
class RequirementStatus:
    requirement: Requirement
    state: str
    record: TrainingRecord | BackgroundCheck | None = None
    expires_on: dt.date | None = None
    days_left: int | None = None
    awaiting_verification: bool = False

    @property
    def counts(self) -> bool:
        return self.state in (QualificationState.VALID, QualificationState.EXPIRING_SOON)

    @property
    def state_label(self) -> str:
        return QualificationState(self.state).label


@dataclass
class QualificationReport:
    """The answer for one purpose (a role in a programme, later a task) on one date."""

    on: dt.date
    items: list[RequirementStatus] = field(default_factory=list)
    programme: Programme | None = None
    role: str = ""

    @property
    def qualified(self) -> bool:
        return all(item.counts for item in self.items)

    @property
    def needs_attention(self) -> bool:
        return any(item.state != QualificationState.VALID for item in self.items)


def record_date(record) -> dt.date:
    return record.completed_on if isinstance(record, TrainingRecord) else record.issued_on


def requirement_state(requirement: Requirement, records: Iterable, on: dt.date) -> RequirementStatus:
    """The state of one requirement on `on`, from the volunteer's records of that course or check kind."""
    soon = settings.QUALIFICATION_EXPIRING_SOON_DAYS
    started = [r for r in records if record_date(r) <= on]
    verified = [r for r in started if r.verified_at is not None]
    current = [r for r in verified if r.expires_on is None or on < r.expires_on]
    if current:
        # The record that lasts longest wins: a renewal supersedes the old one.
        best = max(current, key=lambda r: (r.expires_on is None, r.expires_on or dt.date.max, r.pk))
        if best.expires_on is None:
            return RequirementStatus(requirement, QualificationState.VALID, best)
        days_left = (best.expires_on - on).days
        state = QualificationState.EXPIRING_SOON if days_left <= soon else QualificationState.VALID
        return RequirementStatus(requirement, state, best, best.expires_on, days_left)
    if verified:
        last = max(verified, key=lambda r: (r.expires_on, r.pk))
        return RequirementStatus(
            requirement, QualificationState.EXPIRED, last, last.expires_on, (last.expires_on - on).days
        )
    return RequirementStatus(requirement, QualificationState.MISSING, awaiting_verification=bool(started))


def _records_by_volunteer(volunteer_ids, requirements: list[Requirement]):
    """{(volunteer_id, 'course'|'check', id): [records]} in two queries."""
    course_ids = {r.course.id for r in requirements if r.course}
    check_ids = {r.check_type.id for r in requirements if r.check_type}
    found = defaultdict(list)
    if course_ids:
        for record in TrainingRecord.objects.filter(volunteer_id__in=volunteer_ids, course_id__in=course_ids):
            found[(record.volunteer_id, "course", record.course_id)].append(record)
    if check_ids:
        for check in BackgroundCheck.objects.filter(volunteer_id__in=volunteer_ids, check_type_id__in=check_ids):
            found[(check.volunteer_id, "check", check.check_type_id)].append(check)
    return found


def _key(requirement: Requirement) -> tuple[str, int]:
    return ("course", requirement.course.id) if requirement.course else ("check", requirement.check_type.id)


def qualification_status(
    *, volunteer: VolunteerProfile, requirements: list[Requirement], on: dt.date | None = None
) -> QualificationReport:
    """Whether the volunteer meets every requirement on `on` (today by default), with each requirement's state."""
    on = on or timezone.localdate()
    records = _records_by_volunteer([volunteer.id], requirements)
    items = [requirement_state(r, records[(volunteer.id, *_key(r))], on) for r in requirements]
    return QualificationReport(on=on, items=items)


def role_requirements(programme: Programme, role: str) -> list[Requirement]:
    rows = RoleRequirement.objects.filter(programme=programme, role=role).select_related("course", "check_type")
    return [Requirement(course=row.course, check_type=row.check_type) for row in rows]


def role_qualification(
    *, volunteer: VolunteerProfile, programme: Programme, role: str, on: dt.date | None = None
) -> QualificationReport:
    """Is the volunteer qualified for `role` in `programme` on `on`?"""
    report = qualification_status(volunteer=volunteer, requirements=role_requirements(programme, role), on=on)
    report.programme, report.role = programme, role
    return report


def volunteer_qualifications(*, volunteer: VolunteerProfile, on: dt.date | None = None) -> list[QualificationReport]:
    """One report per role the volunteer holds, in each of their programmes."""
    memberships = (
        Membership.objects.filter(user_id=volunteer.user_id, role__in=VOLUNTEERING_ROLES)
        .exclude(status=MembershipStatus.LEFT)
        .select_related("programme")
    )
    return [role_qualification(volunteer=volunteer, programme=m.programme, role=m.role, on=on) for m in memberships]


def volunteer_ids_needing_attention(
    volunteer_ids,
    *,
    kind: str,
    on: dt.date | None = None,
    programme: Programme | None = None,
    seen_by: User | None = None,
) -> set[int]:
    """Of the given volunteers, those with a role requirement in the state `kind`
    ("expiring_soon", "expired", "missing", or "attention" for any of them) on `on`.

    With `seen_by`, only the roles that person may see count (their own, and those
    in the programmes they coordinate), so the answer says nothing about another
    programme. Raises ValueError for any other kind: a misspelt filter must not
    quietly keep everyone."""
    on = on or timezone.localdate()
    wanted = {
        "attention": {QualificationState.EXPIRING_SOON, QualificationState.EXPIRED, QualificationState.MISSING},
        "expiring_soon": {QualificationState.EXPIRING_SOON},
        "expired": {QualificationState.EXPIRED},
        "missing": {QualificationState.MISSING},
    }.get(kind)
    if not wanted:
        raise ValueError(f"unknown qualification filter {kind!r}")
    memberships = Membership.objects.filter(role__in=VOLUNTEERING_ROLES, user__volunteer__id__in=volunteer_ids).exclude(
        status=MembershipStatus.LEFT
    )
    if programme is not None:
        memberships = memberships.filter(programme=programme)
    if seen_by is not None:
        # Imported here: records builds on this module.
        memberships = memberships.filter(pk__in=memberships_for(seen_by).values("pk"))
    holders = defaultdict(set)  # (programme_id, role) -> volunteer ids
    for programme_id, role, volunteer_id in memberships.values_list("programme_id", "role", "user__volunteer__id"):
        holders[(programme_id, role)].add(volunteer_id)
    requirement_rows = RoleRequirement.objects.filter(programme_id__in={p for p, _ in holders}).select_related(
        "course", "check_type"
    )
    by_role = defaultdict(list)
    for row in requirement_rows:
        by_role[(row.programme_id, row.role)].append(Requirement(course=row.course, check_type=row.check_type))
    all_requirements = [r for reqs in by_role.values() for r in reqs]
    records = _records_by_volunteer({v for ids in holders.values() for v in ids}, all_requirements)
    flagged = set()
    for role_key, volunteer_set in holders.items():
        for requirement in by_role.get(role_key, []):
            for volunteer_id in volunteer_set - flagged:
                if requirement_state(requirement, records[(volunteer_id, *_key(requirement))], on).state in wanted:
                    flagged.add(volunteer_id)
    return flagged
