from ledger.services import account_get
from ledger.types import Account, AccountKind
from timebank.spending.models import PartnerVenue


def partner_account(venue: PartnerVenue) -> Account:
    return account_get(kind=AccountKind.PARTNER, scope_id=venue.programme_id, holder_id=venue.pk, name=venue.name)
