"""Where the core's people and places meet the ledger: which account is whose.

Credits belong to a programme: a volunteer has one account per programme they
earn in, a partner venue one in its programme. Each programme has an issuer
(negative by what it issued), a community fund, an account holding the price of
vouchers not yet used, and a sink for expired credits.
"""

from ledger.selectors import balance_of
from ledger.services import account_get
from ledger.types import Account, AccountKind
from timebank.core.models import PartnerVenue, Programme, VolunteerProfile


def volunteer_account(programme: Programme, volunteer: VolunteerProfile) -> Account:
    return account_get(
        kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=volunteer.pk, name=volunteer.full_name
    )


def partner_account(venue: PartnerVenue) -> Account:
    return account_get(kind=AccountKind.PARTNER, scope_id=venue.programme_id, holder_id=venue.pk, name=venue.name)


def programme_account(programme: Programme, kind: str) -> Account:
    """The programme's issuer, community fund, held-for-vouchers or expired account."""
    return account_get(kind=kind, scope_id=programme.pk, name=f"{programme.name}: {AccountKind(kind).label}")


def volunteer_balance(programme: Programme, volunteer: VolunteerProfile) -> int:
    """Minutes the volunteer can spend in the programme."""
    return balance_of(kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=volunteer.pk)
