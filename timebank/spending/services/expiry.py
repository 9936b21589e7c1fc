"""Credits that expire, per the programme's policy, and the warning 30 days before.

`after_earned` (first in, first out): on day D the credits a volunteer received
on or before D minus N months expire, less everything that has left the
account since (spent, gifted, held for vouchers, expired before), and never
more than the balance:

    expiring(D) = min(balance, max(0, received up to (D - N months) - all that left))

`after_inactivity`: the whole balance expires once N months have passed since
credits last moved on the account: the later of the day a transaction occurred
and the day it was recorded, so a claim approved today for a day long ago
counts as activity today.

Expiry is written as an `expire` transaction from the volunteer to the
programme's expired-credits account, keyed by account and day, so the task can
run any number of times a day and after an outage: a rerun finds nothing left
to expire, or replays the day's transaction.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ledger.errors import InsufficientCredits, format_minutes
from ledger.selectors import PostingTotals, posting_totals
from ledger.services import transaction_post
from ledger.types import AccountKind, TransactionKind
from timebank.accounts.credits import programme_account
from timebank.accounts.models import AuditEntry, CreditExpiryPolicy, Programme
from timebank.accounts.services.audit import audit_record
from timebank.common.dates import add_months
from timebank.spending.models import CreditExpiryWarning
from timebank.volunteers.models import VolunteerProfile

logger = logging.getLogger(__name__)

WARNING_DAYS = 30
# A spend committed between reading the account and posting the expiry makes the
# post refuse with InsufficientCredits; the spend also lowered what is due, so
# reading again gives the right figure.
ATTEMPTS = 3


@dataclass
class ExpiryRun:
    transactions: int = 0
    minutes: int = 0
    warnings: int = 0


def credits_expire(*, today: dt.date | None = None) -> ExpiryRun:
    """Expire what is due today in every programme with an expiry policy, then warn
    volunteers of what will expire in 30 days. Safe to run twice, or at once."""
    today = today or timezone.localdate()
    run = ExpiryRun()
    programmes = Programme.objects.exclude(credit_expiry_policy=CreditExpiryPolicy.NEVER).filter(
        credit_expiry_months__gt=0
    )
    for programme in programmes.order_by("pk"):
        expired = programme_credits_expire(programme=programme, today=today)
        run.transactions += len(expired)
        run.minutes += sum(expired.values())
        run.warnings += programme_expiry_warnings_send(programme=programme, today=today)
    return run


def expiring_minutes(programme: Programme, on: dt.date) -> dict[int, tuple[PostingTotals, int]]:
    """{volunteer account id: (its totals, minutes that expire on `on`)} for the accounts
    with something to expire, as the ledger stands now."""
    months = programme.credit_expiry_months
    if programme.credit_expiry_policy == CreditExpiryPolicy.NEVER or not months:
        return {}
    current = posting_totals(kind=AccountKind.VOLUNTEER, scope_id=programme.pk, holding_only=True)
    due = {}
    if programme.credit_expiry_policy == CreditExpiryPolicy.AFTER_EARNED:
        old = posting_totals(
            kind=AccountKind.VOLUNTEER, scope_id=programme.pk, until=add_months(on, -months), holding_only=True
        )
        for pk, totals in current.items():
            earned_long_ago = old[pk].credits_in if pk in old else 0
            due[pk] = (totals, min(totals.account.balance, max(0, earned_long_ago - totals.credits_out)))
    else:
        for pk, totals in current.items():
            idle = add_months(last_activity(totals), months) <= on
            due[pk] = (totals, totals.account.balance if idle else 0)
    return {pk: entry for pk, entry in due.items() if entry[1] > 0}


def last_activity(totals: PostingTotals) -> dt.date:
    """The day credits last moved on an account holding credits (it has postings)."""
    return max(totals.last_occurred_on, timezone.localdate(totals.last_recorded_at))


def programme_credits_expire(*, programme: Programme, today: dt.date) -> dict[int, int]:
    """Write today's expiry transactions for the programme; {volunteer account id: minutes}."""
    expired: dict[int, int] = {}
    settled: set[int] = set()
    for _attempt in range(ATTEMPTS):
        pending = {pk: entry for pk, entry in expiring_minutes(programme, today).items() if pk not in settled}
        if not pending:
            break
        for pk, (totals, minutes) in pending.items():
            try:
                if _expire_account(programme, totals, minutes, today):
                    expired[pk] = minutes
                settled.add(pk)
            except InsufficientCredits:
                logger.info("Account %s spent while its expiry was computed; computing again", pk)
    return expired


def _expire_account(programme: Programme, totals: PostingTotals, minutes: int, today: dt.date) -> bool:
    account = totals.account
    key = f"expire:{account.pk}:{today.isoformat()}"
    with transaction.atomic():
        txn = transaction_post(
            kind=TransactionKind.EXPIRE,
            scope_id=programme.pk,
            postings=[(account, -minutes), (programme_account(programme, AccountKind.EXPIRED), minutes)],
            idempotency_key=key,
            memo=_("Credits expired (%(policy)s)") % {"policy": programme.get_credit_expiry_policy_display()},
            occurred_on=today,
            # The day's expiry of this account is one request, whatever the amount:
            # a rerun that finds a different figure replays the first instead of failing.
            request={"expire": account.pk, "on": today.isoformat()},
            field="credits",
        )
        already = AuditEntry.objects.filter(
            action="credits.expire", target_type=txn._meta.label_lower, target_id=txn.pk
        ).exists()
        if already:
            return False
        audit_record(
            actor=None,
            action="credits.expire",
            target=txn,
            programme=programme,
            changes={
                "volunteer": account.holder_id,
                "minutes": minutes,
                "policy": programme.credit_expiry_policy,
                "months": programme.credit_expiry_months,
            },
        )
    return True


def programme_expiry_warnings_send(*, programme: Programme, today: dt.date) -> int:
    """Warn each volunteer of credits that will expire within 30 days and were not yet
    warned of: one CreditExpiryWarning per volunteer, programme and expiry date
    (its unique constraint makes a rerun a no-op), e-mail after commit. Returns
    the number of warnings written."""
    horizon = today + dt.timedelta(days=WARNING_DAYS)
    due_by_horizon = expiring_minutes(programme, horizon)
    if not due_by_horizon:
        return 0
    holders = {totals.account.holder_id for totals, _minutes in due_by_horizon.values()}
    volunteers = VolunteerProfile.objects.select_related("user").in_bulk(holders)
    if programme.credit_expiry_policy == CreditExpiryPolicy.AFTER_INACTIVITY:
        news = _inactivity_news(programme, today, due_by_horizon)
    else:
        news = _earned_news(programme, today, horizon, due_by_horizon)
    sent = 0
    for holder_id, expires_on, minutes in news:
        volunteer = volunteers.get(holder_id)
        if volunteer is not None and _warn_once(programme, volunteer, expires_on, minutes):
            sent += 1
    return sent


def _inactivity_news(programme, today, due_by_horizon):
    """The whole balance goes on one day: the day the account has been idle N months."""
    for totals, minutes in due_by_horizon.values():
        expires_on = add_months(last_activity(totals), programme.credit_expiry_months)
        if expires_on > today:
            yield totals.account.holder_id, expires_on, minutes


def _earned_news(programme, today, horizon, due_by_horizon):
    """What falls due by the horizon beyond what falls due by the last expiry date the
    volunteer was already warned of (or by today): credits earned on the days since.
    Comparing with the last warning, not with yesterday, also covers days the task
    did not run."""
    warned_until: dict[int, dt.date] = {}
    warnings = CreditExpiryWarning.objects.filter(programme=programme, expires_on__gt=today, expires_on__lte=horizon)
    for volunteer_id, expires_on in warnings.values_list("volunteer_id", "expires_on"):
        warned_until[volunteer_id] = max(expires_on, warned_until.get(volunteer_id, expires_on))
    due_by = {day: expiring_minutes(programme, day) for day in {today, *warned_until.values()}}
    for pk, (totals, minutes) in sorted(due_by_horizon.items()):
        holder_id = totals.account.holder_id
        already_due = due_by[warned_until.get(holder_id, today)].get(pk, (None, 0))[1]
        if minutes > already_due:
            yield holder_id, horizon, minutes - already_due


def _warn_once(programme: Programme, volunteer: VolunteerProfile, expires_on: dt.date, minutes: int) -> bool:
    try:
        with transaction.atomic():
            warning = CreditExpiryWarning.objects.create(
                volunteer=volunteer, programme=programme, expires_on=expires_on, minutes=minutes
            )
            audit_record(
                actor=None,
                action="credits.expiry_warning",
                target=warning,
                programme=programme,
                changes={"volunteer": volunteer.pk, "minutes": minutes, "expires_on": expires_on},
            )
            transaction.on_commit(lambda: _send_warning(programme, volunteer, expires_on, minutes))
    except IntegrityError:
        # Another run warned of this expiry date first.
        return False
    return True


def _send_warning(programme: Programme, volunteer: VolunteerProfile, expires_on: dt.date, minutes: int) -> None:
    if not volunteer.user.email:
        # Volunteers without e-mail see the warning on their statement and card.
        return
    with translation.override(volunteer.preferred_language or settings.LANGUAGE_CODE):
        amount = format_minutes(minutes)
        send_mail(
            _("%(amount)s expire on %(date)s") % {"amount": amount, "date": expires_on.isoformat()},
            _(
                "Hello %(name)s,\n\n%(amount)s of your time credits with %(programme)s expire on %(date)s. "
                "Spend them at a partner venue or give them to another member before then.\n"
            )
            % {
                "name": volunteer.display_name,
                "amount": amount,
                "programme": programme,
                "date": expires_on.isoformat(),
            },
            None,
            [volunteer.user.email],
        )
    logger.info("Warned volunteer %s of %s minutes expiring on %s", volunteer.pk, minutes, expires_on)
