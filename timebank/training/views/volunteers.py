"""Coordinators' pages about volunteers: the list, a volunteer's page, registering
and editing on a person's behalf, status changes and consents."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.accounts.permissions import coordinated_programme_ids
from timebank.accounts.services.people import membership_status_change
from timebank.accounts.views import coordinated_programme
from timebank.common.forms import apply_service_errors, language_label
from timebank.common.views import render_form_page, visible_or_404
from timebank.training.forms.filters import VolunteerFilterForm
from timebank.training.selectors.qualifications import volunteer_ids_needing_attention
from timebank.training.selectors.records import (
    background_checks_for,
    training_records_for,
    volunteer_qualifications_for,
)
from timebank.training.selectors.volunteer_list import VolunteerFilters, volunteer_list
from timebank.volunteers.forms.profile import OnBehalfProfileForm
from timebank.volunteers.forms.registration import ConsentGiveForm, MembershipStatusForm, RegisterVolunteerForm
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.selectors.audit import volunteer_audit_trail
from timebank.volunteers.selectors.records import consent_get, memberships_for
from timebank.volunteers.services.profiles import consent_give, consent_withdraw, volunteer_register
from timebank.volunteers.views.profile import (
    consent_rows,
    edit_profile,
    managed_volunteer,
    own_page_instead,
    profile_facts,
)

PAGE_SIZE = 25


@login_required
def programme_volunteers(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    form = VolunteerFilterForm(request.GET or None, programme=programme)
    chosen = {}
    if form.is_bound:
        form.is_valid()
        chosen = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
    filters = VolunteerFilters(
        programme=programme,
        status=chosen.get("status", ""),
        skill=chosen["skill"].pk if "skill" in chosen else None,
        language=chosen.get("language", ""),
        qualification=chosen.get("qualification", ""),
        search=chosen.get("q", ""),
    )
    volunteers = volunteer_list(request.user, filters).prefetch_related("languages")
    page = Paginator(volunteers, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [volunteer.pk for volunteer in page]
    flagged = volunteer_ids_needing_attention(ids, kind="attention", programme=programme)
    statuses = dict(
        memberships_for(request.user)
        .filter(programme=programme, user__volunteer__in=ids)
        .values_list("user__volunteer__id", "status")
    )
    rows = [
        {
            "volunteer": volunteer,
            "needs_attention": volunteer.pk in flagged,
            "status": statuses.get(volunteer.pk, ""),
            "languages": [language_label(language.code) for language in volunteer.languages.all()],
        }
        for volunteer in page
    ]
    context = {
        "programme": programme,
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": bool(chosen),
    }
    return render_form_page(request, "coordinator/volunteer_list.html", context, form)


@login_required
def volunteer_register_page(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    if request.method == "POST":
        form = RegisterVolunteerForm(request.POST, programme=programme)
        if form.is_valid():
            arguments = form.service_arguments()
            if arguments["email"]:
                # Django sends password-reset mail only to accounts with a usable password:
                # an unguessable one that nobody knows lets the person choose their own.
                arguments["password"] = secrets.token_urlsafe(32)
            try:
                volunteer = volunteer_register(actor=request.user, programme=programme, **arguments)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is registered with membership number %(number)s.")
                    % {"name": volunteer.display_name, "number": volunteer.membership_number},
                )
                return redirect("volunteer_detail", pk=volunteer.pk)
    else:
        form = RegisterVolunteerForm(programme=programme)
    context = {"programme": programme, "form": form}
    return render_form_page(request, "coordinator/volunteer_register.html", context, form)


def detail_context(request: HttpRequest, volunteer: VolunteerProfile, *, status_form=None, consent_form=None) -> dict:
    """Everything the volunteer's page shows; a bound form that failed is shown with its errors."""
    user = request.user
    mine = coordinated_programme_ids(user)
    memberships = []
    for membership in memberships_for(user).filter(user_id=volunteer.user_id):
        form = None
        if membership.programme_id in mine:
            prefix = f"membership-{membership.pk}"
            form = status_form if status_form is not None and status_form.prefix == prefix else None
            form = form or MembershipStatusForm(prefix=prefix, initial={"status": membership.status})
        memberships.append({"membership": membership, "form": form})
    return {
        "volunteer": volunteer,
        "facts": profile_facts(volunteer, user),
        "memberships": memberships,
        "consents": consent_rows(user, volunteer),
        "consent_form": consent_form or ConsentGiveForm(),
        "reports": volunteer_qualifications_for(user, volunteer),
        "records": training_records_for(user).filter(volunteer=volunteer),
        "checks": background_checks_for(user).filter(volunteer=volunteer),
        "coordinated_ids": mine,
        "audit": volunteer_audit_trail(user, volunteer),
    }


def render_detail(request: HttpRequest, volunteer: VolunteerProfile, **bound_forms):
    context = detail_context(request, volunteer, **bound_forms)
    return render_form_page(request, "coordinator/volunteer_detail.html", context, *bound_forms.values())


@login_required
def volunteer_detail(request: HttpRequest, pk: int):
    if own_page := own_page_instead(request, pk, "my_profile"):
        return own_page
    volunteer = managed_volunteer(request, pk)
    return render_detail(request, volunteer)


@login_required
def volunteer_edit(request: HttpRequest, pk: int):
    if own_page := own_page_instead(request, pk, "my_profile_edit"):
        return own_page
    volunteer = managed_volunteer(request, pk)
    return edit_profile(
        request,
        volunteer,
        form_class=OnBehalfProfileForm,
        template="volunteers/profile_form.html",
        done_url=reverse("volunteer_detail", kwargs={"pk": volunteer.pk}),
        extra={"on_behalf": True},
    )


@login_required
@require_POST
def membership_status(request: HttpRequest, pk: int, membership_id: int):
    volunteer = managed_volunteer(request, pk)
    membership = visible_or_404(memberships_for(request.user).filter(user_id=volunteer.user_id).get, pk=membership_id)
    form = MembershipStatusForm(request.POST, prefix=f"membership-{membership.pk}")
    if form.is_valid():
        try:
            membership_status_change(
                actor=request.user,
                membership=membership,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"on": "status"})
        else:
            messages.success(
                request,
                _("%(name)s is now %(status)s in %(programme)s.")
                % {
                    "name": volunteer.display_name,
                    "status": membership.get_status_display().lower(),
                    "programme": membership.programme,
                },
            )
            return redirect("volunteer_detail", pk=volunteer.pk)
    return render_detail(request, volunteer, status_form=form)


@login_required
@require_POST
def volunteer_consent_give(request: HttpRequest, pk: int):
    volunteer = managed_volunteer(request, pk)
    form = ConsentGiveForm(request.POST)
    if form.is_valid():
        try:
            consent = consent_give(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Consent recorded: %(purpose)s.") % {"purpose": consent.get_purpose_display()})
            return redirect("volunteer_detail", pk=volunteer.pk)
    return render_detail(request, volunteer, consent_form=form)


@login_required
@require_POST
def volunteer_consent_withdraw(request: HttpRequest, pk: int, consent_id: int):
    volunteer = managed_volunteer(request, pk)
    consent = visible_or_404(consent_get, request.user, consent_id)
    if consent.volunteer_id != volunteer.pk:
        raise Http404
    try:
        consent_withdraw(actor=request.user, consent=consent, reason=request.POST.get("reason", "")[:300])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Consent withdrawn: %(purpose)s.") % {"purpose": consent.get_purpose_display()})
    return redirect("volunteer_detail", pk=volunteer.pk)
