"""What the spending tests share: a leisure centre and a cinema in the tenants' programme,
the `partner` persona on the leisure centre's staff, a 2-credit swim and a 3-credit film,
credits earned through the ledger, and a snapshot of every ledger row.

Amounts are minutes: 60 is one credit.
"""

import datetime as dt
import uuid
from types import SimpleNamespace

from django.utils import timezone

from ledger.models import AccountKind, TransactionKind
from ledger.selectors import balance_of
from ledger.services import transaction_post
from tests.assertions import database_state, unchanged
from timebank.accounts.credits import programme_account
from timebank.spending.services.partners import offer_create, partner_staff_add, partner_venue_create
from timebank.volunteers.credits import volunteer_account

CREDIT = 60


def spending_world(*, coordinator, programme, partner) -> SimpleNamespace:
    """The pool (the partner works its till) with a 2-credit swim worth GBP 4.50, and the
    cinema (someone else's till) with a 3-credit film, both available since last month."""
    today = timezone.localdate()
    pool = partner_venue_create(actor=coordinator, programme=programme, name="Splash Leisure Centre", category="sport")
    cinema = partner_venue_create(actor=coordinator, programme=programme, name="Chapter Cinema", category="culture")
    partner_staff_add(actor=coordinator, venue=pool, user=partner)
    swim = offer_create(
        actor=coordinator,
        venue=pool,
        title="Swim",
        price_minutes=2 * CREDIT,
        cash_value="4.50",
        starts_on=today - dt.timedelta(days=40),
    )
    film = offer_create(
        actor=coordinator,
        venue=cinema,
        title="Film",
        price_minutes=3 * CREDIT,
        cash_value="8.00",
        starts_on=today - dt.timedelta(days=40),
    )
    return SimpleNamespace(pool=pool, cinema=cinema, swim=swim, film=film)


def earn(programme, volunteer, minutes: int):
    """Credits for time given, issued straight through the ledger."""
    return transaction_post(
        kind=TransactionKind.EARN,
        scope_id=programme.pk,
        postings=[
            (programme_account(programme, AccountKind.ISSUER), -minutes),
            (volunteer_account(programme, volunteer), minutes),
        ],
        idempotency_key=f"test-earn:{uuid.uuid4().hex}",
    )


def balance(programme, *, volunteer=None, venue=None, kind: str | None = None) -> int:
    if volunteer is not None:
        return balance_of(kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holder_id=volunteer.pk)
    if venue is not None:
        return balance_of(kind=AccountKind.PARTNER, scope_id=programme.pk, holder_id=venue.pk)
    return balance_of(kind=kind, scope_id=programme.pk)


def ledger_state() -> dict[str, list[tuple]]:
    """Every ledger row, by model."""
    return {label: rows for label, rows in database_state().items() if label.startswith("ledger.")}


def nothing_changes():
    """Every core table (the audit log included) and every ledger row stay as they were:
    `unchanged()` compares the rows of both apps."""
    return unchanged()
