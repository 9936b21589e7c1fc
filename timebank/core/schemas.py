"""Input and output schemas of the core API. Every field is listed: what leaves
the system is decided here, never by a model's field list."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from timebank.core.models import ConsentPurpose, MembershipStatus, Role
from timebank.core.selectors.programmes import programme_figures_for
from timebank.core.selectors.roles import roles_of

VolunteeringRole = Literal["volunteer", "mentor"]
QualificationFilter = Literal["expiring_soon", "expired", "missing", "attention"]


def roles_by_programme(request) -> dict[int, list[str]]:
    """{programme id: [roles the caller holds]}, read once per request however many programmes are listed."""
    if not hasattr(request, "_roles_by_programme"):
        found: dict[int, list[str]] = {}
        for role, programmes in roles_of(request.auth).programmes.items():
            for programme in programmes:
                found.setdefault(programme.id, []).append(role)
        request._roles_by_programme = {pk: sorted(roles) for pk, roles in found.items()}
    return request._roles_by_programme


# --- Who am I, programmes and their catalogues ---------------------------------


class MyProgrammeOut(Schema):
    slug: str
    name: str
    roles: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    is_admin: bool
    volunteer_id: int | None
    programmes: list[MyProgrammeOut]


class ProgrammeOut(Schema):
    slug: str
    name: str
    organisation: str
    description: str
    currency: str
    hourly_value: Decimal = Field(description="Value of one hour of volunteer time, in the programme's currency.")
    my_roles: list[str] = Field(description="The roles the caller holds in the programme.")

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_hourly_value(obj) -> Decimal:
        return obj.hourly_value.amount

    @staticmethod
    def resolve_my_roles(obj, context) -> list[str]:
        return roles_by_programme(context["request"]).get(obj.id, [])


class ProgrammeFiguresOut(Schema):
    """Counts of people; any count of 1 to 4 is given as "fewer than 5"."""

    active: int | str
    applicants: int | str
    paused: int | str
    mentors: int | str


class ProgrammeDetailOut(ProgrammeOut):
    figures: ProgrammeFiguresOut | None = Field(
        description="Aggregate figures, for administrators, the programme's coordinators and its funders."
    )

    @staticmethod
    def resolve_figures(obj, context):
        return programme_figures_for(context["request"].auth, obj)


class CourseOut(Schema):
    id: int
    name: str
    description: str
    validity_months: int | None = Field(description="Months a completion counts; null when it never expires.")
    active: bool


class CourseIn(Schema):
    name: str = Field(max_length=200)
    validity_months: int | None = Field(None, description="1 to 240, or null when it never expires.")
    description: str = ""


class CheckTypeOut(Schema):
    id: int
    name: str
    validity_months: int | None
    covers_children: bool
    covers_vulnerable_adults: bool


class CheckTypeIn(Schema):
    name: str = Field(max_length=200)
    validity_months: int | None = None
    covers_children: bool = False
    covers_vulnerable_adults: bool = False


class RequirementOut(Schema):
    id: int
    role: str
    kind: Literal["course", "check"]
    course_id: int | None
    check_type_id: int | None
    name: str

    @staticmethod
    def resolve_kind(obj) -> str:
        return "course" if obj.course_id else "check"

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj.course or obj.check_type)


class SkillOut(Schema):
    id: int
    name: str
    slug: str


# --- Volunteers ---------------------------------------------------------------


class MembershipOut(Schema):
    programme: str = Field(description="The programme's slug.")
    programme_name: str
    role: str
    status: str
    status_since: dt.date

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_programme_name(obj) -> str:
        return obj.programme.name


class SkillRef(Schema):
    id: int
    name: str


class AvailabilitySlotSchema(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday to 6 = Sunday.")
    starts_at: dt.time
    ends_at: dt.time


class VolunteerSummaryOut(Schema):
    id: int
    membership_number: str | None
    full_name: str
    preferred_name: str
    display_name: str
    email: str
    preferred_language: str
    languages: list[str]
    place_name: str
    memberships: list[MembershipOut] = Field(description="Volunteering roles in the programmes the caller may see.")

    @staticmethod
    def resolve_email(obj) -> str:
        return obj.user.email

    @staticmethod
    def resolve_languages(obj) -> list[str]:
        return [language.code for language in obj.languages.all()]

    @staticmethod
    def resolve_memberships(obj) -> list:
        return obj.user.visible_memberships


class VolunteerOut(VolunteerSummaryOut):
    can_sign_in: bool
    phone: str
    postal_address: str
    skills: list[SkillRef]
    skill_tags: list[str]
    interests: list[str]
    availability: list[AvailabilitySlotSchema]
    latitude: float | None
    longitude: float | None
    travel_km: int
    willing_children: bool
    willing_vulnerable_adults: bool
    willing_home_visits: bool
    emergency_contact_name: str
    emergency_contact_phone: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_skills(obj) -> list:
        # Set by the operation from selectors.records.skills_shown: another programme's
        # skills are not the caller's business. Without it, show none rather than all.
        return getattr(obj, "visible_skills", [])

    @staticmethod
    def resolve_availability(obj) -> list:
        return list(obj.availability.all())


class ProfileFields(Schema):
    """The profile fields a volunteer (or their coordinator) may set."""

    preferred_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=32)
    postal_address: str = ""
    preferred_language: str = Field("en", description="A language code such as en, fr, cy.")
    skill_tags: list[str] = []
    interests: list[str] = []
    place_name: str = Field("", max_length=120)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    travel_km: int = Field(5, ge=0, le=500)
    willing_children: bool = False
    willing_vulnerable_adults: bool = False
    willing_home_visits: bool = False
    emergency_contact_name: str = Field("", max_length=200)
    emergency_contact_phone: str = Field("", max_length=32)
    languages: list[str] = Field([], description="Language codes the person speaks.")
    skills: list[int] = Field([], description="Ids of skills from the programme's vocabulary.")
    availability: list[AvailabilitySlotSchema] = []


class VolunteerRegisterIn(ProfileFields):
    programme: str = Field(description="Slug of the programme to register the person in.")
    full_name: str = Field(max_length=200)
    email: str = Field("", description="Leave empty for a person without e-mail; they use their membership number.")
    username: str | None = Field(None, max_length=150)
    role: VolunteeringRole = Role.VOLUNTEER
    status: MembershipStatus = MembershipStatus.APPLICANT
    consent_to_record: bool = Field(description="The person agrees that we keep their record; must be true.")


# Fields a partial update may leave out but may not set to null.
NOT_NULLABLE = (*(name for name in ProfileFields.model_fields if name not in ("latitude", "longitude")), "full_name")


class VolunteerUpdateIn(Schema):
    """Only the fields given change."""

    full_name: str | None = Field(None, max_length=200)
    email: str | None = None
    preferred_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=32)
    postal_address: str | None = None
    preferred_language: str | None = None
    skill_tags: list[str] | None = None
    interests: list[str] | None = None
    place_name: str | None = Field(None, max_length=120)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    travel_km: int | None = Field(None, ge=0, le=500)
    willing_children: bool | None = None
    willing_vulnerable_adults: bool | None = None
    willing_home_visits: bool | None = None
    emergency_contact_name: str | None = Field(None, max_length=200)
    emergency_contact_phone: str | None = Field(None, max_length=32)
    languages: list[str] | None = None
    skills: list[int] | None = None
    availability: list[AvailabilitySlotSchema] | None = None
    reason: str = Field("", max_length=300, description="Why, for the audit log.")

    @field_validator(*NOT_NULLABLE, "email")
    @classmethod
    def _not_null(cls, value):
        # Only runs for values the client sent: leaving a field out is how to keep it.
        if value is None:
            raise PydanticCustomError("not_nullable", "May not be null; leave the field out to keep its value.")
        return value


class StatusChangeIn(Schema):
    programme: str = Field(description="Slug of the programme.")
    role: VolunteeringRole | None = Field(None, description="Needed when the volunteer holds both roles there.")
    status: MembershipStatus
    on: dt.date | None = Field(None, description="Since when; today by default.")
    reason: str = Field("", max_length=300)


class VolunteerFilterQuery(Schema):
    programme: str | None = Field(None, description="Programme slug.")
    status: MembershipStatus | None = None
    skill: int | None = Field(None, description="Skill id.")
    language: str | None = Field(None, description="Language code.")
    qualification: QualificationFilter | None = Field(
        None, description="Volunteers with a role requirement in this state; attention = any of the others."
    )
    q: str | None = Field(None, max_length=100, description="Name, membership number or e-mail.")
    on: dt.date | None = Field(None, description="Date for the qualification filter; today by default.")


# --- Consents -----------------------------------------------------------------


class ConsentOut(Schema):
    id: int
    volunteer_id: int
    purpose: str
    purpose_label: str
    note: str
    given_at: dt.datetime
    recorded_by: str
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    standing: bool

    @staticmethod
    def resolve_purpose_label(obj) -> str:
        return str(obj.get_purpose_display())

    @staticmethod
    def resolve_recorded_by(obj) -> str:
        return str(obj.recorded_by)

    @staticmethod
    def resolve_withdrawn_by(obj) -> str | None:
        return str(obj.withdrawn_by) if obj.withdrawn_by_id else None

    @staticmethod
    def resolve_standing(obj) -> bool:
        return obj.is_standing


class ConsentIn(Schema):
    purpose: ConsentPurpose
    note: str = Field("", max_length=300)


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


# --- Training and background checks ---------------------------------------------


class CatalogueRef(Schema):
    id: int
    name: str
    programme: str

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug


class VerificationFields(Schema):
    expires_on: dt.date | None = Field(description="The first day it no longer counts; null when it never expires.")
    recorded_by: str
    recorded_at: dt.datetime
    verified: bool
    verified_by: str | None
    verified_at: dt.datetime | None

    @staticmethod
    def resolve_recorded_by(obj) -> str:
        return str(obj.recorded_by)

    @staticmethod
    def resolve_verified(obj) -> bool:
        return obj.is_verified

    @staticmethod
    def resolve_verified_by(obj) -> str | None:
        return str(obj.verified_by) if obj.verified_by_id else None


class TrainingRecordOut(VerificationFields):
    id: int
    volunteer_id: int
    course: CatalogueRef
    completed_on: dt.date
    note: str
    has_evidence: bool

    @staticmethod
    def resolve_has_evidence(obj) -> bool:
        return bool(obj.evidence)


class TrainingRecordIn(Schema):
    """Evidence files are uploaded on the web pages; the API records the completion only."""

    course: int = Field(description="Course id, from the catalogue of one of the volunteer's programmes.")
    completed_on: dt.date
    note: str = Field("", max_length=300)
    verify: bool = Field(False, description="Coordinators may record and verify in one step.")


class BackgroundCheckOut(VerificationFields):
    id: int
    volunteer_id: int
    check_type: CatalogueRef
    issued_on: dt.date
    reference: str


class BackgroundCheckIn(Schema):
    check_type: int = Field(description="Id of a kind of check of one of the volunteer's programmes.")
    issued_on: dt.date
    expires_on: dt.date | None = Field(None, description="From the certificate; else from the kind's validity.")
    reference: str = Field("", max_length=100)
    verify: bool = False


# --- Qualifications -------------------------------------------------------------


class RequirementStateOut(Schema):
    kind: Literal["course", "check"]
    id: int = Field(description="The course id or the check kind id.")
    name: str
    state: Literal["valid", "expiring_soon", "expired", "missing"]
    state_label: str
    expires_on: dt.date | None
    days_left: int | None
    awaiting_verification: bool = Field(description="An unverified record exists that would count once verified.")
    record_id: int | None

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.requirement.kind

    @staticmethod
    def resolve_id(obj) -> int:
        return (obj.requirement.course or obj.requirement.check_type).id

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.requirement.label

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.state_label)

    @staticmethod
    def resolve_record_id(obj) -> int | None:
        return obj.record.pk if obj.record is not None else None


class QualificationReportOut(Schema):
    programme: str
    programme_name: str
    role: str
    qualified: bool
    requirements: list[RequirementStateOut]

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_programme_name(obj) -> str:
        return obj.programme.name

    @staticmethod
    def resolve_requirements(obj) -> list:
        return obj.items


class QualificationsOut(Schema):
    volunteer_id: int
    on: dt.date
    qualified: bool = Field(description="Qualified for every role reported.")
    reports: list[QualificationReportOut]


class QualificationQuery(Schema):
    programme: str | None = Field(None, description="Programme slug; give it with role.")
    role: Role | None = None
    on: dt.date | None = Field(None, description="Today by default.")
