from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.accounts.models import MembershipStatus
from timebank.common.forms import AccessibleForm, translated_language_choices
from timebank.training.selectors.qualifications import QualificationState
from timebank.volunteers.models import Skill

QUALIFICATION_FILTERS = [
    ("", _("Any")),
    ("attention", _("Needs attention (expiring, expired or missing)")),
    (QualificationState.EXPIRING_SOON, _("Expiring within 30 days")),
    (QualificationState.EXPIRED, _("Expired")),
    (QualificationState.MISSING, _("Missing")),
]


class VolunteerFilterForm(AccessibleForm):
    """Filters of a programme's volunteer list; every one is optional."""

    mark_optional = False

    q = forms.CharField(
        label=_("Name or membership number"),
        required=False,
        max_length=100,
        widget=forms.TextInput({"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *MembershipStatus.choices])
    skill = forms.ModelChoiceField(
        label=_("Skill"), required=False, queryset=Skill.objects.none(), empty_label=_("Any")
    )
    language = forms.ChoiceField(label=_("Speaks"), required=False)
    qualification = forms.ChoiceField(label=_("Qualification"), required=False, choices=QUALIFICATION_FILTERS)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = programme.skills.all()
        self.fields["language"].choices = [("", _("Any")), *translated_language_choices()]
