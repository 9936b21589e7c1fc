"""Spending credits at partner venues: vouchers and redemptions at the till.

A voucher moves its price from the volunteer to the programme's HELD account when it is
issued. When the partner confirms it the price moves on from HELD to the partner; when
it is cancelled or expires, the hold is reversed (the ledger reverses a transaction at
most once, so the credits come back once). At the till, a partner can instead look a
member up by membership number and redeem an offer in one transfer.

Races and retries:
- issuing and redeeming at the till lock the volunteer's profile row first, so two
  requests cannot both pass the monthly limit; the ledger locks the accounts;
- confirming, cancelling and expiring lock the voucher row and act only on an issued
  voucher, so a voucher pays out or is released once however many requests arrive;
- a request carrying the client's Idempotency-Key (or a page's form token) returns the
  first result when it is retried; the same key with another request raises the
  ledger's IdempotencyConflict.
"""

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ledger.services import transaction_post, transaction_reverse
from ledger.types import AccountKind, TransactionKind
from timebank.accounts.credits import programme_account
from timebank.accounts.models import User
from timebank.accounts.permissions import can_coordinate
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import idempotent_request
from timebank.spending.credits import partner_account
from timebank.spending.models import Offer, PartnerVenue, Redemption, Voucher, VoucherStatus
from timebank.spending.permissions import require_partner_staff, staffed_venue_ids
from timebank.spending.selectors.partners import active_programme_ids, monthly_uses, programme_member_by_number
from timebank.volunteers.credits import volunteer_account
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.services.locks import volunteer_lock

# Letters and digits nobody misreads at a till: no 0/O, 1/I.
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
VOUCHER_CODE_LENGTH = 8
VOUCHER_VALID_DAYS = 30


# --- Checks ------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """'abcd-2345', a QR code's address ending '?code=ABCD2345', -> 'ABCD2345'."""
    code = (code or "").strip()
    if "code=" in code:
        code = code.rsplit("code=", 1)[1].split("&", 1)[0]
    return code.upper().replace(" ", "").replace("-", "")


def _check_available(offer: Offer, today: dt.date) -> None:
    if not offer.active or not offer.venue.active:
        raise ValidationError({"offer": [_("This offer is not available any more.")]})
    if offer.starts_on > today:
        raise ValidationError(
            {"offer": [_("This offer starts on %(day)s.") % {"day": formats.date_format(offer.starts_on)}]}
        )
    if offer.ends_on is not None and offer.ends_on < today:
        raise ValidationError(
            {"offer": [_("This offer ended on %(day)s.") % {"day": formats.date_format(offer.ends_on)}]}
        )


def _check_spender(volunteer: VolunteerProfile, offer: Offer) -> None:
    programme = offer.venue.programme
    if programme.pk not in active_programme_ids(volunteer):
        raise PermissionDenied(
            _("Only active volunteers and mentors of %(programme)s may use its offers.") % {"programme": programme}
        )


def _check_monthly_limit(volunteer: VolunteerProfile, offer: Offer, field: str = "offer") -> None:
    limit = offer.monthly_limit_per_person
    if limit is None:
        return
    used = monthly_uses(volunteer, offer)
    if used >= limit:
        raise ValidationError(
            {
                field: [
                    _(
                        "The limit for this offer is %(limit)s per person per month, and it has been used "
                        "%(used)s times this month (vouchers not yet used count too)."
                    )
                    % {"limit": limit, "used": used}
                ]
            }
        )


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(VOUCHER_CODE_LENGTH))
        if not Voucher.objects.filter(code=code).exists():
            return code


def _expiry(offer: Offer, now: dt.datetime) -> dt.datetime:
    """VOUCHER_VALID_DAYS from now, or the end of the offer's last day if that comes first."""
    expires_at = now + dt.timedelta(days=VOUCHER_VALID_DAYS)
    if offer.ends_on is not None:
        last_moment = timezone.make_aware(dt.datetime.combine(offer.ends_on + dt.timedelta(days=1), dt.time.min))
        expires_at = min(expires_at, last_moment)
    return expires_at


# --- Vouchers ----------------------------------------------------------------------------


@transaction.atomic
def voucher_issue(
    *, actor: User, volunteer: VolunteerProfile, offer: Offer, idempotency_key: str | None = None
) -> Voucher:
    """Give the volunteer a voucher for the offer, holding its price from their balance.

    Only the volunteer themselves, an active volunteer or mentor of the offer's programme
    (PermissionDenied). Refused (ValidationError naming `offer`) when the offer is not
    available today or the monthly limit is reached, InsufficientCredits when the balance
    is short. A retry with the same key returns the first voucher.
    """
    if volunteer.user_id != actor.pk:
        raise PermissionDenied(_("Only the volunteer themselves may take a voucher."))
    # The caller's copy may be stale: price, dates and limit are read as they are now.
    offer = Offer.objects.select_related("venue__programme").get(pk=offer.pk)
    request = idempotent_request(
        actor=actor,
        operation="voucher.issue",
        key=idempotency_key,
        programme=offer.venue.programme,
        request={"offer": offer.pk, "volunteer": volunteer.pk},
    )
    if request.replayed:
        return request.result(Voucher)
    # Serialises the volunteer's spending: the monthly limit is counted under this lock.
    volunteer_lock(volunteer)
    _check_spender(volunteer, offer)
    now = timezone.now()
    _check_available(offer, timezone.localdate(now))
    _check_monthly_limit(volunteer, offer)
    programme = offer.venue.programme
    hold = transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=programme.pk,
        postings=[
            (volunteer_account(programme, volunteer), -offer.price_minutes),
            (programme_account(programme, AccountKind.HELD), offer.price_minutes),
        ],
        idempotency_key=request.ledger_key,
        created_by=actor,
        memo=_("Voucher: %(offer)s at %(venue)s") % {"offer": offer.title, "venue": offer.venue.name},
        request={"operation": "voucher_issue", "offer": offer.pk, "volunteer": volunteer.pk},
        field="offer",
    )
    voucher = Voucher.objects.create(
        code=_new_code(),
        offer=offer,
        volunteer=volunteer,
        price_minutes=offer.price_minutes,
        expires_at=_expiry(offer, now),
        hold_transaction=hold,
    )
    audit_record(
        actor=actor,
        action="voucher.issue",
        target=voucher,
        programme=programme,
        changes={"offer": offer.title, "minutes": voucher.price_minutes, "transaction": hold.pk},
    )
    return request.finish(voucher)


def _voucher_refusal(voucher: Voucher, now: dt.datetime) -> str | None:
    """Why the voucher cannot be used or released now, or None."""
    if voucher.status == VoucherStatus.REDEEMED:
        return _("This voucher was already used on %(day)s.") % {
            "day": formats.date_format(timezone.localtime(voucher.closed_at))
        }
    if voucher.status == VoucherStatus.CANCELLED:
        return _("This voucher was cancelled.")
    if voucher.status == VoucherStatus.EXPIRED or voucher.expires_at <= now:
        return _("This voucher expired on %(day)s.") % {
            "day": formats.date_format(timezone.localtime(voucher.expires_at))
        }
    return None


@transaction.atomic
def voucher_confirm(
    *, actor: User, code: str, venue: PartnerVenue | None = None, idempotency_key: str | None = None
) -> Redemption:
    """A venue's staff confirm a voucher at the till: its price moves from HELD to the venue.

    `venue` is the till's venue; without it, the voucher may be for any venue the person
    staffs. PermissionDenied for anyone but the staff; ValidationError naming `code` for a
    code unknown at the venue, or a voucher used, cancelled or expired. A voucher pays once
    however many times, or however concurrently, it is confirmed.
    """
    if venue is not None:
        require_partner_staff(actor, venue)
        venue_ids = {venue.pk}
    else:
        venue_ids = staffed_venue_ids(actor)
        if not venue_ids:
            raise PermissionDenied(_("Only the staff of a partner venue may confirm vouchers."))
    code = normalise_code(code)
    found = (
        Voucher.objects.filter(code=code, offer__venue_id__in=venue_ids)
        .values_list("pk", "offer__venue__programme_id")
        .first()
    )
    if found is None:
        raise ValidationError(
            {"code": [_("No voucher with this code is for your venue. Check the code and try again.")]}
        )
    pk, programme_id = found
    request = idempotent_request(
        actor=actor,
        operation="voucher.confirm",
        key=idempotency_key,
        programme=programme_id,
        request={"voucher": pk, "venue": venue.pk if venue else None},
    )
    if request.replayed:
        return request.result(Redemption)
    voucher = Voucher.objects.select_for_update(no_key=True).get(pk=pk)
    now = timezone.now()
    refusal = _voucher_refusal(voucher, now)
    if refusal:
        raise ValidationError({"code": [refusal]})
    offer = Offer.objects.select_related("venue__programme").get(pk=voucher.offer_id)
    programme = offer.venue.programme
    settled = transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=programme.pk,
        postings=[
            (programme_account(programme, AccountKind.HELD), -voucher.price_minutes),
            (partner_account(offer.venue), voucher.price_minutes),
        ],
        # Keyed by the voucher, not the request: a voucher pays once, whoever confirms it.
        idempotency_key=f"voucher:{voucher.pk}:settle",
        created_by=actor,
        memo=_("Voucher %(code)s used: %(offer)s") % {"code": voucher.code, "offer": offer.title},
        request={"operation": "voucher_confirm", "voucher": voucher.pk},
        field="code",
    )
    voucher.status = VoucherStatus.REDEEMED
    voucher.settled_transaction = settled
    voucher.closed_at = now
    voucher.closed_by = actor
    voucher.save(update_fields=["status", "settled_transaction", "closed_at", "closed_by"])
    redemption = Redemption.objects.create(
        offer=offer,
        venue=offer.venue,
        volunteer=voucher.volunteer,
        voucher=voucher,
        price_minutes=voucher.price_minutes,
        cash_value=offer.cash_value,
        transaction=settled,
        confirmed_by=actor,
    )
    audit_record(
        actor=actor,
        action="voucher.redeem",
        target=voucher,
        programme=programme,
        changes={"redemption": redemption.pk, "minutes": voucher.price_minutes, "transaction": settled.pk},
    )
    return request.finish(redemption)


def _release(voucher: Voucher, *, status: str, actor: User | None, reason: str, key: str, now) -> Voucher:
    """Reverse the voucher's hold and close it. The caller holds the voucher's row lock."""
    release = transaction_reverse(
        original=voucher.hold_transaction,
        reason=reason,
        created_by=actor,
        idempotency_key=key,
        memo=_("Voucher %(code)s released") % {"code": voucher.code},
    )
    voucher.status = status
    voucher.settled_transaction = release
    voucher.closed_at = now
    voucher.closed_by = actor
    voucher.save(update_fields=["status", "settled_transaction", "closed_at", "closed_by"])
    return voucher


@transaction.atomic
def voucher_cancel(*, actor: User, voucher: Voucher, reason: str = "", idempotency_key: str | None = None) -> Voucher:
    """Cancel an unused voucher; its price goes back to the volunteer, once.

    The volunteer themselves or a coordinator of the programme (PermissionDenied for
    others). ValidationError naming `voucher` when it was used, cancelled or expired
    already. A retry with the same key returns the cancelled voucher.
    """
    programme = voucher.offer.venue.programme
    if voucher.volunteer.user_id != actor.pk and not can_coordinate(actor, programme):
        raise PermissionDenied(_("Only the volunteer who holds the voucher or a coordinator may cancel it."))
    reason = (reason or "").strip()[:300]
    request = idempotent_request(
        actor=actor,
        operation="voucher.cancel",
        key=idempotency_key,
        programme=programme,
        request={"voucher": voucher.pk, "reason": reason},
    )
    if request.replayed:
        return request.result(Voucher)
    voucher = Voucher.objects.select_for_update(no_key=True).get(pk=voucher.pk)
    now = timezone.now()
    if voucher.status != VoucherStatus.ISSUED:
        raise ValidationError({"voucher": [_voucher_refusal(voucher, now)]})
    reason = reason or _("Voucher cancelled")
    _release(
        voucher,
        status=VoucherStatus.CANCELLED,
        actor=actor,
        reason=reason,
        key=f"voucher:{voucher.pk}:release",
        now=now,
    )
    audit_record(
        actor=actor,
        action="voucher.cancel",
        target=voucher,
        programme=programme,
        reason=reason,
        changes={"minutes": voucher.price_minutes, "transaction": voucher.settled_transaction_id},
    )
    return request.finish(voucher)


def vouchers_expire(*, now: dt.datetime | None = None) -> int:
    """Expire every issued voucher past its expiry, returning each one's price to its holder.
    Returns how many were expired; running it again expires nothing more."""
    now = now or timezone.now()
    due = Voucher.objects.filter(status=VoucherStatus.ISSUED, expires_at__lte=now).order_by("pk")
    return sum(_voucher_expire(pk, now) for pk in due.values_list("pk", flat=True))


@transaction.atomic
def _voucher_expire(pk: int, now: dt.datetime) -> bool:
    voucher = Voucher.objects.select_for_update(no_key=True).get(pk=pk)
    # Re-read under the lock: the volunteer may have cancelled it, or the partner confirmed it.
    if voucher.status != VoucherStatus.ISSUED or voucher.expires_at > now:
        return False
    _release(
        voucher,
        status=VoucherStatus.EXPIRED,
        actor=None,
        reason=_("Voucher expired unused"),
        key=f"voucher:{voucher.pk}:release",
        now=now,
    )
    audit_record(
        actor=None,
        action="voucher.expire",
        target=voucher,
        programme=voucher.offer.venue.programme,
        changes={"minutes": voucher.price_minutes, "transaction": voucher.settled_transaction_id},
    )
    return True


# --- At the till ----------------------------------------------------------------------


@transaction.atomic
def redeem_at_till(
    *,
    actor: User,
    venue: PartnerVenue,
    membership_number: str,
    offer: Offer,
    idempotency_key: str | None = None,
) -> Redemption:
    """The venue's staff redeem an offer for a member who shows their membership number:
    one transfer from the member to the venue.

    PermissionDenied for anyone but the venue's staff. ValidationError naming
    `membership_number` when no active volunteer or mentor of the venue's programme has
    the number, naming `offer` when the offer is not the venue's, not available or past
    its monthly limit; InsufficientCredits when the balance is short. A retry with the
    same key (a double submit) returns the first redemption.
    """
    require_partner_staff(actor, venue)
    if offer.venue_id != venue.pk:
        raise ValidationError({"offer": [_("Choose an offer of %(venue)s.") % {"venue": venue}]})
    programme = venue.programme
    try:
        volunteer = programme_member_by_number(programme, membership_number)
    except VolunteerProfile.DoesNotExist:
        raise ValidationError(
            {
                "membership_number": [
                    _("No active member of %(programme)s has this membership number.") % {"programme": programme}
                ]
            }
        ) from None
    request = idempotent_request(
        actor=actor,
        operation="till.redeem",
        key=idempotency_key,
        programme=programme,
        request={"venue": venue.pk, "offer": offer.pk, "volunteer": volunteer.pk},
    )
    if request.replayed:
        return request.result(Redemption)
    # Serialises the volunteer's spending: the monthly limit is counted under this lock.
    volunteer_lock(volunteer)
    offer = Offer.objects.select_related("venue__programme").get(pk=offer.pk)
    _check_available(offer, timezone.localdate())
    _check_monthly_limit(volunteer, offer)
    paid = transaction_post(
        kind=TransactionKind.REDEEM,
        scope_id=programme.pk,
        postings=[
            (volunteer_account(programme, volunteer), -offer.price_minutes),
            (partner_account(venue), offer.price_minutes),
        ],
        idempotency_key=request.ledger_key,
        created_by=actor,
        memo=_("%(offer)s at %(venue)s") % {"offer": offer.title, "venue": venue.name},
        request={"operation": "till", "venue": venue.pk, "offer": offer.pk, "volunteer": volunteer.pk},
        field="offer",
    )
    redemption = Redemption.objects.create(
        offer=offer,
        venue=venue,
        volunteer=volunteer,
        price_minutes=offer.price_minutes,
        cash_value=offer.cash_value,
        transaction=paid,
        confirmed_by=actor,
    )
    audit_record(
        actor=actor,
        action="redemption.till",
        target=redemption,
        programme=programme,
        changes={"offer": offer.title, "minutes": offer.price_minutes, "transaction": paid.pk},
    )
    return request.finish(redemption)
