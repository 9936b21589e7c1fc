"""What the ledger refuses. Each refusal leaves the ledger exactly as it was."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _


class InsufficientCredits(ValidationError):
    def __init__(self, *, account, needed: int, available: int, field: str = "amount"):
        self.account, self.needed, self.available = account, needed, available
        super().__init__(
            {
                field: [
                    _("Not enough credits: %(needed)s needed, %(available)s available.")
                    % {"needed": format_minutes(needed), "available": format_minutes(available)}
                ]
            }
        )


class AlreadyReversed(ValidationError):
    def __init__(self):
        super().__init__({"transaction": [_("This transaction has already been reversed.")]})


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(_("This idempotency key was already used for a different request."))


def format_minutes(minutes: int) -> str:
    """'2 credits', '1.5 credits', '0.25 credits': credits with at most two decimals,
    written with the active language's decimal separator ('1,5 crédits' in French)."""
    credits = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    text = number_format(Decimal(f"{credits:f}".rstrip("0").rstrip(".") or "0"), use_l10n=True)
    return _("%(n)s credit") % {"n": text} if credits == 1 else _("%(n)s credits") % {"n": text}
