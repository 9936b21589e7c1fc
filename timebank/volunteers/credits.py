from ledger.selectors import balance_of
from ledger.services import account_get
from ledger.types import Account, AccountKind
from timebank.accounts.models import Programme
from timebank.volunteers.models import VolunteerProfile


def volunteer_account(programme: Programme, volunteer: VolunteerProfile) -> Account:
    return account_get(
        kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=volunteer.pk, name=volunteer.full_name
    )


def volunteer_balance(programme: Programme, volunteer: VolunteerProfile) -> int:
    """Minutes the volunteer can spend in the programme."""
    return balance_of(kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=volunteer.pk)
