"""Mentoring on the pages: a mentor's mentorships, a mentorship's page (the person, goals
with their T-score, sessions), logging a session and reviewing goals on a phone after a
home visit; the coordinator's list of every mentorship with its alerts, check-ins and
closing. Every page that shows a person's record goes through mentoring.selectors, which
refuses (404) everyone but the programme's coordinators and the assigned mentor and logs
each view it grants."""

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger.errors import IdempotencyConflict
from mentoring import selectors, services
from mentoring.alerts import alert_occasions
from mentoring.forms import CheckInForm, CloseForm, GoalForm, SessionForm, StartForm
from mentoring.models import LEVELS, AlertKind, GoalStatus
from timebank.accounts.models import MembershipStatus, Role
from timebank.accounts.views import coordinated_programme
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, visible_or_404
from timebank.volunteers.models import VolunteerProfile


@login_required
def my_mentorships(request: HttpRequest):
    mentorships = selectors.mentorships_for(request.user).filter(mentor__user=request.user)
    return render(request, "mentoring/my_mentorships.html", {"mentorships": mentorships})


def _alerts(mentorship, last_session, today):
    return [
        _("No session for %(days)d days.") % {"days": (today - occasion).days}
        if kind == AlertKind.QUIET
        else _("Past its planned end.")
        for kind, occasion in alert_occasions(mentorship, last_session, today)
    ]


@login_required
def programme_mentorships(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    mentorships = list(selectors.mentorships_for(request.user, programme=programme).prefetch_related("sessions__claim"))
    scores = selectors.mentorship_scores(mentorships)
    today = timezone.localdate()
    rows = []
    for mentorship in mentorships:
        sessions = list(mentorship.sessions.all())
        last = max((s.date for s in sessions), default=None)
        waiting = sum(s.minutes for s in sessions if s.claim_id and s.claim.status == "pending")
        rows.append(
            {
                "mentorship": mentorship,
                "last_session": last,
                "baseline": scores[mentorship.pk][0],
                "latest": scores[mentorship.pk][1],
                "waiting_minutes": waiting,
                "alerts": _alerts(mentorship, last, today),
            }
        )
    summary = selectors.programme_goal_summary(programme)
    return render(
        request, "mentoring/programme_mentorships.html", {"programme": programme, "rows": rows, "summary": summary}
    )


@login_required
def mentorship_detail(request: HttpRequest, mentorship_id: int):
    mentorship = visible_or_404(selectors.mentorship_get, request.user, mentorship_id)
    lines, history = selectors.goals_with_progress(mentorship)
    sessions = list(mentorship.sessions.select_related("claim"))
    coordinator = selectors.is_coordinator_of(request.user, mentorship)
    return render(
        request,
        "mentoring/mentorship.html",
        {
            "mentorship": mentorship,
            "person": mentorship.person,
            "lines": lines,
            "history": history,
            "t_start": history[0].t if history else None,
            "t_now": history[-1].t if len(history) > 1 else None,
            "sessions": sessions,
            "is_coordinator": coordinator,
            "check_ins": mentorship.check_ins.all() if coordinator else [],
            "close_form": CloseForm() if coordinator else None,
            "check_in_form": CheckInForm() if coordinator else None,
        },
    )


@login_required
def session_new(request: HttpRequest, mentorship_id: int):
    mentorship = visible_or_404(selectors.mentorship_get, request.user, mentorship_id)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_log(
                actor=request.user,
                mentorship=mentorship,
                idempotency_key=form.cleaned_data["key"],
                **form.service_arguments(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"activity": "date"})
        except IdempotencyConflict:
            # This form logged a session before and came back changed (the back button): the
            # page returns with a new token, so sending it again logs another session.
            data = request.POST.copy()
            data["key"] = uuid.uuid4().hex
            form = SessionForm(data)
            form.is_valid()
            form.add_error(None, _("This form already logged a session; send it again to log another one."))
        else:
            status = session.claim.get_status_display().lower()
            messages.success(
                request,
                _("Session of %(date)s saved; its hours are %(status)s.")
                % {"date": session.date.isoformat(), "status": status},
            )
            return redirect("mentorship_detail", mentorship.pk)
    return render_form_page(request, "mentoring/session_form.html", {"mentorship": mentorship, "form": form}, form)


@login_required
def session_edit(request: HttpRequest, session_id: int):
    """Edit a session: a pending claim follows; an approved one keeps its time (the form says so)."""
    session = visible_or_404(selectors.session_get, request.user, session_id)
    mentorship = session.mentorship
    initial = {
        "date": session.date,
        "hours": session.minutes // 60,
        "minutes": session.minutes % 60,
        "mode": session.mode,
        "notes": session.notes,
        "next_steps": session.next_steps,
        "key": "edit",
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=request.user, session=session, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"activity": "date"})
        else:
            messages.success(request, _("The session is saved."))
            return redirect("mentorship_detail", mentorship.pk)
    return render_form_page(request, "mentoring/session_form.html", {"mentorship": mentorship, "form": form}, form)


@login_required
def goal_new(request: HttpRequest, mentorship_id: int):
    mentorship = visible_or_404(selectors.mentorship_get, request.user, mentorship_id)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_create(actor=request.user, mentorship=mentorship, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"levels": "level_0"})
        else:
            messages.success(request, _("The goal is added."))
            return redirect("mentorship_detail", mentorship.pk)
    return render_form_page(request, "mentoring/goal_form.html", {"mentorship": mentorship, "form": form}, form)


@login_required
def goals_review(request: HttpRequest, mentorship_id: int):
    """Every active goal on one page, a level each: what a mentor fills in on a phone after a visit."""
    mentorship = visible_or_404(selectors.mentorship_get, request.user, mentorship_id)
    lines, _history = selectors.goals_with_progress(mentorship)
    active = [line for line in lines if line.goal.status == GoalStatus.ACTIVE]
    errors = []
    if request.method == "POST":
        chosen = {}
        for line in active:
            raw = request.POST.get(f"level-{line.goal.pk}", "")
            if raw == "":
                continue
            try:
                level = int(raw)
            except ValueError:
                level = None
            chosen[line.goal] = (
                level,
                request.POST.get(f"note-{line.goal.pk}", ""),
                request.POST.get(f"status-{line.goal.pk}", ""),
            )
        if not chosen:
            errors.append(_("Choose the level reached for at least one goal."))
        else:
            try:
                with transaction.atomic():
                    for goal, (level, note, status) in chosen.items():
                        services.goal_review(actor=request.user, goal=goal, level=level, note=note, status=status)
            except ValidationError as exc:
                errors.extend(message for messages_ in exc.message_dict.values() for message in messages_)
            else:
                messages.success(request, _("%(count)d goals reviewed.") % {"count": len(chosen)})
                return redirect("mentorship_detail", mentorship.pk)
    levels = [(level, f"{level:+d}" if level else "0") for level in LEVELS]
    return render(
        request,
        "mentoring/review.html",
        {"mentorship": mentorship, "lines": active, "levels": levels, "errors": errors, "today": dt.date.today()},
        status=422 if errors else 200,
    )


@login_required
@require_POST
def mentorship_close(request: HttpRequest, mentorship_id: int):
    mentorship = visible_or_404(selectors.mentorship_get, request.user, mentorship_id, log=False)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.mentorship_close(
                actor=request.user,
                mentorship=mentorship,
                reason=form.cleaned_data["reason"],
                outcome_notes=form.cleaned_data["outcome_notes"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The mentorship is closed."))
    else:
        messages.error(request, _("Choose why the mentorship ends."))
    return redirect("mentorship_detail", mentorship.pk)


@login_required
@require_POST
def check_in_new(request: HttpRequest, mentorship_id: int):
    mentorship = visible_or_404(selectors.mentorship_get, request.user, mentorship_id, log=False)
    try:
        services.check_in_record(actor=request.user, mentorship=mentorship, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The check-in is recorded."))
    return redirect("mentorship_detail", mentorship.pk)


@login_required
def person_export(request: HttpRequest, person_id: int):
    """Everything held about the person, as a JSON file (coordinators of their programme)."""
    data = visible_or_404(selectors.person_export, request.user, person_id)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="person-{person_id}.json"'
    return response


@login_required
@require_POST
def person_erase(request: HttpRequest, person_id: int):
    """Pseudonymise the person (coordinators of their programme); back to the mentorships."""
    person = visible_or_404(selectors.person_get, request.user, person_id, what=None)
    try:
        services.person_erase(actor=request.user, person=person, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Everything that identified the person is erased; the figures are kept."))
    return redirect("programme_mentorships", person.programme.slug)


@login_required
def mentorship_new(request: HttpRequest, slug: str):
    """Start a mentorship directly: one of the programme's people, one of its active mentors."""
    programme = coordinated_programme(request, slug)
    people = selectors.people_for(request.user).filter(programme=programme, erased_at__isnull=True)
    mentors = VolunteerProfile.objects.filter(
        user__memberships__programme=programme,
        user__memberships__role=Role.MENTOR,
        user__memberships__status=MembershipStatus.ACTIVE,
    ).order_by("full_name")
    form = StartForm(request.POST or None, people=people, mentors=mentors)
    if request.method == "POST" and form.is_valid():
        try:
            mentorship = services.mentorship_start(
                actor=request.user,
                person=form.cleaned_data["person"],
                mentor=form.cleaned_data["mentor"],
                starts_on=form.cleaned_data["starts_on"],
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                raise
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The mentorship has started."))
            return redirect("mentorship_detail", mentorship.pk)
    return render_form_page(request, "mentoring/start_form.html", {"programme": programme, "form": form}, form)
