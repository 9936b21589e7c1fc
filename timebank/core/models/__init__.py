from timebank.core.models.audit import AuditEntry
from timebank.core.models.programmes import Membership, MembershipStatus, Organisation, Programme, Role
from timebank.core.models.training import (
    BackgroundCheck,
    CheckType,
    Course,
    ExpiryReminder,
    RoleRequirement,
    TrainingRecord,
)
from timebank.core.models.users import ApiToken, User
from timebank.core.models.volunteers import (
    AvailabilitySlot,
    Consent,
    ConsentPurpose,
    Skill,
    VolunteerLanguage,
    VolunteerProfile,
)

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AvailabilitySlot",
    "BackgroundCheck",
    "CheckType",
    "Consent",
    "ConsentPurpose",
    "Course",
    "ExpiryReminder",
    "Membership",
    "MembershipStatus",
    "Organisation",
    "Programme",
    "Role",
    "RoleRequirement",
    "Skill",
    "TrainingRecord",
    "User",
    "VolunteerLanguage",
    "VolunteerProfile",
]
