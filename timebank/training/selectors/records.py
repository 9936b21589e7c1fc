"""Reads of a volunteer's records and of programme catalogues, scoped to the acting person.

A person sees the memberships, training records and background checks of a
volunteer they may see (selectors.volunteers.volunteers_for) only where the
programme is theirs to see: all of them for the volunteer themselves and for
administrators, those of the programmes they coordinate for a coordinator. So a
coordinator learns nothing about what a volunteer does in another organisation's
programme. Consents are about the person, not a programme: whoever may see the
volunteer sees them.

Every `*_get` raises the model's DoesNotExist when the row does not exist or is
not visible, so callers answer 404 in both cases.
"""

from django.db.models import QuerySet

from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import coordinated_programme_ids, is_admin
from timebank.accounts.selectors.programmes import programmes_for
from timebank.training.models import BackgroundCheck, CheckType, Course, RoleRequirement, TrainingRecord
from timebank.training.selectors.qualifications import QualificationReport, role_qualification, volunteer_qualifications
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.selectors.records import _programme_scope
from timebank.volunteers.selectors.volunteers import volunteers_for


def training_records_for(user: User) -> QuerySet[TrainingRecord]:
    records = TrainingRecord.objects.filter(volunteer__in=volunteers_for(user)).select_related(
        "course__programme", "recorded_by", "verified_by"
    )
    scope = _programme_scope(user, "course__programme_id", "volunteer__user")
    return records if scope is None else records.filter(scope)


def training_record_get(user: User, pk: int) -> TrainingRecord:
    return training_records_for(user).select_related("volunteer").get(pk=pk)


def background_checks_for(user: User) -> QuerySet[BackgroundCheck]:
    checks = BackgroundCheck.objects.filter(volunteer__in=volunteers_for(user)).select_related(
        "check_type__programme", "recorded_by", "verified_by"
    )
    scope = _programme_scope(user, "check_type__programme_id", "volunteer__user")
    return checks if scope is None else checks.filter(scope)


def background_check_get(user: User, pk: int) -> BackgroundCheck:
    return background_checks_for(user).select_related("volunteer").get(pk=pk)


def courses_of(programme: Programme) -> QuerySet[Course]:
    return Course.objects.filter(programme=programme).order_by("name", "id")


def check_types_of(programme: Programme) -> QuerySet[CheckType]:
    return CheckType.objects.filter(programme=programme).order_by("name", "id")


def requirements_of(programme: Programme) -> QuerySet[RoleRequirement]:
    return (
        RoleRequirement.objects.filter(programme=programme)
        .select_related("course", "check_type")
        .order_by("role", "id")
    )


def course_get(user: User, pk: int) -> Course:
    """A course from the catalogue of a programme the person holds a role in."""
    return Course.objects.select_related("programme").get(pk=pk, programme__in=programmes_for(user))


def check_type_get(user: User, pk: int) -> CheckType:
    """A kind of background check from a programme the person holds a role in."""
    return CheckType.objects.select_related("programme").get(pk=pk, programme__in=programmes_for(user))


def volunteer_qualifications_for(user: User, volunteer: VolunteerProfile, *, on=None) -> list[QualificationReport]:
    """One report per role the volunteer holds, limited to the programmes the person may see them in."""
    reports = volunteer_qualifications(volunteer=volunteer, on=on)
    if is_admin(user) or volunteer.user_id == user.id:
        return reports
    mine = coordinated_programme_ids(user)
    return [report for report in reports if report.programme.id in mine]


def volunteer_role_qualification_for(
    user: User, volunteer: VolunteerProfile, *, programme: Programme, role: str, on=None
) -> QualificationReport:
    """Is the volunteer qualified for `role` in `programme`, as the person may see it: the
    volunteer themselves, administrators, or a coordinator of that programme.

    Raises Programme.DoesNotExist for anyone else (a funder or partner of the programme
    included), so the answer says nothing about the volunteer's standing there.
    """
    if not (is_admin(user) or volunteer.user_id == user.id or programme.id in coordinated_programme_ids(user)):
        raise Programme.DoesNotExist
    return role_qualification(volunteer=volunteer, programme=programme, role=role, on=on)
