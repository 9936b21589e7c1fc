"""A volunteer's spending pages: offers, my vouchers (with their QR codes), gifts of credits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger.errors import format_minutes
from timebank.accounts.models import Programme
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, visible_or_404
from timebank.spending.forms.partners import GiftForm, TokenForm
from timebank.spending.models import VoucherStatus
from timebank.spending.selectors.partners import (
    active_programme_ids,
    gifts_of_volunteer,
    my_vouchers,
    offer_get,
    offer_rows_for,
)
from timebank.spending.services.gifts import gift_to_fund, gift_to_member
from timebank.spending.services.redeem import voucher_cancel, voucher_issue
from timebank.volunteers.credits import volunteer_balance
from timebank.volunteers.views.card import qr_svg
from timebank.volunteers.views.profile import own_profile_or_404


def _balances(volunteer) -> list[tuple[Programme, int]]:
    programmes = Programme.objects.filter(id__in=active_programme_ids(volunteer))
    return [(programme, volunteer_balance(programme, volunteer)) for programme in programmes]


@login_required
def my_offers(request: HttpRequest):
    """The offers of the volunteer's programmes, with a button that takes a voucher."""
    volunteer = own_profile_or_404(request)
    rows = [(row, TokenForm(auto_id=f"offer-{row.offer.pk}-%s")) for row in offer_rows_for(request.user)]
    context = {"volunteer": volunteer, "rows": rows, "balances": _balances(volunteer)}
    return render(request, "spending/offers.html", context)


@login_required
@require_POST
def my_voucher_take(request: HttpRequest, offer_id: int):
    volunteer = own_profile_or_404(request)
    offer = visible_or_404(offer_get, request.user, offer_id)
    form = TokenForm(request.POST)
    token = form.cleaned_data["token"] if form.is_valid() else None
    try:
        voucher = voucher_issue(actor=request.user, volunteer=volunteer, offer=offer, idempotency_key=token)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("my_offers")
    messages.success(
        request,
        _("Your voucher for %(offer)s is ready: show it at %(venue)s.")
        % {"offer": offer.title, "venue": offer.venue.name},
    )
    return redirect("my_voucher", voucher_id=voucher.pk)


@login_required
def my_vouchers_page(request: HttpRequest):
    own_profile_or_404(request)
    vouchers = list(my_vouchers(request.user))
    context = {
        "open": [v for v in vouchers if v.status == VoucherStatus.ISSUED],
        "closed": [v for v in vouchers if v.status != VoucherStatus.ISSUED],
    }
    return render(request, "spending/vouchers.html", context)


def _own_voucher(request: HttpRequest, voucher_id: int):
    own_profile_or_404(request)
    voucher = my_vouchers(request.user).filter(pk=voucher_id).first()
    if voucher is None:
        raise Http404
    return voucher


@login_required
def my_voucher(request: HttpRequest, voucher_id: int):
    """One voucher, big enough to show at a till: the code as text and as a QR code that
    opens the venue's confirmation page with the code filled in."""
    voucher = _own_voucher(request, voucher_id)
    confirm_url = request.build_absolute_uri(
        reverse("venue_confirm", kwargs={"venue_id": voucher.offer.venue_id}) + f"?code={voucher.code}"
    )
    context = {
        "voucher": voucher,
        "usable": voucher.status == VoucherStatus.ISSUED,
        # segno draws the SVG from our own code and address; nothing in it comes from a person.
        "qr": mark_safe(qr_svg(confirm_url)),  # noqa: S308
    }
    return render(request, "spending/voucher.html", context)


@login_required
@require_POST
def my_voucher_cancel(request: HttpRequest, voucher_id: int):
    voucher = _own_voucher(request, voucher_id)
    try:
        voucher_cancel(actor=request.user, voucher=voucher, reason=_("Cancelled by the volunteer"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Voucher cancelled: %(credits)s are back in your balance.")
            % {"credits": format_minutes(voucher.price_minutes)},
        )
    return redirect("my_vouchers")


@login_required
def my_gifts(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    programmes = Programme.objects.filter(id__in=active_programme_ids(volunteer))
    form = GiftForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        arguments = {
            "actor": request.user,
            "giver": volunteer,
            "programme": data["programme"],
            "minutes": data["minutes"],
            "message": data["message"],
            "idempotency_key": data["token"],
        }
        try:
            if data["recipient"] == GiftForm.MEMBER:
                gift_to_member(membership_number=data["membership_number"], **arguments)
            else:
                gift_to_fund(**arguments)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("You gave %(credits)s to %(whom)s. Thank you!")
                % {
                    "credits": format_minutes(data["minutes"]),
                    "whom": _("another member") if data["recipient"] == GiftForm.MEMBER else _("the community fund"),
                },
            )
            return redirect("my_gifts")
    context = {
        "form": form,
        "balances": _balances(volunteer),
        "volunteer": volunteer,
        "gifts": list(gifts_of_volunteer(volunteer)[:20]),
    }
    return render_form_page(request, "spending/gifts.html", context, form)
