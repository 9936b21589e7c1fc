from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page
from timebank.training.forms.catalogue import TrainingRecordForm
from timebank.training.models import Course
from timebank.training.selectors.records import (
    background_checks_for,
    training_records_for,
    volunteer_qualifications_for,
)
from timebank.training.services.records import training_record_add
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.permissions import volunteer_programme_ids
from timebank.volunteers.views.profile import own_profile_or_404


def self_recordable_courses(volunteer: VolunteerProfile):
    """Courses offered by the programmes the volunteer gives time to."""
    return Course.objects.filter(programme_id__in=volunteer_programme_ids(volunteer), active=True).select_related(
        "programme"
    )


@login_required
def my_training(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    courses = self_recordable_courses(volunteer)
    if request.method == "POST":
        form = TrainingRecordForm(request.POST, request.FILES, courses=courses, can_verify=False)
        if form.is_valid():
            data = form.cleaned_data
            try:
                training_record_add(
                    actor=request.user,
                    volunteer=volunteer,
                    course=data["course"],
                    completed_on=data["completed_on"],
                    evidence=data["evidence"],
                    note=data["note"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Your training was recorded. It counts once a coordinator has verified it.")
                )
                return redirect("my_training")
    else:
        form = TrainingRecordForm(courses=courses, can_verify=False)
    context = {
        "volunteer": volunteer,
        "form": form,
        "records": training_records_for(request.user).filter(volunteer=volunteer),
        "checks": background_checks_for(request.user).filter(volunteer=volunteer),
    }
    return render_form_page(request, "volunteers/my_training.html", context, form)


@login_required
def my_qualifications(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    context = {"volunteer": volunteer, "reports": volunteer_qualifications_for(request.user, volunteer)}
    return render(request, "volunteers/my_qualifications.html", context)
