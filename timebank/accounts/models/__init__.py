from timebank.accounts.models.audit import AuditEntry
from timebank.accounts.models.idempotency import IdempotencyRecord
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
    "IdempotencyRecord",
    "Membership",
    "MembershipStatus",
    "Organisation",
    "Programme",
    "Role",
    "User",
]
