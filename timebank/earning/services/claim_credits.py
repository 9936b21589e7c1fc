"""Issuing an approved claim's credits: one `earn` transaction from the programme's
issuer to the volunteer, the claim marked approved, and its audit entry.

Every way a claim comes to be approved goes through here: a coordinator's decision,
one claim or many (services.claims), an activity's rule for short claims, and the
attendance register (services.attendance). The ledger idempotency key is derived
from the claim, so a claim is paid at most once whatever retries or races happen.
Callers hold the claim's row lock (or have just created the claim) and have already
checked that it may be approved.
"""

from django.utils import timezone

from ledger.services import transaction_post
from ledger.types import Account, AccountKind, Transaction, TransactionKind
from timebank.accounts.credits import programme_account
from timebank.accounts.models import User
from timebank.accounts.services.audit import audit_record
from timebank.earning.models import ClaimStatus, HoursClaim
from timebank.volunteers.credits import volunteer_account

# The claim's columns that approval writes.
APPROVAL_FIELDS = ["status", "decided_by", "decided_at", "transaction"]


def approval_key(claim: HoursClaim) -> str:
    """The ledger idempotency key of a claim's approval: one payment per claim, ever."""
    return f"claim:{claim.pk}:approve"


def earn_post(
    claim: HoursClaim, *, decided_by: User | None, issuer: Account | None = None, earner: Account | None = None
) -> Transaction:
    """The claim's credits, from the programme's issuer to the volunteer: once per claim, whatever
    happens, through the idempotency key derived from the claim. `issuer` and `earner` spare the
    account look-ups when the caller already has them."""
    issuer = issuer or programme_account(claim.programme, AccountKind.ISSUER)
    earner = earner or volunteer_account(claim.programme, claim.volunteer)
    return transaction_post(
        kind=TransactionKind.EARN,
        scope_id=claim.programme_id,
        postings=[(issuer, -claim.credited_minutes), (earner, claim.credited_minutes)],
        idempotency_key=approval_key(claim),
        created_by=decided_by,
        memo=f"{claim.activity.name}, {claim.date.isoformat()}"[:300],
        occurred_on=claim.date,
        request={"claim": claim.pk, "minutes": claim.credited_minutes},
    )


def claim_mark_approved(claim: HoursClaim, *, decided_by: User | None, txn: Transaction) -> None:
    """Set the approval on the claim in memory; the caller saves APPROVAL_FIELDS."""
    claim.status = ClaimStatus.APPROVED
    claim.decided_by = decided_by
    claim.decided_at = timezone.now()
    claim.transaction = txn


def approval_audit_entry(
    claim: HoursClaim, *, decided_by: User | None, reason: str = "", changes: dict | None = None
) -> dict:
    """The keyword arguments of the claim's `claim.approve` audit entry (for audit_record, or
    one item of audit_records)."""
    return {
        "actor": decided_by,
        "action": "claim.approve",
        "target": claim,
        "programme": claim.programme,
        "reason": reason,
        "changes": {"credited_minutes": claim.credited_minutes, "transaction": claim.transaction_id, **(changes or {})},
    }


def claim_credits_issue(
    claim: HoursClaim,
    *,
    decided_by: User | None,
    reason: str = "",
    changes: dict | None = None,
    issuer: Account | None = None,
) -> HoursClaim:
    """Issue the claim's credits, mark it approved and write its audit entry. `decided_by` is
    None for an approval by the activity's rule. The claim row is locked (or was just created)
    by the caller."""
    txn = earn_post(claim, decided_by=decided_by, issuer=issuer)
    claim_mark_approved(claim, decided_by=decided_by, txn=txn)
    claim.save(update_fields=APPROVAL_FIELDS)
    audit_record(**approval_audit_entry(claim, decided_by=decided_by, reason=reason, changes=changes))
    return claim
