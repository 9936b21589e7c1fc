"""Reads of credit balances and statements, scoped to the person asking.

A volunteer sees their own accounts; a coordinator sees every account and
transaction of the programmes they coordinate; nobody else sees any.
"""

import datetime as dt
from dataclasses import dataclass

from ledger.selectors import (
    Statement,
    account_find,
    balances_by_kind,
    balances_by_scope,
    statement,
    transaction_get,
    transactions_of_scope,
)
from ledger.types import AccountKind, Transaction
from timebank.accounts.models import Membership, Programme, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids
from timebank.volunteers.models import VolunteerProfile


@dataclass
class CreditBalance:
    programme: Programme
    minutes: int


def my_balances(user: User) -> list[CreditBalance]:
    """The signed-in volunteer's balance in each programme they volunteer in (0 before any credit)."""
    volunteer = VolunteerProfile.objects.filter(user=user).first()
    if volunteer is None:
        return []
    programme_ids = Membership.objects.filter(user=user, role__in=VOLUNTEERING_ROLES).values("programme_id")
    programmes = Programme.objects.filter(id__in=programme_ids).order_by("name")
    balances = balances_by_scope(kind=AccountKind.VOLUNTEER, holder_id=volunteer.pk)
    return [CreditBalance(programme, balances.get(programme.pk, 0)) for programme in programmes]


def volunteer_statement(
    user: User,
    *,
    volunteer: VolunteerProfile,
    programme: Programme,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Statement | None:
    """The volunteer's statement in a programme, for the volunteer or the programme's coordinators.

    Raises Programme.DoesNotExist when the person may not see it; returns None
    when the volunteer has no account there yet.
    """
    is_self = volunteer.user_id == user.id
    volunteers_there = Membership.objects.filter(
        programme=programme, user_id=volunteer.user_id, role__in=VOLUNTEERING_ROLES
    )
    if not volunteers_there.exists() or not (is_self or programme.pk in coordinated_programme_ids(user)):
        raise Programme.DoesNotExist
    account = account_find(kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=volunteer.pk)
    return statement(account, start=start, end=end) if account else None


@dataclass
class ProgrammeLedger:
    programme: Programme
    issued: int  # minutes the issuer has issued (its balance, negated)
    volunteers_hold: int
    partners_hold: int
    community_fund: int
    held_for_vouchers: int
    expired: int

    @property
    def outstanding(self) -> int:
        """Credits issued and not yet spent or expired: in volunteers' hands, the fund or vouchers."""
        return self.volunteers_hold + self.community_fund + self.held_for_vouchers


def programme_ledger(programme: Programme) -> ProgrammeLedger:
    """Where a programme's credits are, from cached balances: a few rows, whatever the history."""
    sums = balances_by_kind(scope_id=programme.pk)
    return ProgrammeLedger(
        programme=programme,
        issued=-sums.get(AccountKind.ISSUER, 0),
        volunteers_hold=sums.get(AccountKind.VOLUNTEER, 0),
        partners_hold=sums.get(AccountKind.PARTNER, 0),
        community_fund=sums.get(AccountKind.COMMUNITY_FUND, 0),
        held_for_vouchers=sums.get(AccountKind.HELD, 0),
        expired=sums.get(AccountKind.EXPIRED, 0),
    )


def programme_transactions(programme: Programme):
    return transactions_of_scope(programme.pk).select_related("created_by", "reverses")


def programme_transaction_get(user: User, pk: int) -> Transaction:
    """A transaction of a programme the person coordinates; raises Transaction.DoesNotExist otherwise."""
    return transaction_get(coordinated_programme_ids(user), pk)
