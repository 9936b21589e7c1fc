"""Forms for earning credits: logging hours, deciding on claims, the attendance
register, activities and their sessions. Times are entered as hours and minutes
and handed to the services as whole minutes."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from timebank.common.forms import AccessibleForm, DateInput
from timebank.earning.models import CreditRule


class DurationMixin:
    """Two inputs, hours and minutes, read as one number of minutes (None when both are empty)."""

    duration_fields = ("hours", "minutes")

    @staticmethod
    def hours_field(label, **kwargs) -> forms.IntegerField:
        return forms.IntegerField(
            label=label,
            min_value=0,
            max_value=24,
            widget=forms.NumberInput({"inputmode": "numeric"}),
            **kwargs,
        )

    @staticmethod
    def minutes_field(label, **kwargs) -> forms.IntegerField:
        return forms.IntegerField(
            label=label,
            min_value=0,
            max_value=59,
            widget=forms.NumberInput({"inputmode": "numeric"}),
            **kwargs,
        )

    def total_minutes(self, hours_name: str = "hours", minutes_name: str = "minutes") -> int | None:
        hours, minutes = self.cleaned_data.get(hours_name), self.cleaned_data.get(minutes_name)
        if hours is None and minutes is None:
            return None
        return (hours or 0) * 60 + (minutes or 0)


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, activity) -> str:
        return f"{activity.name} ({activity.programme})"


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session) -> str:
        title = session.title or session.activity.name
        return f"{title}, {date_format(session.date)} ({session.activity.name})"


class LogHoursForm(DurationMixin, AccessibleForm):
    """A volunteer's claim. With a session the activity, date and time may be left to it."""

    # Activity, date and time are needed unless a session is picked: "(optional)" would mislead.
    mark_optional = False

    activity = ActivityChoiceField(
        label=_("Activity"), queryset=None, required=False, empty_label=_("Choose an activity")
    )
    session = SessionChoiceField(
        label=_("Session"),
        queryset=None,
        required=False,
        empty_label=_("No particular session"),
        help_text=_("If you went to a meeting or event on the list, pick it: its date and length are filled in."),
    )
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    hours = DurationMixin.hours_field(_("Hours"), required=False)
    minutes = DurationMixin.minutes_field(_("Minutes"), required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Optional: what you did, for the coordinator who approves it."),
    )
    summary_targets = {"minutes": "id_hours"}

    def __init__(self, *args, activities, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities
        self.fields["session"].queryset = sessions
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        session = cleaned.get("session")
        if cleaned.get("activity") is None and session is None and "activity" not in self.errors:
            self.add_error("activity", _("Choose the activity you gave time to."))
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        session = data.get("session")
        activity = data.get("activity") or session.activity
        return {
            "activity": activity,
            "session": session,
            # A session's claim is for the session's day, whatever the date input still says.
            "date": None if session is not None else data.get("date"),
            "minutes": self.total_minutes(),
            "note": data.get("note", ""),
        }


class RejectForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Why is the claim rejected?"),
        max_length=500,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("The volunteer sees this reason with their claim."),
    )


class ActivityForm(DurationMixin, AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("For example: tenants' meeting, focus group."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea({"rows": 2}))
    credit_rule = forms.ChoiceField(
        label=_("Credits"), choices=CreditRule.choices, initial=CreditRule.PER_HOUR, widget=forms.RadioSelect
    )
    fixed_credits = forms.DecimalField(
        label=_("Fixed number of credits"),
        required=False,
        min_value=Decimal("0.25"),
        max_value=24,
        decimal_places=2,
        help_text=_("Only for a fixed number of credits: 2 for two credits, 1.5 for one and a half."),
        widget=forms.NumberInput({"step": "0.25", "inputmode": "decimal"}),
    )
    auto_hours = DurationMixin.hours_field(_("Hours"), required=False)
    auto_minutes = DurationMixin.minutes_field(_("Minutes"), required=False)

    def clean_fixed_credits(self):
        credits = self.cleaned_data.get("fixed_credits")
        if credits is not None and (credits * 60) % 1:
            raise forms.ValidationError(_("Give credits in whole minutes: 0.25, 0.5, 1.5 and so on."))
        return credits

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        credits = data.get("fixed_credits")
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "credit_rule": data["credit_rule"],
            "fixed_minutes": int(credits * 60) if credits is not None else None,
            "auto_approve_max_minutes": self.total_minutes("auto_hours", "auto_minutes"),
        }


class SessionForm(DurationMixin, AccessibleForm):
    # The length is needed, in hours, minutes or both: "(optional)" on each would mislead.
    mark_optional = False
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None, empty_label=_("Choose an activity"))
    date = forms.DateField(label=_("Date"), widget=DateInput)
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Optional. For example: March tenants' meeting.")
    )
    hours = DurationMixin.hours_field(_("Hours"), required=False)
    minutes = DurationMixin.minutes_field(_("Minutes"), required=False)
    summary_targets = {"duration_minutes": "id_hours"}

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "activity": data["activity"],
            "date": data["date"],
            "title": data.get("title", ""),
            "duration_minutes": self.total_minutes() or 0,
        }


class SessionPickForm(AccessibleForm):
    """Which session's register to take (a GET form)."""

    mark_optional = False
    session = SessionChoiceField(label=_("Session"), queryset=None, empty_label=_("Choose a session"))

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class AttendeeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, volunteer) -> str:
        number = volunteer.membership_number
        return f"{volunteer.full_name} ({number})" if number else volunteer.full_name


class AttendanceForm(AccessibleForm):
    attendees = AttendeeChoiceField(
        label=_("Who attended?"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one person who attended.")},
    )

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = volunteers
