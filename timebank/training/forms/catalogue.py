"""Forms for the course catalogue, check kinds, training records and background checks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.common.forms import AccessibleForm, DateInput

EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class CourseForm(AccessibleForm):
    name = forms.CharField(label=_("Course name"), max_length=200)
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"), required=False, help_text=_("Leave it empty if the course never expires.")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea({"rows": 3}))


class CheckTypeForm(AccessibleForm):
    name = forms.CharField(
        label=_("Kind of check"),
        max_length=200,
        help_text=_("For example: enhanced DBS, extrait de casier judiciaire, Führungszeugnis."),
    )
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"), required=False, help_text=_("Leave it empty if the check never expires.")
    )
    covers_children = forms.BooleanField(label=_("Clears work with children"), required=False)
    covers_vulnerable_adults = forms.BooleanField(label=_("Clears work with vulnerable adults"), required=False)


class TrainingRecordForm(AccessibleForm):
    """A completed course. Coordinators may verify it at once; a volunteer's own
    record waits for a coordinator."""

    course = forms.ModelChoiceField(label=_("Course"), queryset=None, empty_label=_("Choose a course"))
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput)
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("A certificate or attendance sheet: PDF, JPEG or PNG, 5 MB at most."),
        widget=forms.ClearableFileInput({"accept": EVIDENCE_ACCEPT}),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    verify = forms.BooleanField(label=_("I have seen the evidence: mark it verified"), required=False)

    def __init__(self, *args, courses, can_verify: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        if not can_verify:
            del self.fields["verify"]


class BackgroundCheckForm(AccessibleForm):
    check_type = forms.ModelChoiceField(label=_("Kind of check"), queryset=None, empty_label=_("Choose a kind"))
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput,
        help_text=_("Leave it empty to use the usual validity of this kind of check."),
    )
    reference = forms.CharField(label=_("Certificate reference"), max_length=100, required=False)
    verify = forms.BooleanField(label=_("I have seen the certificate: mark it verified"), required=False, initial=True)

    def __init__(self, *args, check_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["check_type"].queryset = check_types
