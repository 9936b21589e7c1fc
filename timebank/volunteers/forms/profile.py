"""A volunteer's profile, edited by themselves or by a coordinator on their behalf."""

from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.common.forms import AccessibleForm, TimeInput, split_tags, translated_language_choices
from timebank.volunteers.models import Gender, Skill, VolunteerProfile, Weekday

EMAIL_LOCKED = _("Only the person can change it: they sign in with it, or hold another role.")
SLOT_INCOMPLETE = _("Give the day, the start and the end time, or leave the whole row empty.")


class ProfileForm(AccessibleForm):
    """The fields of services.volunteers.volunteer_update, as a person fills them in."""

    # The availability rules are checked by the service over all slots at once; its
    # message is shown at the top of the slots, and the summary links to the first one.
    summary_targets = {"availability": "id_slots-0-weekday"}

    full_name = forms.CharField(
        label=_("Full name"), max_length=200, error_messages={"required": _("Enter the person's full name.")}
    )
    preferred_name = forms.CharField(
        label=_("Preferred name"),
        max_length=100,
        required=False,
        help_text=_("What people call you, if it is not your full name."),
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False, widget=forms.TextInput({"type": "tel"}))
    postal_address = forms.CharField(label=_("Postal address"), required=False, widget=forms.Textarea({"rows": 3}))
    preferred_language = forms.ChoiceField(label=_("Preferred language for letters and messages"))
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        widget=forms.SelectMultiple({"size": 8}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"), queryset=Skill.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    skill_tags = forms.CharField(
        label=_("Other skills"),
        required=False,
        help_text=_("Separate them with commas, for example: plumbing, Arabic interpreting."),
    )
    interests = forms.CharField(
        label=_("Interests"), required=False, help_text=_("Separate them with commas, for example: gardening, music.")
    )
    place_name = forms.CharField(
        label=_("Area"), max_length=120, required=False, help_text=_("A neighbourhood or town, for example Riverside.")
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=8, decimal_places=5, required=False, help_text=_("For example 51.47800.")
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=8, decimal_places=5, required=False, help_text=_("For example -3.18900.")
    )
    travel_km = forms.IntegerField(label=_("Will travel up to (km)"), min_value=0, initial=5)
    willing_children = forms.BooleanField(label=_("Willing to work with children"), required=False)
    willing_vulnerable_adults = forms.BooleanField(label=_("Willing to work with vulnerable adults"), required=False)
    willing_home_visits = forms.BooleanField(label=_("Willing to make home visits"), required=False)
    max_mentees = forms.IntegerField(
        label=_("Families or people I can mentor at once"), min_value=0, max_value=10, required=False
    )
    max_hours_per_week = forms.IntegerField(
        label=_("Hours a week I can give"),
        min_value=1,
        max_value=60,
        required=False,
        help_text=_("Leave empty if you would rather not say."),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Prefer not to say")), *Gender.choices],
        help_text=_("Asked only so that a family who wishes for a mentor of a given gender can have one."),
    )
    emergency_contact_name = forms.CharField(label=_("Emergency contact name"), max_length=200, required=False)
    emergency_contact_phone = forms.CharField(
        label=_("Emergency contact phone"), max_length=32, required=False, widget=forms.TextInput({"type": "tel"})
    )
    availability = forms.CharField(label=_("Availability"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, skills=None, email_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if email_locked:
            # Shown, not editable: the service would refuse the change (permissions.can_set_email).
            self.fields["email"].disabled = True
            self.fields["email"].help_text = EMAIL_LOCKED
            # A bound field copies its help text when first built (AccessibleForm built it already).
            self._bound_fields_cache.pop("email", None)
            self._describe()
        self.fields["preferred_language"].choices = translated_language_choices()
        self.fields["languages"].choices = translated_language_choices()
        self.fields["skills"].queryset = skills if skills is not None else Skill.objects.none()
        if not self.fields["skills"].queryset.exists():
            del self.fields["skills"]

    @staticmethod
    def initial_for(volunteer: VolunteerProfile) -> dict:
        initial = {name: getattr(volunteer, name) for name in PROFILE_FORM_FIELDS}
        initial.update(
            email=volunteer.user.email,
            languages=list(volunteer.languages.values_list("code", flat=True)),
            skills=list(volunteer.skills.values_list("pk", flat=True)),
            skill_tags=", ".join(volunteer.skill_tags),
            interests=", ".join(volunteer.interests),
        )
        return initial

    def service_arguments(self, slots: list) -> dict:
        """Keyword arguments for volunteer_update from the cleaned data."""
        data = self.cleaned_data
        arguments = {name: data[name] for name in PROFILE_FORM_FIELDS}
        if arguments["max_mentees"] is None:
            del arguments["max_mentees"]  # left empty: keep what the profile says
        arguments.update(
            languages=data["languages"],
            skill_tags=split_tags(data["skill_tags"]),
            interests=split_tags(data["interests"]),
            availability=slots,
        )
        if "skills" in self.fields:
            arguments["skills"] = [skill.pk for skill in data["skills"]]
        if not self.fields["email"].disabled:
            arguments["email"] = data["email"]
        return arguments


# Profile fields that go to the service as they are.
PROFILE_FORM_FIELDS = (
    "full_name",
    "preferred_name",
    "phone",
    "postal_address",
    "preferred_language",
    "place_name",
    "latitude",
    "longitude",
    "travel_km",
    "willing_children",
    "willing_vulnerable_adults",
    "willing_home_visits",
    "max_mentees",
    "max_hours_per_week",
    "gender",
    "emergency_contact_name",
    "emergency_contact_phone",
)


class OnBehalfProfileForm(ProfileForm):
    """A coordinator editing a volunteer's profile records why."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=300,
        help_text=_("For example: the person asked by phone. Kept in the audit log."),
    )


class AvailabilitySlotForm(AccessibleForm):
    mark_optional = False

    weekday = forms.TypedChoiceField(
        label=_("Day"), coerce=int, empty_value=None, required=False, choices=[("", "—"), *Weekday.choices]
    )
    starts_at = forms.TimeField(label=_("From"), required=False, widget=TimeInput)
    ends_at = forms.TimeField(label=_("Until"), required=False, widget=TimeInput)

    def clean(self):
        data = super().clean()
        given = [data.get(name) is not None for name in ("weekday", "starts_at", "ends_at")]
        if any(given) and not all(given):
            for name, present in zip(("weekday", "starts_at", "ends_at"), given, strict=True):
                if not present and name not in self.errors:
                    self.add_error(name, SLOT_INCOMPLETE)
        return data

    def slot(self):
        data = self.cleaned_data
        if data.get("weekday") is None:
            return None
        return (data["weekday"], data["starts_at"], data["ends_at"])


AvailabilityFormSet = forms.formset_factory(AvailabilitySlotForm, extra=2, max_num=21, validate_max=True)


def availability_formset(data=None, volunteer: VolunteerProfile | None = None):
    initial = []
    if volunteer is not None and data is None:
        initial = [
            {"weekday": slot.weekday, "starts_at": slot.starts_at, "ends_at": slot.ends_at}
            for slot in volunteer.availability.all()
        ]
    return AvailabilityFormSet(data, initial=initial, prefix="slots")


def formset_slots(formset) -> list:
    return [slot for slot in (form.slot() for form in formset.forms) if slot is not None]
