import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from impact.models import CostCategory, OutcomeBasis
from timebank.common.forms import AccessibleForm, DateInput

ALL_FUNDED = "all"


def default_period() -> tuple[dt.date, dt.date]:
    """From 1 January to today: the year so far."""
    today = timezone.localdate()
    return dt.date(today.year, 1, 1), today


class StatementForm(AccessibleForm):
    programme = forms.ChoiceField(label=_("Programme"))
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
    include_demographics = forms.BooleanField(
        label=_("Include aggregated demographics (volunteers by gender)"), required=False
    )

    def __init__(self, *args, programmes, funded_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(p.slug, str(p)) for p in programmes]
        if funded_count > 1:
            choices.insert(0, (ALL_FUNDED, _("All the programmes I fund")))
        self.fields["programme"].choices = choices
        start, end = default_period()
        self.fields["start"].initial, self.fields["end"].initial = start, end


class CostForm(AccessibleForm):
    category = forms.ChoiceField(label=_("Category"), choices=CostCategory.choices)
    description = forms.CharField(label=_("Description"), max_length=200)
    incurred_on = forms.DateField(label=_("Incurred on"), widget=DateInput())
    amount = forms.DecimalField(label=_("Amount"), min_value=0, decimal_places=2, max_digits=12)


class OutcomeValueForm(AccessibleForm):
    name = forms.CharField(
        label=pgettext_lazy("impact statement", "Outcome"),
        max_length=120,
        help_text=_("For example: Eviction avoided."),
    )
    basis = forms.ChoiceField(label=_("Counted as"), choices=OutcomeBasis.choices)
    unit_value = forms.DecimalField(label=_("Saving per outcome"), decimal_places=2, max_digits=12)
    deadweight_percent = forms.IntegerField(
        label=_("Deadweight (%)"), initial=0, help_text=_("The share that would have happened anyway.")
    )
    attribution_percent = forms.IntegerField(
        label=_("Attributed to others (%)"), initial=0, help_text=_("The share due to other services.")
    )
    source = forms.CharField(label=_("Source of the value"), max_length=300)


class OutcomeRecordForm(AccessibleForm):
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    count = forms.IntegerField(label=_("How many"))


class NarrativeForm(AccessibleForm):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
    narrative = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), help_text=_("No names: funders read this.")
    )
    case_study = forms.CharField(
        label=_("Case study"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("One story, told so that nobody can be recognised."),
    )
