import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.common.forms import AccessibleForm, DateInput


class PeriodForm(AccessibleForm):
    """A statement's period; both ends optional and inclusive."""

    mark_optional = False
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end of the period must not be before its start."))
        return cleaned


class ReverseForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Why is this transaction reversed?"),
        max_length=300,
        help_text=_("The reason is kept with the reversal and shown in the statement."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # One token per form shown: submitting it twice reverses once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4().hex
