import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.models import LEVELS, ClosureReason, GoalDomain, SessionMode
from timebank.common.forms import AccessibleForm, DateInput


class SessionForm(AccessibleForm):
    date = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    hours = forms.IntegerField(label=_("Hours"), min_value=0, max_value=24, initial=1)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=59, initial=0)
    mode = forms.ChoiceField(label=_("How you met"), choices=SessionMode.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Confidential notes"), widget=forms.Textarea({"rows": 4}), required=False)
    next_steps = forms.CharField(label=_("Next steps"), widget=forms.Textarea({"rows": 3}), required=False)
    # The form's idempotency key: sent twice (a double tap, a retried post), one session.
    key = forms.CharField(widget=forms.HiddenInput, max_length=100, initial=lambda: uuid.uuid4().hex)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "minutes": data["hours"] * 60 + data["minutes"],
            "mode": data["mode"],
            "notes": data["notes"],
            "next_steps": data["next_steps"],
        }


class GoalForm(AccessibleForm):
    domain = forms.ChoiceField(label=_("Domain"), choices=GoalDomain.choices)
    description = forms.CharField(label=_("The goal, in the person's words"), widget=forms.Textarea({"rows": 2}))
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=10, initial=1)
    baseline_level = forms.TypedChoiceField(
        label=_("Where they are now"), coerce=int, choices=[(level, f"{level:+d}") for level in LEVELS], initial=-1
    )
    level_m2 = forms.CharField(label=_("-2: much less than expected"))
    level_m1 = forms.CharField(label=_("-1: less than expected"))
    level_0 = forms.CharField(label=_("0: the expected outcome"))
    level_p1 = forms.CharField(label=_("+1: more than expected"))
    level_p2 = forms.CharField(label=_("+2: much more than expected"))

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        names = {"-2": "level_m2", "-1": "level_m1", "0": "level_0", "1": "level_p1", "2": "level_p2"}
        return {
            "domain": data["domain"],
            "description": data["description"],
            "weight": data["weight"],
            "baseline_level": data["baseline_level"],
            "levels": {level: data[name] for level, name in names.items()},
        }


class CloseForm(AccessibleForm):
    reason = forms.ChoiceField(label=_("Why it ends"), choices=ClosureReason.choices)
    outcome_notes = forms.CharField(label=_("Outcome"), widget=forms.Textarea({"rows": 3}), required=False)


class CheckInForm(AccessibleForm):
    note = forms.CharField(label=_("What was discussed"), widget=forms.Textarea({"rows": 3}))


class StartForm(AccessibleForm):
    """A coordinator starts a mentorship directly (without a match)."""

    person = forms.ModelChoiceField(label=_("Family or person"), queryset=None)
    mentor = forms.ModelChoiceField(label=_("Mentor"), queryset=None)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, people, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["mentor"].queryset = mentors
