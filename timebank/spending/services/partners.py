"""Partner venues, their staff and their offers.

Coordinators of a programme set up its venues and link the venue's staff (people an
administrator gave the partner role in the programme). Offers are priced in minutes of
credit and valued in the programme's currency; the programme's coordinators and the
venue's own staff create and change them.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from timebank.accounts.models import Membership, MembershipStatus, Programme, Role, User
from timebank.accounts.permissions import can_coordinate, require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.spending.models import Offer, PartnerCategory, PartnerStaff, PartnerVenue
from timebank.spending.permissions import is_partner_staff

VENUE_FIELDS = ("name", "category", "address", "contact_email", "contact_phone", "active")
OFFER_FIELDS = (
    "title",
    "description",
    "price_minutes",
    "cash_value",
    "restrictions",
    "monthly_limit_per_person",
    "starts_on",
    "ends_on",
    "active",
)
# A sanity bound, not a policy: no offer costs more than 100 credits.
MAX_PRICE_MINUTES = 100 * 60


def _clean_venue(data: dict, programme: Programme, venue: PartnerVenue | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    if "name" in data:
        name = (data["name"] or "").strip()
        others = PartnerVenue.objects.filter(programme=programme, name__iexact=name)
        if venue is not None:
            others = others.exclude(pk=venue.pk)
        if not name or len(name) > 200:
            errors["name"] = [_("Enter a name of 200 characters or fewer.")]
        elif others.exists():
            errors["name"] = [_("The programme already has a partner venue with this name.")]
        cleaned["name"] = name
    if "category" in data and data["category"] not in PartnerCategory.values:
        errors["category"] = [_("Choose a category from the list.")]
    if data.get("contact_email"):
        cleaned["contact_email"] = data["contact_email"].strip()
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid e-mail address.")]
    if "contact_phone" in data:
        cleaned["contact_phone"] = (data["contact_phone"] or "").strip()
        if len(cleaned["contact_phone"]) > 32:
            errors["contact_phone"] = [_("Use 32 characters or fewer.")]
    if "address" in data:
        cleaned["address"] = (data["address"] or "").strip()
    if "active" in data and not isinstance(data["active"], bool):
        errors["active"] = [_("Say yes or no.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def partner_venue_create(
    *,
    actor: User,
    programme: Programme,
    name: str,
    category: str,
    address: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    active: bool = True,
) -> PartnerVenue:
    """Add a venue where the programme's volunteers spend credits (coordinators)."""
    require_coordinator(actor, programme)
    data = _clean_venue(
        {
            "name": name,
            "category": category,
            "address": address,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
            "active": active,
        },
        programme,
    )
    venue = PartnerVenue.objects.create(programme=programme, **data)
    audit_record(
        actor=actor,
        action="partner_venue.create",
        target=venue,
        programme=programme,
        changes={"name": venue.name, "category": venue.category},
    )
    return venue


@transaction.atomic
def partner_venue_update(*, actor: User, venue: PartnerVenue, **changes) -> PartnerVenue:
    """Change a venue's details, or stop it taking credits (`active=False`) (coordinators)."""
    require_coordinator(actor, venue.programme)
    unknown = set(changes) - set(VENUE_FIELDS)
    if unknown:
        raise ValueError(f"partner_venue_update does not change {sorted(unknown)}")
    venue = PartnerVenue.objects.select_for_update(no_key=True).get(pk=venue.pk)
    data = _clean_venue(changes, venue.programme, venue)
    changed = {name: [getattr(venue, name), value] for name, value in data.items() if getattr(venue, name) != value}
    if not changed:
        return venue
    for name, (_before, after) in changed.items():
        setattr(venue, name, after)
    venue.save(update_fields=list(changed))
    audit_record(actor=actor, action="partner_venue.update", target=venue, programme=venue.programme, changes=changed)
    return venue


@transaction.atomic
def partner_staff_add(*, actor: User, venue: PartnerVenue, user: User) -> PartnerStaff:
    """Let a person work the venue's till (coordinators). The person must hold the partner role
    in the venue's programme, which an administrator grants. Adding someone already on the
    staff changes nothing."""
    require_coordinator(actor, venue.programme)
    holds_role = (
        Membership.objects.filter(user=user, programme=venue.programme, role=Role.PARTNER)
        .exclude(status=MembershipStatus.LEFT)
        .exists()
    )
    if not holds_role:
        raise ValidationError(
            {
                "user": [
                    _("This person does not hold the partner role in %(programme)s.") % {"programme": venue.programme}
                ]
            }
        )
    staff, created = PartnerStaff.objects.get_or_create(venue=venue, user=user)
    if created:
        audit_record(
            actor=actor,
            action="partner_staff.add",
            target=staff,
            programme=venue.programme,
            changes={"venue": venue.name, "user": user.username},
        )
    return staff


def partner_candidates(programme: Programme):
    """People who hold the partner role in the programme: who may be added to a venue's staff."""
    memberships = Membership.objects.filter(programme=programme, role=Role.PARTNER).exclude(
        status=MembershipStatus.LEFT
    )
    return User.objects.filter(id__in=memberships.values("user_id")).order_by("first_name", "last_name", "username")


def _require_offer_manager(actor: User, venue: PartnerVenue) -> None:
    if not (can_coordinate(actor, venue.programme) or is_partner_staff(actor, venue)):
        raise PermissionDenied(
            _("Only a coordinator of %(programme)s or the staff of %(venue)s may change its offers.")
            % {"programme": venue.programme, "venue": venue}
        )


def _clean_money(value, currency: str) -> Money:
    if isinstance(value, Money):
        if str(value.currency) != currency:
            raise ValidationError({"cash_value": [_("Give the value in %(currency)s.") % {"currency": currency}]})
        value = value.amount
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= 10**8:
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError(
            {"cash_value": [_("Give an amount of zero or more, with at most two decimals.")]}
        ) from None
    return Money(amount, currency)


def _clean_offer(data: dict, venue: PartnerVenue, offer: Offer | None = None) -> dict:
    """Validate offer fields; `data` holds only the fields being set. Dates are compared with
    the offer's stored ones when only one of them changes."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    if "title" in data:
        cleaned["title"] = (data["title"] or "").strip()
        if not cleaned["title"] or len(cleaned["title"]) > 200:
            errors["title"] = [_("Enter a title of 200 characters or fewer.")]
    for text, limit in (("description", 2000), ("restrictions", 300)):
        if text in data:
            cleaned[text] = (data[text] or "").strip()
            if len(cleaned[text]) > limit:
                errors[text] = [_("Use %(limit)s characters or fewer.") % {"limit": limit}]
    if "price_minutes" in data:
        price = data["price_minutes"]
        if not isinstance(price, int) or isinstance(price, bool) or not 1 <= price <= MAX_PRICE_MINUTES:
            errors["price_minutes"] = [_("Give a price of at least one minute and at most 100 credits.")]
    if "cash_value" in data:
        try:
            cleaned["cash_value"] = _clean_money(data["cash_value"], venue.programme.currency)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "monthly_limit_per_person" in data:
        limit = data["monthly_limit_per_person"]
        if limit in ("", None):
            cleaned["monthly_limit_per_person"] = None
        elif not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100:
            errors["monthly_limit_per_person"] = [_("Give a number from 1 to 100, or leave it empty for no limit.")]
    for day in ("starts_on", "ends_on"):
        if day in data and data[day] is not None and not isinstance(data[day], dt.date):
            errors[day] = [_("Give a date.")]
    if "starts_on" in data and data["starts_on"] is None:
        errors["starts_on"] = [_("Give the first day of the offer.")]
    if "active" in data and not isinstance(data["active"], bool):
        errors["active"] = [_("Say yes or no.")]
    if "starts_on" not in errors and "ends_on" not in errors:
        starts_on = cleaned.get("starts_on", offer.starts_on if offer else None)
        ends_on = cleaned.get("ends_on", offer.ends_on if offer else None)
        if starts_on and ends_on and ends_on < starts_on:
            errors["ends_on"] = [_("The last day cannot be before the first day.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def offer_create(
    *,
    actor: User,
    venue: PartnerVenue,
    title: str,
    price_minutes: int,
    cash_value,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    description: str = "",
    restrictions: str = "",
    monthly_limit_per_person: int | None = None,
    active: bool = True,
) -> Offer:
    """Add an offer at a venue, priced in minutes of credit, with its cash value in the
    programme's currency (the programme's coordinators and the venue's staff)."""
    _require_offer_manager(actor, venue)
    data = _clean_offer(
        {
            "title": title,
            "description": description,
            "price_minutes": price_minutes,
            "cash_value": cash_value,
            "restrictions": restrictions,
            "monthly_limit_per_person": monthly_limit_per_person,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "active": active,
        },
        venue,
    )
    offer = Offer.objects.create(venue=venue, **data)
    audit_record(
        actor=actor,
        action="offer.create",
        target=offer,
        programme=venue.programme,
        changes={"title": offer.title, "price_minutes": offer.price_minutes, "cash_value": offer.cash_value},
    )
    return offer


@transaction.atomic
def offer_update(*, actor: User, offer: Offer, **changes) -> Offer:
    """Change an offer. A new price applies to vouchers issued from now on; vouchers already
    issued keep the price that was held for them."""
    _require_offer_manager(actor, offer.venue)
    unknown = set(changes) - set(OFFER_FIELDS)
    if unknown:
        raise ValueError(f"offer_update does not change {sorted(unknown)}")
    offer = (
        Offer.objects.select_related("venue__programme").select_for_update(of=("self",), no_key=True).get(pk=offer.pk)
    )
    data = _clean_offer(changes, offer.venue, offer)
    changed = {name: [getattr(offer, name), value] for name, value in data.items() if getattr(offer, name) != value}
    if not changed:
        return offer
    for name, (_before, after) in changed.items():
        setattr(offer, name, after)
    offer.save(update_fields=list(changed))
    audit_record(actor=actor, action="offer.update", target=offer, programme=offer.venue.programme, changes=changed)
    return offer
