"""Earning credits on the pages: a volunteer logs hours and follows their claims;
a programme's coordinators work the approval queue, reject with a reason, take
the attendance register, and keep the programme's activities and sessions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ledger.errors import format_minutes
from timebank.accounts.selectors.roles import roles_of
from timebank.accounts.views import coordinated_programme
from timebank.common.durations import duration_text
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, visible_or_404
from timebank.earning.forms import ActivityForm, AttendanceForm, LogHoursForm, RejectForm, SessionForm, SessionPickForm
from timebank.earning.models import ClaimStatus, HoursClaim
from timebank.earning.selectors import (
    activities_of,
    activities_open_to,
    attendees_of,
    claim_get,
    claim_totals,
    claims_to_decide,
    my_claims,
    pending_counts,
    programme_claims,
    session_claims_by_volunteer,
    sessions_of,
    sessions_open_to,
)
from timebank.earning.services.activities import activity_create, activity_session_create
from timebank.earning.services.attendance import attendance_record
from timebank.earning.services.claims import claim_log, claim_reject, claims_approve_bulk
from timebank.volunteers.views.profile import own_profile_or_404

PAGE_SIZE = 50


def _claim_label(claim: HoursClaim) -> str:
    return _("%(name)s, %(activity)s, %(date)s") % {
        "name": claim.volunteer.display_name,
        "activity": claim.activity.name,
        "date": claim.date.isoformat(),
    }


# --- A volunteer's own pages ------------------------------------------------------------


@login_required
def log_hours(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    activities = activities_open_to(volunteer)
    form = LogHoursForm(request.POST or None, activities=activities, sessions=sessions_open_to(volunteer))
    if request.method == "POST" and form.is_valid():
        try:
            claim = claim_log(actor=request.user, volunteer=volunteer, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"minutes": "hours"})
        else:
            values = {
                "time": duration_text(claim.minutes),
                "activity": claim.activity.name,
                "credits": format_minutes(claim.credited_minutes),
            }
            if claim.status == ClaimStatus.APPROVED:
                messages.success(request, _("%(time)s at %(activity)s: approved, %(credits)s added.") % values)
            else:
                messages.success(
                    request, _("%(time)s at %(activity)s sent for approval (%(credits)s once approved).") % values
                )
            return redirect("my_claims")
    context = {"volunteer": volunteer, "form": form, "has_activities": activities.exists()}
    return render_form_page(request, "claims/log_hours.html", context, form)


@login_required
def my_claims_page(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    claims = my_claims(request.user)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"volunteer": volunteer, "page": page, "totals": claim_totals(claims)}
    return render(request, "claims/my_claims.html", context)


# --- Coordinators -------------------------------------------------------------------------


@login_required
def claims_overview(request: HttpRequest):
    """Each programme the person coordinates, with its claims waiting for a decision."""
    if not roles_of(request.user).is_coordinator:
        raise PermissionDenied(_("Only a programme's coordinators approve hours."))
    return render(request, "claims/overview.html", {"programmes": pending_counts(request.user)})


@login_required
def claim_queue(request: HttpRequest, slug: str):
    """The programme's pending claims, oldest first; tick some and approve them together."""
    programme = coordinated_programme(request, slug)
    if request.method == "POST":
        return _approve_ticked(request, programme)
    pending = programme_claims(request.user, programme, status=ClaimStatus.PENDING)
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"programme": programme, "page": page, "totals": claim_totals(pending)}
    return render(request, "claims/queue.html", context)


def _approve_ticked(request: HttpRequest, programme):
    ids = [value for value in request.POST.getlist("claims") if value.isdigit()]
    if not ids:
        messages.error(request, _("Tick at least one claim to approve."))
        return redirect("claim_queue", slug=programme.slug)
    found, missing = claims_to_decide(request.user, ids)
    elsewhere = [claim.pk for claim in found if claim.programme_id != programme.pk]
    claims = [claim for claim in found if claim.programme_id == programme.pk]
    result = claims_approve_bulk(actor=request.user, claims=claims)
    if result.approved:
        messages.success(
            request,
            ngettext(
                "Approved %(count)s claim: %(credits)s issued.",
                "Approved %(count)s claims: %(credits)s issued.",
                len(result.approved),
            )
            % {"count": len(result.approved), "credits": format_minutes(result.credited_minutes)},
        )
    for claim, reason in result.refused:
        messages.error(
            request, _("Not approved: %(claim)s. %(reason)s") % {"claim": _claim_label(claim), "reason": reason}
        )
    if missing or elsewhere:
        messages.error(
            request,
            ngettext(
                "%(count)s ticked claim was not found in this programme.",
                "%(count)s ticked claims were not found in this programme.",
                len(missing) + len(elsewhere),
            )
            % {"count": len(missing) + len(elsewhere)},
        )
    return redirect("claim_queue", slug=programme.slug)


@login_required
def claim_reject_page(request: HttpRequest, slug: str, claim_id: int):
    programme = coordinated_programme(request, slug)
    claim = visible_or_404(claim_get, request.user, claim_id)
    if claim.programme_id != programme.pk:
        raise Http404
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim_reject(actor=request.user, claim=claim, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Rejected: %(claim)s.") % {"claim": _claim_label(claim)})
            return redirect("claim_queue", slug=programme.slug)
    context = {"programme": programme, "claim": claim, "form": form}
    return render_form_page(request, "claims/reject.html", context, form)


@login_required
def attendance_register(request: HttpRequest, slug: str):
    """Pick a session, tick who attended: their claims are created and approved at once."""
    programme = coordinated_programme(request, slug)
    sessions = sessions_of(programme).filter(date__lte=timezone.localdate(), activity__active=True)
    chosen = request.POST if request.method == "POST" else request.GET
    pick = SessionPickForm(chosen if "session" in chosen else None, sessions=sessions)
    session = pick.cleaned_data["session"] if pick.is_bound and pick.is_valid() else None
    form = rows = None
    if session is not None:
        already = session_claims_by_volunteer(session)
        form = AttendanceForm(
            request.POST if request.method == "POST" else None,
            volunteers=attendees_of(programme),
            initial={"attendees": [pk for pk, c in already.items() if c.status == ClaimStatus.APPROVED]},
        )
        if request.method == "POST" and form.is_valid():
            try:
                result = attendance_record(
                    actor=request.user, session=session, volunteers=list(form.cleaned_data["attendees"])
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                _attendance_messages(request, result)
                return redirect(f"{reverse('attendance_register', args=[programme.slug])}?session={session.pk}")
        rows = [(option, already.get(option.data["value"].value)) for option in form["attendees"]]
    elif request.method == "POST":
        raise Http404
    context = {"programme": programme, "pick": pick, "session": session, "form": form, "rows": rows}
    return render_form_page(request, "claims/attendance.html", context, pick, form)


def _attendance_messages(request: HttpRequest, result) -> None:
    if result.approved:
        messages.success(
            request,
            ngettext(
                "%(count)s attendee credited: %(credits)s issued.",
                "%(count)s attendees credited: %(credits)s issued.",
                len(result.approved),
            )
            % {"count": len(result.approved), "credits": format_minutes(result.credited_minutes)},
        )
    if result.already:
        messages.info(
            request,
            ngettext(
                "%(count)s attendee had already been credited for this session.",
                "%(count)s attendees had already been credited for this session.",
                len(result.already),
            )
            % {"count": len(result.already)},
        )


@login_required
def programme_activities(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = activity_create(actor=request.user, programme=programme, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(
                form,
                exc,
                aliases={"fixed_minutes": "fixed_credits", "auto_approve_max_minutes": "auto_hours"},
            )
        else:
            messages.success(request, _("The activity “%(name)s” was added.") % {"name": activity.name})
            return redirect("programme_activities", slug=programme.slug)
    context = {"programme": programme, "form": form, "activities": activities_of(programme)}
    return render_form_page(request, "claims/activities.html", context, form)


@login_required
def programme_sessions(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    form = SessionForm(request.POST or None, activities=activities_of(programme).filter(active=True))
    if request.method == "POST" and form.is_valid():
        try:
            session = activity_session_create(actor=request.user, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"duration_minutes": "hours"})
        else:
            messages.success(request, _("The session “%(session)s” was added.") % {"session": session})
            return redirect("programme_sessions", slug=programme.slug)
    page = Paginator(sessions_of(programme), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"programme": programme, "form": form, "page": page, "today": timezone.localdate()}
    return render_form_page(request, "claims/sessions.html", context, form)
