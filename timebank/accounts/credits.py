"""Where the core's people and places meet the ledger: which account is whose.

Credits belong to a programme: a volunteer has one account per programme they
earn in, a partner venue one in its programme. Each programme has an issuer
(negative by what it issued), a community fund, an account holding the price of
vouchers not yet used, and a sink for expired credits.
"""

from ledger.services import account_get
from ledger.types import Account, AccountKind
from timebank.accounts.models import Programme


def programme_account(programme: Programme, kind: str) -> Account:
    """The programme's issuer, community fund, held-for-vouchers or expired account."""
    return account_get(kind=kind, scope_id=programme.pk, name=f"{programme.name}: {AccountKind(kind).label}")
