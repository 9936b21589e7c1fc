"""Forms coordinators use to register volunteers, change their status and record consents,
and the filters of the volunteer list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.accounts.models import MembershipStatus, Role
from timebank.common.forms import AccessibleForm, translated_language_choices
from timebank.volunteers.models import ConsentPurpose, Skill

CONSENT_REQUIRED = _("The person must agree that we keep their record before we register them.")


class RegisterVolunteerForm(AccessibleForm):
    """The fields of services.volunteers.volunteer_register that a coordinator fills in."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=200, error_messages={"required": _("Enter the person's full name.")}
    )
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_(
            "Leave it empty if the person has no e-mail: they get a membership number and you act for them. "
            "With an e-mail they can set a password through “Forgotten your password?”."
        ),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False, widget=forms.TextInput({"type": "tel"}))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.VOLUNTEER, Role.VOLUNTEER.label), (Role.MENTOR, Role.MENTOR.label)],
        initial=Role.VOLUNTEER,
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(label=_("Status"), choices=MembershipStatus.choices, initial=MembershipStatus.APPLICANT)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        widget=forms.SelectMultiple({"size": 6}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"), queryset=Skill.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    place_name = forms.CharField(label=_("Area"), max_length=120, required=False)
    consent_to_record = forms.BooleanField(
        label=_("The person agreed that we keep their volunteer record"),
        error_messages={"required": CONSENT_REQUIRED},
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = translated_language_choices()
        self.fields["skills"].queryset = programme.skills.all()
        if not self.fields["skills"].queryset.exists():
            del self.fields["skills"]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["skills"] = [skill.pk for skill in data.get("skills", [])]
        return data


class MembershipStatusForm(AccessibleForm):
    status = forms.ChoiceField(label=_("New status"), choices=MembershipStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ConsentGiveForm(AccessibleForm):
    purpose = forms.ChoiceField(label=_("Consent"), choices=ConsentPurpose.choices)
    note = forms.CharField(
        label=_("How it was given"),
        max_length=300,
        required=False,
        help_text=_("For example: signed form, or said so by phone."),
    )
