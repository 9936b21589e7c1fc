"""Reads about spending credits: partner venues, offers, vouchers, redemptions, gifts and
the community fund, scoped to the acting person.

- A venue is visible to administrators, the coordinators of its programme and its own staff.
- An offer is visible to those, and to the volunteers and mentors of its programme.
- A voucher is visible to the volunteer who holds it and the coordinators of its programme;
  partner staff reach a voucher only through its code, at their own venue.
Every `*_get` raises the model's DoesNotExist when the row does not exist or is not
visible, so callers answer 404 in both cases.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ledger.selectors import balance_of
from ledger.types import AccountKind
from timebank.accounts.models import Membership, MembershipStatus, Programme, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids, is_admin
from timebank.spending.models import Gift, Offer, PartnerVenue, Redemption, Voucher, VoucherStatus
from timebank.spending.permissions import require_partner_staff, staffed_venue_ids
from timebank.volunteers.credits import volunteer_balance
from timebank.volunteers.models import VolunteerProfile


def normalise_membership_number(number: str) -> str:
    """'tb 000001-8' -> 'TB0000018', as the card prints it."""
    return (number or "").strip().upper().replace(" ", "").replace("-", "")


# --- Venues -----------------------------------------------------------------------


def venues_for(user: User) -> QuerySet[PartnerVenue]:
    if not user.is_authenticated:
        return PartnerVenue.objects.none()
    venues = PartnerVenue.objects.select_related("programme")
    if is_admin(user):
        return venues
    return venues.filter(Q(programme_id__in=coordinated_programme_ids(user)) | Q(id__in=staffed_venue_ids(user)))


def venue_get(user: User, pk: int) -> PartnerVenue:
    return venues_for(user).get(pk=pk)


def staffed_venues(user: User) -> QuerySet[PartnerVenue]:
    """The venues whose till the person works at."""
    return PartnerVenue.objects.filter(id__in=staffed_venue_ids(user)).select_related("programme")


def venues_of_programme(programme: Programme) -> QuerySet[PartnerVenue]:
    """Every venue of a programme, for its coordinators' pages."""
    return programme.partner_venues.prefetch_related("offers", "staff__user")


# --- Offers -----------------------------------------------------------------------


def active_programme_ids(volunteer: VolunteerProfile) -> set[int]:
    """Programmes in which the volunteer is an active volunteer or mentor: where they may spend."""
    memberships = Membership.objects.filter(
        user_id=volunteer.user_id, role__in=VOLUNTEERING_ROLES, status=MembershipStatus.ACTIVE
    )
    return set(memberships.values_list("programme_id", flat=True))


def available_on(on: dt.date) -> Q:
    """Offers a volunteer may take on a day: active, at a venue taking credits, within their dates."""
    return Q(active=True, venue__active=True, starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def offers_for(user: User, *, on: dt.date | None = None) -> QuerySet[Offer]:
    """The offers the person may take now as a volunteer: available today, in the programmes
    where they are an active volunteer or mentor. Empty for anyone else."""
    profile = _own_profile(user)
    if profile is None:
        return Offer.objects.none()
    on = on or timezone.localdate()
    offers = Offer.objects.filter(available_on(on), venue__programme_id__in=active_programme_ids(profile))
    return offers.select_related("venue", "venue__programme").order_by("venue__name", "title", "id")


def offers_seen_by(user: User) -> QuerySet[Offer]:
    """Offers the person may look at, available or not: those of the programmes they volunteer
    in (so a refusal can say the offer has ended), coordinate, or of the venues they staff."""
    if not user.is_authenticated:
        return Offer.objects.none()
    offers = Offer.objects.select_related("venue", "venue__programme")
    if is_admin(user):
        return offers
    volunteering = set(
        Membership.objects.filter(user=user, role__in=VOLUNTEERING_ROLES)
        .exclude(status=MembershipStatus.LEFT)
        .values_list("programme_id", flat=True)
    )
    return offers.filter(
        Q(venue__programme_id__in=volunteering | coordinated_programme_ids(user))
        | Q(venue_id__in=staffed_venue_ids(user))
    )


def offer_get(user: User, pk: int) -> Offer:
    return offers_seen_by(user).get(pk=pk)


def offers_of_venue(venue: PartnerVenue, *, available: bool = False) -> QuerySet[Offer]:
    offers = venue.offers.select_related("venue", "venue__programme")
    return offers.filter(available_on(timezone.localdate())) if available else offers


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight on the first day of the current calendar month, in the site's time zone."""
    today = timezone.localtime(now).date() if now else timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))


def monthly_uses(volunteer: VolunteerProfile, offer: Offer, *, now: dt.datetime | None = None) -> int:
    """How many times the volunteer has used the offer this calendar month: redemptions made
    this month plus vouchers still open (a voucher, once redeemed, counts as its redemption)."""
    redeemed = Redemption.objects.filter(volunteer=volunteer, offer=offer, redeemed_at__gte=month_start(now)).count()
    open_vouchers = Voucher.objects.filter(volunteer=volunteer, offer=offer, status=VoucherStatus.ISSUED).count()
    return redeemed + open_vouchers


@dataclass
class OfferRow:
    offer: Offer
    used_this_month: int

    @property
    def limit_reached(self) -> bool:
        limit = self.offer.monthly_limit_per_person
        return limit is not None and self.used_this_month >= limit


def offer_rows_for(user: User) -> list[OfferRow]:
    """The volunteer's available offers, each with how often they used it this month."""
    profile = _own_profile(user)
    offers = list(offers_for(user))
    if profile is None or not offers:
        return []
    ids = [offer.pk for offer in offers]
    redeemed = dict(
        Redemption.objects.filter(volunteer=profile, offer_id__in=ids, redeemed_at__gte=month_start())
        .values("offer")
        .annotate(n=Count("id"))
        .values_list("offer", "n")
    )
    open_vouchers = dict(
        Voucher.objects.filter(volunteer=profile, offer_id__in=ids, status=VoucherStatus.ISSUED)
        .values("offer")
        .annotate(n=Count("id"))
        .values_list("offer", "n")
    )
    return [OfferRow(offer, redeemed.get(offer.pk, 0) + open_vouchers.get(offer.pk, 0)) for offer in offers]


# --- Vouchers ---------------------------------------------------------------------


def vouchers_for(user: User) -> QuerySet[Voucher]:
    """The person's own vouchers, plus those of the programmes they coordinate."""
    if not user.is_authenticated:
        return Voucher.objects.none()
    vouchers = Voucher.objects.select_related("offer", "offer__venue", "offer__venue__programme", "volunteer")
    if is_admin(user):
        return vouchers
    return vouchers.filter(Q(volunteer__user=user) | Q(offer__venue__programme_id__in=coordinated_programme_ids(user)))


def voucher_get(user: User, pk: int) -> Voucher:
    return vouchers_for(user).get(pk=pk)


def my_vouchers(user: User) -> QuerySet[Voucher]:
    """The vouchers the person holds themselves, newest first."""
    return vouchers_for(user).filter(volunteer__user=user) if user.is_authenticated else Voucher.objects.none()


# --- Members at the till and for gifts ---------------------------------------------


def programme_member_by_number(programme: Programme, number: str, *, active_only: bool = True) -> VolunteerProfile:
    """The volunteer or mentor of the programme with this membership number: active ones only,
    or anyone who has not left. Raises VolunteerProfile.DoesNotExist otherwise."""
    memberships = Membership.objects.filter(programme=programme, role__in=VOLUNTEERING_ROLES)
    if active_only:
        memberships = memberships.filter(status=MembershipStatus.ACTIVE)
    else:
        memberships = memberships.exclude(status=MembershipStatus.LEFT)
    return VolunteerProfile.objects.get(
        membership_number=normalise_membership_number(number), user_id__in=memberships.values("user_id")
    )


@dataclass
class TillMember:
    """What the till shows about a member: enough to serve them, nothing more."""

    name: str
    membership_number: str
    balance_minutes: int


def till_member_lookup(user: User, venue: PartnerVenue, number: str) -> TillMember:
    """For the venue's staff: the member's name and balance in the venue's programme.

    Raises PermissionDenied for anyone but the staff, VolunteerProfile.DoesNotExist when no
    active volunteer or mentor of the programme has the number.
    """
    require_partner_staff(user, venue)
    member = programme_member_by_number(venue.programme, number)
    return TillMember(
        name=member.display_name,
        membership_number=member.membership_number,
        balance_minutes=volunteer_balance(venue.programme, member),
    )


# --- Redemptions: the partner's dashboard ----------------------------------------------


def redemptions_of_venue(user: User, venue: PartnerVenue) -> QuerySet[Redemption]:
    """The venue's redemptions, newest first, for its staff and the programme's coordinators."""
    if venue.pk not in venues_for(user).values_list("pk", flat=True):
        raise PermissionDenied(_("Only the staff of %(venue)s and its coordinators may see this.") % {"venue": venue})
    return venue.redemptions.select_related("offer", "volunteer").order_by("-redeemed_at", "-id")


@dataclass
class MonthFigures:
    month: dt.date
    redemptions: int
    minutes: int
    cash_value: Money


@dataclass
class PartnerDashboard:
    venue: PartnerVenue
    months: list[MonthFigures] = field(default_factory=list)
    recent: list[Redemption] = field(default_factory=list)
    redemptions: int = 0
    minutes: int = 0
    cash_value: Money | None = None


def partner_dashboard(user: User, venue: PartnerVenue, *, recent: int = 50) -> PartnerDashboard:
    """Redemptions at the venue, totalled by calendar month (newest first) and overall, with
    their cash value in the programme's currency. Offers are priced in that currency, so
    the sums never mix currencies."""
    redemptions = redemptions_of_venue(user, venue)
    currency = venue.programme.currency
    rows = (
        redemptions.order_by()
        .annotate(month=TruncMonth("redeemed_at"))
        .values("month")
        .annotate(n=Count("id"), minutes=Sum("price_minutes"), cash=Sum("cash_value"))
        .order_by("-month")
    )
    dashboard = PartnerDashboard(venue=venue, recent=list(redemptions[:recent]), cash_value=Money(0, currency))
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        cash = Money(row["cash"] or Decimal(0), currency)
        dashboard.months.append(MonthFigures(month, row["n"], row["minutes"] or 0, cash))
        dashboard.redemptions += row["n"]
        dashboard.minutes += row["minutes"] or 0
        dashboard.cash_value += cash
    return dashboard


# --- Gifts and the community fund ---------------------------------------------------


def fund_balance(programme: Programme) -> int:
    """Minutes in the programme's community fund."""
    return balance_of(kind=AccountKind.COMMUNITY_FUND, scope_id=programme.pk)


def gifts_of_volunteer(volunteer: VolunteerProfile) -> QuerySet[Gift]:
    """Gifts the volunteer gave or received, newest first."""
    return Gift.objects.filter(Q(giver=volunteer) | Q(recipient=volunteer)).select_related(
        "programme", "giver", "recipient"
    )


def fund_gifts(programme: Programme) -> QuerySet[Gift]:
    """Gifts into and grants out of the programme's community fund, newest first."""
    return Gift.objects.filter(Q(giver__isnull=True) | Q(recipient__isnull=True), programme=programme).select_related(
        "giver", "recipient"
    )


def _own_profile(user: User) -> VolunteerProfile | None:
    if not user.is_authenticated:
        return None
    return VolunteerProfile.objects.filter(user=user).first()
