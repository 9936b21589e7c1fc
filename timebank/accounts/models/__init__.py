from timebank.accounts.models.audit import AuditEntry
from timebank.accounts.models.programmes import (
    CreditExpiryPolicy,
    Membership,
    MembershipStatus,
    Organisation,
    Programme,
    Role,
)
from timebank.accounts.models.users import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CreditExpiryPolicy",
    "Membership",
    "MembershipStatus",
    "Organisation",
    "Programme",
    "Role",
    "User",
]
