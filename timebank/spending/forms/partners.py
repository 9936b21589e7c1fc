"""Forms of the spending pages: venues, staff and offers (coordinators), the till (partner
staff), and gifts and grants of credits.

Forms that move credits carry a hidden `token`, made when the page is drawn: the services
use it as the request's idempotency key, so a double click or a resubmitted page pays once.
"""

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ledger.errors import format_minutes
from timebank.common.forms import AccessibleForm, DateInput
from timebank.spending.models import PartnerCategory

CREDIT_MINUTES = 60


def credits_to_minutes(credits: Decimal) -> int:
    return int(credits * CREDIT_MINUTES)


def minutes_to_credits(minutes: int) -> Decimal:
    return (Decimal(minutes) / CREDIT_MINUTES).quantize(Decimal("0.01")).normalize()


class CreditsField(forms.DecimalField):
    """An amount typed in credits ('1.5'), cleaned to whole minutes (90)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 8)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.NumberInput({"step": "0.25", "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value):
        credits = super().clean(value)
        if credits is None:
            return None
        if credits <= 0:
            raise forms.ValidationError(_("Give a number of credits above zero."))
        if credits * CREDIT_MINUTES != int(credits * CREDIT_MINUTES):
            raise forms.ValidationError(_("Give credits in whole minutes, for example 1, 1.5 or 0.25."))
        return credits_to_minutes(credits)


class TokenForm(AccessibleForm):
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


# --- Coordinators: venues, staff and offers -------------------------------------------------


class VenueForm(AccessibleForm):
    name = forms.CharField(label=_("Name of the venue"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=PartnerCategory.choices)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea({"rows": 3}))
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=32, required=False, widget=forms.TextInput({"type": "tel"})
    )
    active = forms.BooleanField(
        label=_("Taking credits"), required=False, initial=True, help_text=_("Untick to stop new vouchers here.")
    )


class StaffAddForm(AccessibleForm):
    user = forms.ModelChoiceField(
        label=_("Person"),
        queryset=None,
        help_text=_("People an administrator gave the partner role in the programme."),
        empty_label=_("Choose a person"),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class OfferForm(AccessibleForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea({"rows": 3}))
    price = CreditsField(label=_("Price in credits"), help_text=_("One credit is one hour given."))
    cash_value = forms.DecimalField(
        label=_("Cash value"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        help_text=_("What the offer would cost in money, for the partner's reports."),
    )
    restrictions = forms.CharField(
        label=_("Restrictions"), max_length=300, required=False, help_text=_("For example: not on Saturdays.")
    )
    monthly_limit_per_person = forms.IntegerField(
        label=_("Limit per person per month"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Leave it empty for no limit."),
    )
    starts_on = forms.DateField(label=_("Available from"), widget=DateInput())
    ends_on = forms.DateField(label=_("Available until"), required=False, widget=DateInput())
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)

    # Service field names of the form's fields, where they differ.
    service_names = {"price": "price_minutes"}

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cash_value"].label = _("Cash value (%(currency)s)") % {"currency": currency}

    @classmethod
    def initial_of(cls, offer) -> dict:
        return {
            "title": offer.title,
            "description": offer.description,
            "price": minutes_to_credits(offer.price_minutes),
            "cash_value": offer.cash_value.amount,
            "restrictions": offer.restrictions,
            "monthly_limit_per_person": offer.monthly_limit_per_person,
            "starts_on": offer.starts_on,
            "ends_on": offer.ends_on,
            "active": offer.active,
        }

    def service_arguments(self) -> dict:
        return {self.service_names.get(name, name): value for name, value in self.cleaned_data.items()}


class FundGrantForm(TokenForm):
    membership_number = forms.CharField(
        label=_("Membership number"), max_length=20, help_text=_("As printed on the member's card, e.g. TB0000018.")
    )
    minutes = CreditsField(label=_("Credits"))
    message = forms.CharField(label=_("Message"), max_length=300, required=False)


# --- Partner staff at the till ------------------------------------------------------------


class VoucherCodeForm(AccessibleForm):
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=300,
        help_text=_("Type the 8 letters and digits, or scan the voucher's QR code."),
        widget=forms.TextInput(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "class": "input-large"}
        ),
    )


class MemberLookupForm(AccessibleForm):
    number = forms.CharField(
        label=_("Membership number"),
        max_length=20,
        help_text=_("As printed on the member's card."),
        widget=forms.TextInput({"autocomplete": "off", "autocapitalize": "characters", "class": "input-large"}),
    )


class TillRedeemForm(TokenForm):
    membership_number = forms.CharField(widget=forms.HiddenInput, max_length=20)
    offer = forms.ModelChoiceField(label=_("Offer"), queryset=None, widget=forms.RadioSelect, empty_label=None)

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers
        self.fields["offer"].label_from_instance = lambda offer: (
            f"{offer.title} · {format_minutes(offer.price_minutes)}"
        )


# --- Volunteers -----------------------------------------------------------------------------


class GiftForm(TokenForm):
    MEMBER, FUND = "member", "fund"

    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None, empty_label=None)
    recipient = forms.ChoiceField(
        label=_("Give to"),
        choices=[(MEMBER, _("Another member")), (FUND, _("The community fund"))],
        initial=MEMBER,
        widget=forms.RadioSelect,
    )
    membership_number = forms.CharField(
        label=_("Their membership number"),
        max_length=20,
        required=False,
        help_text=_("Only when giving to another member."),
    )
    minutes = CreditsField(label=_("Credits"))
    message = forms.CharField(label=_("Message"), max_length=300, required=False)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if len(programmes) == 1:
            self.fields["programme"].initial = programmes[0]
            self.fields["programme"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("recipient") == self.MEMBER and not cleaned.get("membership_number"):
            self.add_error("membership_number", _("Give the membership number of the member you give credits to."))
        return cleaned
