"""Input and output schemas of the core API. Every field is listed: what leaves
the system is decided here, never by a model's field list."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from timebank.accounts.models import MembershipStatus, Role
from timebank.volunteers.models import ConsentPurpose

VolunteeringRole = Literal["volunteer", "mentor"]


class SkillOut(Schema):
    id: int
    name: str
    slug: str


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
