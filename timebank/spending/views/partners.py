"""Partner pages (the till: confirm a voucher, redeem by membership number, the redemptions
dashboard) and coordinators' pages (a programme's venues, their staff and offers, the
community fund).

The till pages are built for a phone held at a counter: one task per page, large inputs.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger.errors import format_minutes
from timebank.accounts.models import Role
from timebank.accounts.permissions import programme_ids_with_role
from timebank.accounts.views import coordinated_programme
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, visible_or_404
from timebank.spending.forms.partners import (
    FundGrantForm,
    MemberLookupForm,
    OfferForm,
    StaffAddForm,
    TillRedeemForm,
    VenueForm,
    VoucherCodeForm,
)
from timebank.spending.models import Offer, PartnerVenue
from timebank.spending.permissions import require_partner_staff
from timebank.spending.selectors.partners import (
    fund_balance,
    fund_gifts,
    offer_get,
    offers_of_venue,
    partner_dashboard,
    staffed_venues,
    till_member_lookup,
    venue_get,
    venues_of_programme,
)
from timebank.spending.services.gifts import fund_grant
from timebank.spending.services.partners import (
    offer_create,
    offer_update,
    partner_candidates,
    partner_staff_add,
    partner_venue_create,
    partner_venue_update,
)
from timebank.spending.services.redeem import redeem_at_till, voucher_confirm
from timebank.volunteers.models import VolunteerProfile

# --- Partner staff -----------------------------------------------------------------------


@login_required
def partner_home(request: HttpRequest):
    """The venues whose till the person works. People without the partner role get a 404."""
    venues = list(staffed_venues(request.user))
    if not venues and not programme_ids_with_role(request.user, Role.PARTNER):
        raise Http404
    return render(request, "partners/home.html", {"venues": venues})


def _till_venue(request: HttpRequest, venue_id: int) -> PartnerVenue:
    """A venue for its staff. Its coordinators see it but may not work its till (403)."""
    venue = visible_or_404(venue_get, request.user, venue_id)
    require_partner_staff(request.user, venue)
    return venue


@login_required
def venue_confirm(request: HttpRequest, venue_id: int):
    """Confirm a voucher: type its code or scan its QR code (which opens this page with the
    code filled in). Opening the page never confirms anything; the button does."""
    venue = _till_venue(request, venue_id)
    if request.method == "POST":
        form = VoucherCodeForm(request.POST)
    else:
        form = VoucherCodeForm(initial={"code": request.GET.get("code", "")[:300]})
    if request.method == "POST" and form.is_valid():
        try:
            redemption = voucher_confirm(actor=request.user, code=form.cleaned_data["code"], venue=venue)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Confirmed: %(offer)s for %(name)s, %(credits)s. Voucher %(code)s is now used.")
                % {
                    "offer": redemption.offer.title,
                    "name": redemption.volunteer.display_name,
                    "credits": format_minutes(redemption.price_minutes),
                    "code": redemption.voucher.code,
                },
            )
            return redirect("venue_confirm", venue_id=venue.pk)
    return render_form_page(request, "partners/confirm.html", {"venue": venue, "form": form}, form)


@login_required
def venue_till(request: HttpRequest, venue_id: int):
    """Redeem by membership number: look the member up (name and balance only), choose the
    offer, redeem. The hidden form token makes a double tap pay once."""
    venue = _till_venue(request, venue_id)
    offers = offers_of_venue(venue, available=True)
    member, redeem = None, None
    if request.method == "POST":
        redeem = TillRedeemForm(request.POST, offers=offers)
        if redeem.is_valid():
            try:
                redemption = redeem_at_till(
                    actor=request.user,
                    venue=venue,
                    membership_number=redeem.cleaned_data["membership_number"],
                    offer=redeem.cleaned_data["offer"],
                    idempotency_key=redeem.cleaned_data["token"],
                )
            except ValidationError as exc:
                apply_service_errors(redeem, exc, aliases={"membership_number": "__all__"})
            else:
                messages.success(
                    request,
                    _("Redeemed: %(offer)s for %(name)s, %(credits)s.")
                    % {
                        "offer": redemption.offer.title,
                        "name": redemption.volunteer.display_name,
                        "credits": format_minutes(redemption.price_minutes),
                    },
                )
                return redirect("venue_till", venue_id=venue.pk)
        number = request.POST.get("membership_number", "")[:20]
        lookup = MemberLookupForm(initial={"number": number})
        member = _member_or_none(request, venue, number)
    else:
        lookup = MemberLookupForm(request.GET or None)
        if lookup.is_valid():
            member = _member_or_none(request, venue, lookup.cleaned_data["number"])
            if member is None:
                lookup.add_error(
                    "number",
                    _("No active member of %(programme)s has this number.") % {"programme": venue.programme},
                )
            else:
                redeem = TillRedeemForm(initial={"membership_number": member.membership_number}, offers=offers)
    context = {"venue": venue, "lookup": lookup, "member": member, "redeem": redeem, "offers": offers}
    return render_form_page(request, "partners/till.html", context, lookup, redeem)


def _member_or_none(request: HttpRequest, venue: PartnerVenue, number: str):
    try:
        return till_member_lookup(request.user, venue, number)
    except VolunteerProfile.DoesNotExist:
        return None


@login_required
def venue_redemptions(request: HttpRequest, venue_id: int):
    """The dashboard: totals by month with their cash value, and the latest redemptions.
    For the venue's staff and the programme's coordinators."""
    venue = visible_or_404(venue_get, request.user, venue_id)
    dashboard = partner_dashboard(request.user, venue)
    is_staff = venue.pk in {v.pk for v in staffed_venues(request.user)}
    return render(request, "partners/redemptions.html", {"venue": venue, "dashboard": dashboard, "is_staff": is_staff})


# --- Coordinators: venues, staff, offers, the fund --------------------------------------------


@login_required
def programme_partners(request: HttpRequest, slug: str):
    """The programme's venues with their offers, and a form to add a venue."""
    programme = coordinated_programme(request, slug)
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            venue = partner_venue_create(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The venue “%(name)s” was added.") % {"name": venue.name})
            return redirect("partner_venue", slug=programme.slug, venue_id=venue.pk)
    context = {"programme": programme, "venues": venues_of_programme(programme), "form": form}
    return render_form_page(request, "partners/programme_partners.html", context, form)


def _coordinated_venue(request: HttpRequest, slug: str, venue_id: int) -> PartnerVenue:
    programme = coordinated_programme(request, slug)
    venue = PartnerVenue.objects.filter(programme=programme, pk=venue_id).select_related("programme").first()
    if venue is None:
        raise Http404
    return venue


@login_required
def partner_venue(request: HttpRequest, slug: str, venue_id: int):
    """A venue's details (editable), its staff and its offers."""
    venue = _coordinated_venue(request, slug, venue_id)
    fields = ("name", "category", "address", "contact_email", "contact_phone", "active")
    form = VenueForm(request.POST or None, initial={name: getattr(venue, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        try:
            partner_venue_update(actor=request.user, venue=venue, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The venue was saved."))
            return redirect("partner_venue", slug=slug, venue_id=venue.pk)
    staff_form = StaffAddForm(candidates=partner_candidates(venue.programme).exclude(partner_staff__venue=venue))
    context = {
        "programme": venue.programme,
        "venue": venue,
        "form": form,
        "staff": venue.staff.select_related("user"),
        "staff_form": staff_form,
        "offers": offers_of_venue(venue),
    }
    return render_form_page(request, "partners/venue.html", context, form)


@login_required
@require_POST
def partner_venue_staff_add(request: HttpRequest, slug: str, venue_id: int):
    venue = _coordinated_venue(request, slug, venue_id)
    form = StaffAddForm(request.POST, candidates=partner_candidates(venue.programme))
    if form.is_valid():
        try:
            partner_staff_add(actor=request.user, venue=venue, user=form.cleaned_data["user"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            user = form.cleaned_data["user"]
            messages.success(
                request, _("%(name)s can now work the till.") % {"name": user.get_full_name() or user.get_username()}
            )
    else:
        messages.error(request, _("Choose a person who holds the partner role in the programme."))
    return redirect("partner_venue", slug=slug, venue_id=venue.pk)


@login_required
def offer_new(request: HttpRequest, slug: str, venue_id: int):
    venue = _coordinated_venue(request, slug, venue_id)
    form = OfferForm(request.POST or None, currency=venue.programme.currency, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_create(actor=request.user, venue=venue, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"price_minutes": "price"})
        else:
            messages.success(request, _("The offer “%(title)s” was added.") % {"title": offer.title})
            return redirect("partner_venue", slug=slug, venue_id=venue.pk)
    context = {"programme": venue.programme, "venue": venue, "form": form, "offer": None}
    return render_form_page(request, "partners/offer_form.html", context, form)


@login_required
def offer_edit(request: HttpRequest, slug: str, offer_id: int):
    programme = coordinated_programme(request, slug)
    offer: Offer = visible_or_404(offer_get, request.user, offer_id)
    if offer.venue.programme_id != programme.pk:
        raise Http404
    form = OfferForm(request.POST or None, currency=programme.currency, initial=OfferForm.initial_of(offer))
    if request.method == "POST" and form.is_valid():
        try:
            offer_update(actor=request.user, offer=offer, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"price_minutes": "price"})
        else:
            messages.success(request, _("The offer was saved."))
            return redirect("partner_venue", slug=slug, venue_id=offer.venue_id)
    context = {"programme": programme, "venue": offer.venue, "form": form, "offer": offer}
    return render_form_page(request, "partners/offer_form.html", context, form)


@login_required
def programme_fund(request: HttpRequest, slug: str):
    """The community fund: its balance, what came in and went out, and a grant to a member."""
    programme = coordinated_programme(request, slug)
    form = FundGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund_grant(
                actor=request.user,
                programme=programme,
                membership_number=data["membership_number"],
                minutes=data["minutes"],
                message=data["message"],
                idempotency_key=data["token"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Granted %(credits)s to member %(number)s.")
                % {"credits": format_minutes(data["minutes"]), "number": data["membership_number"].upper()},
            )
            return redirect("programme_fund", slug=programme.slug)
    context = {
        "programme": programme,
        "balance": fund_balance(programme),
        "gifts": list(fund_gifts(programme)[:50]),
        "form": form,
    }
    return render_form_page(request, "partners/fund.html", context, form)
