import datetime as dt
from typing import Literal

from ninja import Field, Schema

from timebank.accounts.models import MembershipStatus, Role

QualificationFilter = Literal["expiring_soon", "expired", "missing", "attention"]


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
