"""The coordinator's form for posting a task with one shift (more shifts: the API)."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.task_services import ShiftSpec
from timebank.common.forms import AccessibleForm, DateInput, TimeInput, translated_language_choices
from timebank.training.models import CheckType, Course
from timebank.volunteers.models import Skill


class TaskForm(AccessibleForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What the volunteers will do"), widget=forms.Textarea, required=False)
    place_name = forms.CharField(label=_("Place"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=8, decimal_places=5, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=8, decimal_places=5, required=False)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    starts_at = forms.TimeField(label=_("From"), widget=TimeInput)
    ends_at = forms.TimeField(label=_("Until"), widget=TimeInput)
    headcount = forms.IntegerField(label=_("People needed"), min_value=1, max_value=100, initial=1)
    required_courses = forms.ModelMultipleChoiceField(
        label=_("Training required"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    required_checks = forms.ModelMultipleChoiceField(
        label=_("Background checks required"),
        queryset=CheckType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    wanted_skills = forms.ModelMultipleChoiceField(
        label=_("Skills that help"),
        queryset=Skill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    wanted_languages = forms.MultipleChoiceField(label=_("Languages that help"), required=False)
    involves_children = forms.BooleanField(label=_("Involves children"), required=False)
    involves_vulnerable_adults = forms.BooleanField(label=_("Involves vulnerable adults"), required=False)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_courses"].queryset = Course.objects.filter(programme=programme, active=True)
        self.fields["required_checks"].queryset = CheckType.objects.filter(programme=programme)
        self.fields["wanted_skills"].queryset = Skill.objects.filter(programme=programme)
        self.fields["wanted_languages"].choices = translated_language_choices()

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(data["date"], data["starts_at"], tzinfo=zone)
        end = dt.datetime.combine(data["date"], data["ends_at"], tzinfo=zone)
        return {
            "title": data["title"],
            "description": data["description"],
            "place_name": data["place_name"],
            "latitude": None if data["latitude"] is None else float(data["latitude"]),
            "longitude": None if data["longitude"] is None else float(data["longitude"]),
            "shifts": [ShiftSpec(start, end, data["headcount"])],
            "required_courses": list(data["required_courses"]),
            "required_checks": list(data["required_checks"]),
            "wanted_skills": list(data["wanted_skills"]),
            "wanted_languages": data["wanted_languages"],
            "involves_children": data["involves_children"],
            "involves_vulnerable_adults": data["involves_vulnerable_adults"],
        }
