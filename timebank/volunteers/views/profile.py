from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.accounts.permissions import coordinated_programme_ids, is_admin
from timebank.common.forms import apply_service_errors, language_label
from timebank.common.views import render_form_page, visible_or_404
from timebank.volunteers.forms.profile import ProfileForm, availability_formset, formset_slots
from timebank.volunteers.models import ConsentPurpose, Skill, VolunteerProfile
from timebank.volunteers.permissions import can_manage_volunteer, can_set_email, volunteer_programme_ids
from timebank.volunteers.selectors.records import consent_get, consents_for, memberships_for, skills_shown
from timebank.volunteers.selectors.volunteers import volunteer_get, volunteers_for
from timebank.volunteers.services.profiles import consent_give, consent_withdraw, volunteer_update


def own_profile_or_404(request: HttpRequest):
    """The signed-in person's volunteer record; people without one get a 404."""
    profile = volunteers_for(request.user).filter(user=request.user).select_related("user").first()
    if profile is None:
        raise Http404
    return profile


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


def managed_volunteer(request: HttpRequest, pk: int) -> VolunteerProfile:
    """A volunteer of a programme the person coordinates. The volunteer themselves gets
    a 403 here (their own pages are under /me/); everybody else a 404."""
    volunteer = visible_or_404(volunteer_get, request.user, pk)
    if not can_manage_volunteer(request.user, volunteer):
        raise PermissionDenied(_("Only a coordinator of this volunteer's programme may do this."))
    return volunteer


def own_page_instead(request: HttpRequest, pk: int, own_page: str):
    """A volunteer opening a coordinator's page about themselves is sent to their own
    page (/me/...). Only for GET: their POSTs here are refused like anyone else's."""
    profile = getattr(request.user, "volunteer", None) if request.user.is_authenticated else None
    if (
        request.method == "GET"
        and profile is not None
        and profile.pk == pk
        and not can_manage_volunteer(request.user, profile)
    ):
        return redirect(own_page)
    return None
