"""A volunteer's own pages: my profile, my training, my qualifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.core.forms.base import apply_service_errors, language_label
from timebank.core.forms.profile import ProfileForm, availability_formset, formset_slots
from timebank.core.forms.training import TrainingRecordForm
from timebank.core.models import ConsentPurpose, Course, Skill, VolunteerProfile
from timebank.core.permissions import can_set_email, coordinated_programme_ids, is_admin, volunteer_programme_ids
from timebank.core.selectors.records import (
    background_checks_for,
    consent_get,
    consents_for,
    memberships_for,
    skills_shown,
    training_records_for,
    volunteer_qualifications_for,
)
from timebank.core.services.training import training_record_add
from timebank.core.services.volunteers import consent_give, consent_withdraw, volunteer_update
from timebank.core.views.common import own_profile_or_404, render_form_page, visible_or_404


def consent_rows(user, volunteer: VolunteerProfile) -> list[dict]:
    """One row per purpose: the consent standing now, else the last one withdrawn."""
    consents = list(consents_for(user).filter(volunteer=volunteer).order_by("-given_at"))
    rows = []
    for purpose in ConsentPurpose:
        of_purpose = [c for c in consents if c.purpose == purpose]
        standing = next((c for c in of_purpose if c.withdrawn_at is None), None)
        rows.append({"purpose": purpose, "standing": standing, "last": standing or next(iter(of_purpose), None)})
    return rows


def profile_skills(volunteer: VolunteerProfile, user):
    """The skill vocabularies the person may choose from for the volunteer: those of the
    programmes the volunteer gives time to, and for a coordinator only the ones they coordinate."""
    programme_ids = volunteer_programme_ids(volunteer)
    if volunteer.user_id != user.id and not is_admin(user):
        programme_ids &= coordinated_programme_ids(user)
    return Skill.objects.filter(programme_id__in=programme_ids).select_related("programme")


def profile_facts(volunteer: VolunteerProfile, user) -> dict:
    """What the profile page shows of the volunteer to `user`."""
    return {
        "languages": [language_label(code) for code in volunteer.languages.values_list("code", flat=True)],
        "preferred_language": language_label(volunteer.preferred_language),
        "skills": skills_shown(user, volunteer),
        "availability": list(volunteer.availability.all()),
    }


@login_required
def my_profile(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    context = {
        "volunteer": volunteer,
        "facts": profile_facts(volunteer, request.user),
        "consents": consent_rows(request.user, volunteer),
        "memberships": memberships_for(request.user).filter(user=request.user),
    }
    return render(request, "volunteers/my_profile.html", context)


def edit_profile(request: HttpRequest, volunteer: VolunteerProfile, *, form_class, template: str, done_url: str, extra):
    """The profile form, for the volunteer or a coordinator; the service decides who may save."""
    skills = profile_skills(volunteer, request.user)
    initial = form_class.initial_for(volunteer)
    initial["skills"] = [pk for pk in initial["skills"] if pk in {skill.pk for skill in skills}]
    email_locked = not can_set_email(request.user, volunteer)
    if request.method == "POST":
        form = form_class(request.POST, initial=initial, skills=skills, email_locked=email_locked)
        slots = availability_formset(request.POST)
        if form.is_valid() and slots.is_valid():
            arguments = form.service_arguments(formset_slots(slots))
            if "reason" in form.fields:
                arguments["reason"] = form.cleaned_data["reason"]
            try:
                volunteer_update(actor=request.user, volunteer=volunteer, **arguments)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The profile was saved."))
                return redirect(done_url)
    else:
        form = form_class(initial=initial, skills=skills, email_locked=email_locked)
        slots = availability_formset(volunteer=volunteer)
    context = {"volunteer": volunteer, "form": form, "slots": slots, **extra}
    return render_form_page(request, template, context, form, slots)


@login_required
def my_profile_edit(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    return edit_profile(
        request,
        volunteer,
        form_class=ProfileForm,
        template="volunteers/profile_form.html",
        done_url="my_profile",
        extra={"on_behalf": False},
    )


@login_required
@require_POST
def my_consent_give(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    try:
        consent = consent_give(actor=request.user, volunteer=volunteer, purpose=request.POST.get("purpose", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Thank you: you gave your consent to “%(purpose)s”.") % {"purpose": consent.get_purpose_display()},
        )
    return redirect("my_profile")


@login_required
@require_POST
def my_consent_withdraw(request: HttpRequest, consent_id: int):
    volunteer = own_profile_or_404(request)
    consent = visible_or_404(consent_get, request.user, consent_id)
    if consent.volunteer_id != volunteer.pk:
        raise Http404
    try:
        consent_withdraw(actor=request.user, consent=consent)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("You withdrew your consent to “%(purpose)s”.") % {"purpose": consent.get_purpose_display()}
        )
    return redirect("my_profile")


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
