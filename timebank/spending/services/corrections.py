"""Corrections to the ledger by coordinators: only ever by reversal."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ledger.services import transaction_reverse
from ledger.types import Transaction
from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import idempotent_request
from timebank.spending.models import Voucher


@transaction.atomic
def ledger_transaction_reverse(
    *, actor: User, original: Transaction, reason: str, idempotency_key: str | None = None
) -> Transaction:
    """Reverse a transaction of a programme the actor coordinates, with a reason.

    Voucher holds and settlements are refused here: cancelling the voucher is
    what returns its credits, and keeps the voucher's state true. Raises
    PermissionDenied, ValidationError (no reason, already reversed, a reversal,
    credits since spent); nothing is written when it raises.
    """
    programme = Programme.objects.get(pk=original.scope_id)
    require_coordinator(actor, programme)
    if Voucher.objects.filter(Q(hold_transaction=original) | Q(settled_transaction=original)).exists():
        raise ValidationError({"transaction": [_("This belongs to a voucher: cancel the voucher instead.")]})
    request = idempotent_request(
        actor=actor,
        operation="ledger.reverse",
        key=idempotency_key,
        programme=programme,
        request={"transaction": original.pk, "reason": (reason or "").strip()},
    )
    if request.replayed:
        return request.result(type(original))
    reversal = transaction_reverse(
        original=original, reason=reason, created_by=actor, idempotency_key=request.ledger_key
    )
    audit_record(
        actor=actor,
        action="ledger.reverse",
        target=original,
        programme=programme,
        reason=reason,
        changes={"reversal": reversal.pk},
    )
    return request.finish(reversal)
