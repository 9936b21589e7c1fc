"""API for spending credits: offers, vouchers, redemptions at the till, gifts and the
community fund.

Amounts are integer minutes (60 = 1 credit); cash values are decimals in the programme's
currency. Every call that moves credits accepts an `Idempotency-Key` header: a retry
with the same key returns the first result (200 instead of 201), and the same key with
another request answers 409. A voucher pays out, or gives its credits back, once
whatever the client sends.

A record the caller may not see answers 404; an action they may not take on a record they
see answers 403; a reference in the body to something they cannot see answers 422.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ledger.errors import format_minutes
from timebank.accounts.models import Programme
from timebank.accounts.permissions import can_coordinate
from timebank.accounts.selectors.programmes import programme_get
from timebank.common.api import IDEMPOTENCY_KEY, Pagination
from timebank.problems import READ_ERRORS, WRITE_ERRORS
from timebank.spending.models import Offer, PartnerVenue
from timebank.spending.selectors.partners import (
    fund_balance,
    my_vouchers,
    offer_get,
    offers_for,
    partner_dashboard,
    redemptions_of_venue,
    till_member_lookup,
    venue_get,
    venues_for,
    voucher_get,
)
from timebank.spending.services.gifts import fund_grant, gift_to_fund, gift_to_member
from timebank.spending.services.redeem import redeem_at_till, voucher_cancel, voucher_confirm, voucher_issue
from timebank.volunteers.models import VolunteerProfile

router = Router(tags=["spending"])


# --- Schemas ------------------------------------------------------------------------------


class _CashValueOut(Schema):
    """For a row whose `cash_value` is Money: the schema declares `cash_value: Decimal` and
    `currency: str` where they belong in its output, and these resolve them."""

    @staticmethod
    def resolve_cash_value(obj) -> Decimal:
        return obj.cash_value.amount

    @staticmethod
    def resolve_currency(obj) -> str:
        return str(obj.cash_value.currency)


class _OfOfferOut(Schema):
    """For a row taken against an offer (a voucher, a redemption): its `offer` id and `offer_title`."""

    @staticmethod
    def resolve_offer(obj) -> int:
        return obj.offer_id

    @staticmethod
    def resolve_offer_title(obj) -> str:
        return obj.offer.title


class VenueOut(Schema):
    id: int
    programme: str = Field(description="The programme's slug.")
    name: str
    category: str
    active: bool = Field(description="Whether the venue takes credits now.")

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug


class OfferOut(_CashValueOut):
    id: int
    programme: str = Field(description="The programme's slug.")
    venue: int
    venue_name: str
    category: str
    title: str
    description: str
    price_minutes: int = Field(description="The price in minutes of credit (120 = 2 credits).")
    price: str = Field(description="The price as people read it: '2 credits'.")
    cash_value: Decimal = Field(description="What the offer is worth in money, in the programme's currency.")
    currency: str
    restrictions: str
    monthly_limit_per_person: int | None
    starts_on: dt.date
    ends_on: dt.date | None

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.venue.programme.slug

    @staticmethod
    def resolve_venue(obj) -> int:
        return obj.venue_id

    @staticmethod
    def resolve_venue_name(obj) -> str:
        return obj.venue.name

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.venue.category

    @staticmethod
    def resolve_price(obj) -> str:
        return format_minutes(obj.price_minutes)


class VoucherOut(_OfOfferOut):
    id: int
    code: str = Field(description="What the venue types or scans.")
    offer: int
    offer_title: str
    venue: int
    venue_name: str
    price_minutes: int
    status: Literal["issued", "redeemed", "cancelled", "expired"]
    issued_at: dt.datetime
    expires_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_venue(obj) -> int:
        return obj.offer.venue_id

    @staticmethod
    def resolve_venue_name(obj) -> str:
        return obj.offer.venue.name


class VoucherIssueIn(Schema):
    offer: int = Field(description="Id of an offer available to you (GET /offers).")


class VoucherCancelIn(Schema):
    reason: str = Field("", max_length=300)


class VoucherConfirmIn(Schema):
    code: str = Field(max_length=300, description="The voucher's code, or the address its QR code holds.")
    venue: int | None = Field(None, description="Your venue's id; any venue you work at when left out.")


class RedemptionOut(_OfOfferOut, _CashValueOut):
    id: int
    offer: int
    offer_title: str
    venue: int
    membership_number: str = Field(description="The member's number; no other personal data.")
    voucher_code: str | None = Field(description="The voucher used; null for a redemption by membership number.")
    price_minutes: int
    cash_value: Decimal
    currency: str
    redeemed_at: dt.datetime

    @staticmethod
    def resolve_venue(obj) -> int:
        return obj.venue_id

    @staticmethod
    def resolve_membership_number(obj) -> str:
        return obj.volunteer.membership_number

    @staticmethod
    def resolve_voucher_code(obj) -> str | None:
        return obj.voucher.code if obj.voucher_id else None


class TillRedeemIn(Schema):
    membership_number: str = Field(max_length=20)
    offer: int = Field(description="Id of one of the venue's offers.")


class MemberOut(Schema):
    """What the till may know about a member: their name and balance, nothing else."""

    name: str
    membership_number: str
    balance_minutes: int
    balance: str


class MonthOut(_CashValueOut):
    month: dt.date = Field(description="The first day of the month.")
    redemptions: int
    minutes: int
    cash_value: Decimal
    currency: str


class GiftIn(Schema):
    programme: str = Field(description="The slug of the programme whose credits you give.")
    to: Literal["member", "fund"] = Field(description="Another member of the programme, or its community fund.")
    membership_number: str | None = Field(None, max_length=20, description="The member's number, when `to` is member.")
    minutes: int
    message: str = Field("", max_length=300)


class GrantIn(Schema):
    membership_number: str = Field(max_length=20)
    minutes: int
    message: str = Field("", max_length=300)


class GiftOut(Schema):
    id: int
    programme: str
    to: Literal["member", "fund"]
    membership_number: str | None = Field(description="The recipient's number; null for the fund.")
    minutes: int
    message: str
    created_at: dt.datetime

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_to(obj) -> str:
        return "member" if obj.recipient_id else "fund"

    @staticmethod
    def resolve_membership_number(obj) -> str | None:
        return obj.recipient.membership_number if obj.recipient_id else None


class FundOut(Schema):
    programme: str
    balance_minutes: int
    balance: str


# --- Helpers ------------------------------------------------------------------------------


def _created(row) -> Status:
    """201 for a new record, and for a retry with its Idempotency-Key, which returns the first one."""
    return Status(201, row)


def _own_profile(user) -> VolunteerProfile:
    profile = VolunteerProfile.objects.filter(user=user).first()
    if profile is None:
        raise PermissionDenied(_("Only volunteers and mentors spend and give credits."))
    return profile


def _in_body(selector, user, pk, field: str, message: str):
    try:
        return selector(user, pk)
    except (Offer.DoesNotExist, PartnerVenue.DoesNotExist, Programme.DoesNotExist):
        raise ValidationError({field: [message]}) from None


# --- Offers and vouchers -----------------------------------------------------------------------


@router.get("/offers", response={200: list[OfferOut], **READ_ERRORS}, summary="Offers I can take")
@paginate(Pagination)
def offer_list(request):
    """The offers available today in the programmes where the caller is an active volunteer or mentor."""
    return offers_for(request.auth)


@router.post("/vouchers", response={201: VoucherOut, **WRITE_ERRORS}, summary="Take a voucher")
def voucher_take(request, payload: VoucherIssueIn, idempotency_key: str = IDEMPOTENCY_KEY):
    """Take a voucher for an offer: its price is held from your balance until the venue confirms
    it. 422 when the offer is not available, the monthly limit is reached or the balance is short."""
    volunteer = _own_profile(request.auth)
    offer = _in_body(offer_get, request.auth, payload.offer, "offer", _("Choose an offer available to you."))
    return _created(
        voucher_issue(actor=request.auth, volunteer=volunteer, offer=offer, idempotency_key=idempotency_key)
    )


@router.get("/vouchers", response={200: list[VoucherOut], **READ_ERRORS}, summary="My vouchers")
@paginate(Pagination)
def voucher_list(request):
    """The caller's own vouchers, newest first."""
    return my_vouchers(request.auth)


@router.post(
    "/vouchers/{int:voucher_id}/cancel", response={200: VoucherOut, **WRITE_ERRORS}, summary="Cancel a voucher"
)
def voucher_cancel_operation(
    request, voucher_id: int, payload: VoucherCancelIn, idempotency_key: str = IDEMPOTENCY_KEY
):
    """Cancel an unused voucher; its credits go back to the volunteer (the volunteer or a coordinator)."""
    voucher = voucher_get(request.auth, voucher_id)
    return voucher_cancel(actor=request.auth, voucher=voucher, reason=payload.reason, idempotency_key=idempotency_key)


@router.post("/vouchers/confirm", response={200: RedemptionOut, **WRITE_ERRORS}, summary="Confirm a voucher")
def voucher_confirm_operation(request, payload: VoucherConfirmIn, idempotency_key: str = IDEMPOTENCY_KEY):
    """At the till: the venue's staff confirm a voucher by its code and its credits move to the
    venue. 422 for a code unknown at the venue, or a voucher used, cancelled or expired."""
    venue = None
    if payload.venue is not None:
        venue = _in_body(venue_get, request.auth, payload.venue, "venue", _("Choose a venue you work at."))
    return voucher_confirm(actor=request.auth, code=payload.code, venue=venue, idempotency_key=idempotency_key)


# --- Venues and the till ---------------------------------------------------------------------


@router.get("/venues", response={200: list[VenueOut], **READ_ERRORS}, summary="Partner venues I work at or coordinate")
@paginate(Pagination)
def venue_list(request):
    return venues_for(request.auth).order_by("name", "id")


@router.get(
    "/venues/{int:venue_id}/members/{number}",
    response={200: MemberOut, 403: WRITE_ERRORS[403], **READ_ERRORS},
    summary="Look a member up at the till",
)
def member_lookup(request, venue_id: int, number: str):
    """For the venue's staff: the name and balance of the active member with this number."""
    venue = venue_get(request.auth, venue_id)
    member = till_member_lookup(request.auth, venue, number)
    return {**vars(member), "balance": format_minutes(member.balance_minutes)}


@router.post(
    "/venues/{int:venue_id}/redemptions",
    response={201: RedemptionOut, **WRITE_ERRORS},
    summary="Redeem by membership number",
)
def till_redeem(request, venue_id: int, payload: TillRedeemIn, idempotency_key: str = IDEMPOTENCY_KEY):
    """The venue's staff redeem an offer for a member by membership number, in one transfer."""
    venue = venue_get(request.auth, venue_id)
    offer = _in_body(offer_get, request.auth, payload.offer, "offer", _("Choose one of the venue's offers."))
    return _created(
        redeem_at_till(
            actor=request.auth,
            venue=venue,
            membership_number=payload.membership_number,
            offer=offer,
            idempotency_key=idempotency_key,
        )
    )


@router.get(
    "/venues/{int:venue_id}/redemptions",
    response={200: list[RedemptionOut], **READ_ERRORS},
    summary="A venue's redemptions",
)
@paginate(Pagination)
def redemption_list(request, venue_id: int):
    """Newest first; for the venue's staff and the programme's coordinators."""
    return redemptions_of_venue(request.auth, venue_get(request.auth, venue_id))


@router.get(
    "/venues/{int:venue_id}/redemptions/by-month",
    response={200: list[MonthOut], **READ_ERRORS},
    summary="A venue's redemptions by month",
)
def redemption_months(request, venue_id: int):
    """Redemptions, credits and cash value per calendar month, newest month first."""
    return partner_dashboard(request.auth, venue_get(request.auth, venue_id), recent=0).months


# --- Gifts and the community fund ----------------------------------------------------------------


@router.post("/gifts", response={201: GiftOut, **WRITE_ERRORS}, summary="Give credits")
def gift_create(request, payload: GiftIn, idempotency_key: str = IDEMPOTENCY_KEY):
    """Give minutes of your balance to another member of the programme (by membership number)
    or to its community fund."""
    giver = _own_profile(request.auth)
    programme = _in_body(programme_get, request.auth, payload.programme, "programme", _("Choose your programme."))
    arguments = {
        "actor": request.auth,
        "giver": giver,
        "programme": programme,
        "minutes": payload.minutes,
        "message": payload.message,
        "idempotency_key": idempotency_key,
    }
    if payload.to == "fund":
        return _created(gift_to_fund(**arguments))
    if not payload.membership_number:
        raise ValidationError({"membership_number": [_("Give the membership number of the member.")]})
    return _created(gift_to_member(membership_number=payload.membership_number, **arguments))


@router.get("/programmes/{slug}/fund", response={200: FundOut, 403: WRITE_ERRORS[403], **READ_ERRORS})
def fund_detail(request, slug: str):
    """The balance of the programme's community fund (coordinators)."""
    programme = programme_get(request.auth, slug)
    if not can_coordinate(request.auth, programme):
        raise PermissionDenied(_("Only a coordinator of %(programme)s may see its fund.") % {"programme": programme})
    minutes = fund_balance(programme)
    return {"programme": programme.slug, "balance_minutes": minutes, "balance": format_minutes(minutes)}


@router.post(
    "/programmes/{slug}/fund/grants",
    response={201: GiftOut, **WRITE_ERRORS},
    summary="Grant credits from the community fund",
)
def fund_grant_operation(request, slug: str, payload: GrantIn, idempotency_key: str = IDEMPOTENCY_KEY):
    """A coordinator grants minutes from the fund to a member of the programme."""
    programme = programme_get(request.auth, slug)
    return _created(
        fund_grant(
            actor=request.auth,
            programme=programme,
            membership_number=payload.membership_number,
            minutes=payload.minutes,
            message=payload.message,
            idempotency_key=idempotency_key,
        )
    )
