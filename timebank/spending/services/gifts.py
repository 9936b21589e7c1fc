"""Giving credits: a member to another member of the same programme (by membership number),
a member to the programme's community fund, and a coordinator granting from the fund.

Each gift is one ledger transaction of kind `gift` and one Gift row, written together.
A request carrying a client's Idempotency-Key (or a page's form token) returns the first
gift when retried; the same key with another request raises IdempotencyConflict.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ledger.errors import format_minutes
from ledger.services import transaction_post
from ledger.types import AccountKind, TransactionKind
from timebank.accounts.credits import programme_account
from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import idempotent_request
from timebank.spending.models import Gift
from timebank.spending.selectors.partners import active_programme_ids, programme_member_by_number
from timebank.volunteers.credits import volunteer_account
from timebank.volunteers.models import VolunteerProfile

MEMOS = {
    "gift.member": lambda: _("Gift between members"),
    "gift.fund": lambda: _("Gift to the community fund"),
    "fund.grant": lambda: _("Grant from the community fund"),
}
# A sanity bound on one gift, not a policy: 1,000 credits.
MAX_GIFT_MINUTES = 1000 * 60


def _clean_minutes(minutes) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise ValidationError({"minutes": [_("Give a positive number of minutes.")]})
    if minutes > MAX_GIFT_MINUTES:
        raise ValidationError(
            {"minutes": [_("Give at most %(max)s at a time.") % {"max": format_minutes(MAX_GIFT_MINUTES)}]}
        )
    return minutes


def _clean_message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > 300:
        raise ValidationError({"message": [_("Use 300 characters or fewer.")]})
    return message


def _require_giver(actor: User, giver: VolunteerProfile, programme: Programme) -> None:
    if giver.user_id != actor.pk:
        raise PermissionDenied(_("Only the member themselves may give their credits."))
    if programme.pk not in active_programme_ids(giver):
        raise PermissionDenied(
            _("Only active volunteers and mentors of %(programme)s may give its credits.") % {"programme": programme}
        )


def _recipient(programme: Programme, membership_number: str) -> VolunteerProfile:
    try:
        return programme_member_by_number(programme, membership_number, active_only=False)
    except VolunteerProfile.DoesNotExist:
        raise ValidationError(
            {
                "membership_number": [
                    _("No member of %(programme)s has this membership number.") % {"programme": programme}
                ]
            }
        ) from None


def _gift(
    *,
    actor: User,
    programme: Programme,
    giver: VolunteerProfile | None,
    recipient: VolunteerProfile | None,
    minutes: int,
    message: str,
    idempotency_key: str | None,
    action: str,
) -> Gift:
    asked = {
        "giver": giver.pk if giver else None,
        "recipient": recipient.pk if recipient else None,
        "minutes": minutes,
        "message": message,
    }
    request = idempotent_request(actor=actor, operation=action, key=idempotency_key, programme=programme, request=asked)
    if request.replayed:
        return request.result(Gift)
    fund = programme_account(programme, AccountKind.COMMUNITY_FUND)
    source = volunteer_account(programme, giver) if giver else fund
    target = volunteer_account(programme, recipient) if recipient else fund
    txn = transaction_post(
        kind=TransactionKind.GIFT,
        scope_id=programme.pk,
        postings=[(source, -minutes), (target, minutes)],
        idempotency_key=request.ledger_key,
        created_by=actor,
        # Statements show the memo to both sides: it names no one.
        memo=MEMOS[action](),
        request={"operation": action, "programme": programme.pk, **asked},
        field="minutes",
    )
    gift = Gift.objects.create(
        programme=programme,
        giver=giver,
        recipient=recipient,
        minutes=minutes,
        message=message,
        transaction=txn,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=action,
        target=gift,
        programme=programme,
        changes={
            "minutes": minutes,
            "giver": giver.membership_number if giver else "community fund",
            "recipient": recipient.membership_number if recipient else "community fund",
            "transaction": txn.pk,
        },
    )
    return request.finish(gift)


@transaction.atomic
def gift_to_member(
    *,
    actor: User,
    giver: VolunteerProfile,
    programme: Programme,
    membership_number: str,
    minutes: int,
    message: str = "",
    idempotency_key: str | None = None,
) -> Gift:
    """The giver gives minutes of their balance in the programme to another of its members.

    PermissionDenied unless the actor is the giver, an active volunteer or mentor of the
    programme. ValidationError naming `membership_number` for an unknown number, one of
    another programme or the giver's own; naming `minutes` for a zero or negative amount;
    InsufficientCredits (`minutes`) for more than the giver holds.
    """
    _require_giver(actor, giver, programme)
    minutes, message = _clean_minutes(minutes), _clean_message(message)
    recipient = _recipient(programme, membership_number)
    if recipient.pk == giver.pk:
        raise ValidationError({"membership_number": [_("You cannot give credits to yourself.")]})
    return _gift(
        actor=actor,
        programme=programme,
        giver=giver,
        recipient=recipient,
        minutes=minutes,
        message=message,
        idempotency_key=idempotency_key,
        action="gift.member",
    )


@transaction.atomic
def gift_to_fund(
    *,
    actor: User,
    giver: VolunteerProfile,
    programme: Programme,
    minutes: int,
    message: str = "",
    idempotency_key: str | None = None,
) -> Gift:
    """The giver gives minutes of their balance to the programme's community fund. Refused
    as gift_to_member is."""
    _require_giver(actor, giver, programme)
    minutes, message = _clean_minutes(minutes), _clean_message(message)
    return _gift(
        actor=actor,
        programme=programme,
        giver=giver,
        recipient=None,
        minutes=minutes,
        message=message,
        idempotency_key=idempotency_key,
        action="gift.fund",
    )


@transaction.atomic
def fund_grant(
    *,
    actor: User,
    programme: Programme,
    membership_number: str,
    minutes: int,
    message: str = "",
    idempotency_key: str | None = None,
) -> Gift:
    """A coordinator grants minutes from the community fund to a member of the programme.

    PermissionDenied for anyone but the programme's coordinators. ValidationError naming
    `membership_number` or `minutes` as for gifts; InsufficientCredits (`minutes`) when the
    fund holds less than the grant.
    """
    require_coordinator(actor, programme)
    minutes, message = _clean_minutes(minutes), _clean_message(message)
    recipient = _recipient(programme, membership_number)
    return _gift(
        actor=actor,
        programme=programme,
        giver=None,
        recipient=recipient,
        minutes=minutes,
        message=message,
        idempotency_key=idempotency_key,
        action="fund.grant",
    )
