"""The core app's API router: who am I, programmes and their catalogues,
volunteers, consents, training, background checks and qualification status.

Operations are thin: selectors read (and decide what the caller may see),
services write (and decide what the caller may do). A record the caller may
not see answers 404 whether or not it exists; an action on a visible record
the caller may not perform answers 403. A reference in a request body or query
to something the caller cannot see (a programme, a course) is bad input: 422
naming the field. Errors take the one problem+json shape of timebank.problems.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from timebank.accounts.selectors.programmes import programme_get
from timebank.common.api import Pagination
from timebank.common.languages import LANGUAGE_NAMES
from timebank.problems import READ_ERRORS, WRITE_ERRORS
from timebank.training.models import CheckType, Course
from timebank.training.schemas import (
    BackgroundCheckIn,
    BackgroundCheckOut,
    CheckTypeIn,
    CheckTypeOut,
    CourseIn,
    CourseOut,
    QualificationQuery,
    QualificationsOut,
    RequirementOut,
    TrainingRecordIn,
    TrainingRecordOut,
    VolunteerFilterQuery,
)
from timebank.training.selectors.records import (
    background_check_get,
    background_checks_for,
    check_type_get,
    check_types_of,
    course_get,
    courses_of,
    requirements_of,
    training_record_get,
    training_records_for,
    volunteer_qualifications_for,
    volunteer_role_qualification_for,
)
from timebank.training.selectors.volunteer_list import VolunteerFilters, volunteer_list
from timebank.training.services.records import (
    background_check_add,
    background_check_verify,
    check_type_create,
    course_create,
    training_record_add,
    training_record_verify,
)
from timebank.volunteers.api import bad_reference, programme_in_input, volunteer_for_output, volunteer_summary_records
from timebank.volunteers.schemas import (
    VolunteerOut,
    VolunteerRegisterIn,
    VolunteerSummaryOut,
)
from timebank.volunteers.selectors.volunteers import volunteer_get
from timebank.volunteers.services.profiles import (
    volunteer_register,
)

router = Router()


@router.get(
    "/programmes/{slug}/courses",
    response={200: list[CourseOut], **READ_ERRORS},
    tags=["catalogue"],
    summary="List the course catalogue",
)
@paginate(Pagination)
def course_list(request, slug: str):
    return courses_of(programme_get(request.auth, slug))


@router.post(
    "/programmes/{slug}/courses", response={201: CourseOut, **WRITE_ERRORS}, tags=["catalogue"], summary="Add a course"
)
def course_add(request, slug: str, payload: CourseIn):
    """Add a course to the programme's catalogue (coordinators)."""
    programme = programme_get(request.auth, slug)
    return Status(201, course_create(actor=request.auth, programme=programme, **payload.model_dump()))


@router.get(
    "/programmes/{slug}/check-types",
    response={200: list[CheckTypeOut], **READ_ERRORS},
    tags=["catalogue"],
    summary="List the kinds of background check",
)
@paginate(Pagination)
def check_type_list(request, slug: str):
    return check_types_of(programme_get(request.auth, slug))


@router.post(
    "/programmes/{slug}/check-types",
    response={201: CheckTypeOut, **WRITE_ERRORS},
    tags=["catalogue"],
    summary="Add a kind of background check",
)
def check_type_add(request, slug: str, payload: CheckTypeIn):
    """Add a kind of background check (coordinators)."""
    programme = programme_get(request.auth, slug)
    return Status(201, check_type_create(actor=request.auth, programme=programme, **payload.model_dump()))


@router.get(
    "/programmes/{slug}/requirements",
    response={200: list[RequirementOut], **READ_ERRORS},
    tags=["catalogue"],
    summary="List the role requirements",
)
@paginate(Pagination)
def requirement_list(request, slug: str):
    """The courses and checks each role in the programme requires."""
    return requirements_of(programme_get(request.auth, slug))


@router.get(
    "/volunteers",
    response={200: list[VolunteerSummaryOut], **READ_ERRORS},
    tags=["volunteers"],
    summary="List volunteers",
)
@paginate(Pagination)
def volunteer_index(request, filters: Query[VolunteerFilterQuery]):
    """The volunteers the caller may see (their own record; the volunteers of the programmes they coordinate)."""
    user = request.auth
    if filters.language and filters.language not in LANGUAGE_NAMES:
        raise bad_reference("language", _("Unknown language code."))
    found = volunteer_list(
        user,
        VolunteerFilters(
            programme=programme_in_input(user, filters.programme) if filters.programme else None,
            status=filters.status or "",
            skill=filters.skill,
            language=filters.language or "",
            qualification=filters.qualification or "",
            search=filters.q or "",
            on=filters.on,
        ),
    )
    return found.prefetch_related(*volunteer_summary_records(user))


@router.post(
    "/volunteers", response={201: VolunteerOut, **WRITE_ERRORS}, tags=["volunteers"], summary="Register a volunteer"
)
def volunteer_add(request, payload: VolunteerRegisterIn):
    """Register a person in a programme on their behalf (coordinators). `consent_to_record` must be true.

    The person gets an account that cannot sign in with a password; they use their membership number.
    """
    user = request.auth
    fields = payload.model_dump(exclude_unset=True, exclude={"programme"})
    fields["availability"] = [(s.weekday, s.starts_at, s.ends_at) for s in payload.availability]
    volunteer = volunteer_register(actor=user, programme=programme_in_input(user, payload.programme), **fields)
    return Status(201, volunteer_for_output(user, volunteer))


@router.get(
    "/volunteers/{int:volunteer_id}/training",
    response={200: list[TrainingRecordOut], **READ_ERRORS},
    tags=["training"],
    summary="List a volunteer's training",
)
@paginate(Pagination)
def training_list(request, volunteer_id: int):
    """The volunteer's training records in the programmes the caller may see them in, latest first."""
    volunteer = volunteer_get(request.auth, volunteer_id)
    return training_records_for(request.auth).filter(volunteer=volunteer).order_by("-completed_on", "-id")


@router.post(
    "/volunteers/{int:volunteer_id}/training",
    response={201: TrainingRecordOut, **WRITE_ERRORS},
    tags=["training"],
    summary="Record training",
)
def training_add(request, volunteer_id: int, payload: TrainingRecordIn):
    """Record a completed course. A volunteer may record their own (it counts once verified); a coordinator
    may record and verify in one step. Evidence files are uploaded on the web pages only."""
    user = request.auth
    volunteer = volunteer_get(user, volunteer_id)
    try:
        course = course_get(user, payload.course)
    except Course.DoesNotExist:
        raise bad_reference("course", _("Choose a course from the catalogue of one of your programmes.")) from None
    record = training_record_add(
        actor=user,
        volunteer=volunteer,
        course=course,
        completed_on=payload.completed_on,
        note=payload.note,
        verify=payload.verify,
    )
    return Status(201, training_records_for(user).get(pk=record.pk))


@router.post(
    "/training/{int:record_id}/verify",
    response={200: TrainingRecordOut, **WRITE_ERRORS},
    tags=["training"],
    summary="Verify a training record",
)
def training_verify(request, record_id: int):
    """Mark a training record as checked (coordinators of the course's programme). Verifying twice changes nothing."""
    record = training_record_verify(actor=request.auth, record=training_record_get(request.auth, record_id))
    return training_records_for(request.auth).get(pk=record.pk)


@router.get(
    "/volunteers/{int:volunteer_id}/checks",
    response={200: list[BackgroundCheckOut], **READ_ERRORS},
    tags=["checks"],
    summary="List a volunteer's background checks",
)
@paginate(Pagination)
def check_list(request, volunteer_id: int):
    volunteer = volunteer_get(request.auth, volunteer_id)
    return background_checks_for(request.auth).filter(volunteer=volunteer).order_by("-issued_on", "-id")


@router.post(
    "/volunteers/{int:volunteer_id}/checks",
    response={201: BackgroundCheckOut, **WRITE_ERRORS},
    tags=["checks"],
    summary="Record a background check",
)
def check_add(request, volunteer_id: int, payload: BackgroundCheckIn):
    """Record a background check a coordinator has seen."""
    user = request.auth
    volunteer = volunteer_get(user, volunteer_id)
    try:
        check_type = check_type_get(user, payload.check_type)
    except CheckType.DoesNotExist:
        raise bad_reference("check_type", _("Choose a kind of check of one of your programmes.")) from None
    check = background_check_add(
        actor=user,
        volunteer=volunteer,
        check_type=check_type,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on,
        reference=payload.reference,
        verify=payload.verify,
    )
    return Status(201, background_checks_for(user).get(pk=check.pk))


@router.post(
    "/checks/{int:check_id}/verify",
    response={200: BackgroundCheckOut, **WRITE_ERRORS},
    tags=["checks"],
    summary="Verify a background check",
)
def check_verify(request, check_id: int):
    """Mark a background check as seen and verified (coordinators of the check's programme)."""
    check = background_check_verify(actor=request.auth, check=background_check_get(request.auth, check_id))
    return background_checks_for(request.auth).get(pk=check.pk)


@router.get(
    "/volunteers/{int:volunteer_id}/qualifications",
    response={200: QualificationsOut, **READ_ERRORS},
    tags=["qualifications"],
    summary="Qualification status",
)
def qualification_detail(request, volunteer_id: int, query: Query[QualificationQuery]):
    """Is the volunteer qualified on a date (today by default)? With `programme` and `role`: for that role;
    without them: one report per role the volunteer holds, in the programmes the caller may see.
    Each requirement is valid, expiring_soon (within 30 days), expired or missing. A programme the caller
    does not coordinate answers 404 (unless the caller is the volunteer)."""
    user = request.auth
    volunteer = volunteer_get(user, volunteer_id)
    if bool(query.programme) != bool(query.role):
        field = "role" if query.programme else "programme"
        raise bad_reference(field, _("Give both programme and role, or neither."))
    if query.programme:
        programme = programme_in_input(user, query.programme)
        reports = [volunteer_role_qualification_for(user, volunteer, programme=programme, role=query.role, on=query.on)]
    else:
        reports = volunteer_qualifications_for(user, volunteer, on=query.on)
    on = reports[0].on if reports else (query.on or timezone.localdate())
    return {
        "volunteer_id": volunteer.id,
        "on": on,
        "qualified": all(report.qualified for report in reports),
        "reports": reports,
    }
