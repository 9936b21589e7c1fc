"""Matching on the pages.

Coordinators: a programme's open needs, a need's ranked candidates with the
reasons for each score and a "why not" search, proposing and offering, and
batch runs with a live progress bar and a results table. Volunteers: their
offers (accept, or decline with a reason) and the shifts they may sign up for.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching import selectors, services
from matching.forms import TaskForm
from matching.models import LIVE_STATUSES, MatchStatus
from matching.task_services import task_create
from timebank.accounts.views import coordinated_programme
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, request_key, visible_or_404
from timebank.volunteers.selectors.volunteers import volunteer_get
from timebank.volunteers.views.profile import own_profile_or_404


def _refusal_text(exc: ValidationError) -> str:
    return " ".join(message for messages_ in exc.message_dict.values() for message in messages_)


# --- Coordinators ---------------------------------------------------------------------------


@login_required
def programme_needs(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    needs = selectors.needs_for(request.user, programme=programme)
    runs = selectors.batch_runs_for(request.user, programme)[:5]
    return render(request, "matching/needs.html", {"programme": programme, "needs": needs, "runs": runs})


@login_required
def task_post(request: HttpRequest, slug: str):
    """Post a task with one shift; the shift becomes a need, opened on its page."""
    programme = coordinated_programme(request, slug)
    form = TaskForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                task = task_create(actor=request.user, programme=programme, **form.service_arguments())
                need = services.task_needs_sync(actor=request.user, task=task)[0]
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases={"shifts": "date"})
        else:
            messages.success(request, _("%(title)s is posted: here are the best candidates.") % {"title": task.title})
            return redirect("need_detail", need.pk)
    return render_form_page(request, "matching/task_form.html", {"programme": programme, "form": form}, form)


@login_required
def need_detail(request: HttpRequest, need_id: int):
    need = visible_or_404(selectors.need_get, request.user, need_id)
    result = selectors.need_candidates(request.user, need, limit=10)
    query = request.GET.get("q", "").strip()
    why_not = []
    if query:
        why_not = [
            selectors.need_why_not(request.user, need, v) for v in selectors.volunteer_search(request.user, need, query)
        ]
    matches = list(selectors.need_matches(request.user, need))
    live = sum(1 for m in matches if m.status in LIVE_STATUSES)
    proposed_ids = {m.volunteer_id for m in matches if m.status in LIVE_STATUSES}
    return render(
        request,
        "matching/need.html",
        {
            "need": need,
            "programme": need.programme,
            "result": result,
            "query": query,
            "why_not": why_not,
            "matches": matches,
            "places_left": max(need.capacity - live, 0),
            "proposed_ids": proposed_ids,
        },
    )


@login_required
@require_POST
def need_propose(request: HttpRequest, need_id: int):
    need = visible_or_404(selectors.need_get, request.user, need_id)
    volunteer = visible_or_404(volunteer_get, request.user, int(request.POST.get("volunteer") or 0))
    offer = request.POST.get("offer") == "1"
    try:
        services.match_propose(
            actor=request.user, need=need, volunteer=volunteer, offer=offer, idempotency_key=request_key(request)
        )
    except ValidationError as exc:
        messages.error(
            request,
            _("%(name)s could not be proposed: %(why)s") % {"name": volunteer.display_name, "why": _refusal_text(exc)},
        )
    else:
        text = _("%(name)s was offered the need.") if offer else _("%(name)s was proposed.")
        messages.success(request, text % {"name": volunteer.display_name})
    return redirect("need_detail", need.pk)


@login_required
@require_POST
def need_exclude(request: HttpRequest, need_id: int):
    """Record a conflict of interest: the volunteer is never matched with this family, person or team."""
    need = visible_or_404(selectors.need_get, request.user, need_id)
    volunteer = visible_or_404(volunteer_get, request.user, int(request.POST.get("volunteer") or 0))
    try:
        services.exclusion_record(
            actor=request.user,
            programme=need.programme,
            volunteer=volunteer,
            group_key=need.group_key,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("%(name)s will not be matched here again.") % {"name": volunteer.display_name})
    return redirect("need_detail", need.pk)


COORDINATOR_ACTIONS = {
    "offer": services.match_offer,
    "activate": services.match_activate,
    "close": services.match_close,
    "withdraw": services.match_withdraw,
}


@login_required
@require_POST
def match_action(request: HttpRequest, match_id: int, action: str):
    match = visible_or_404(selectors.match_get_for_coordinator, request.user, match_id)
    service = COORDINATOR_ACTIONS.get(action)
    if service is None:
        raise PermissionDenied
    kwargs = {"reason": request.POST.get("reason", "")} if action in ("close", "withdraw") else {}
    try:
        service(actor=request.user, match=match, idempotency_key=request_key(request), **kwargs)
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(
            request,
            _("The match with %(name)s is now %(status)s.")
            % {"name": match.volunteer.display_name, "status": _status_word(action)},
        )
    return redirect("need_detail", match.need_id)


def _status_word(action: str) -> str:
    return {
        "offer": MatchStatus.OFFERED.label,
        "activate": MatchStatus.ACTIVE.label,
        "close": MatchStatus.CLOSED.label,
        "withdraw": MatchStatus.WITHDRAWN.label,
    }[action].lower()


@login_required
@require_POST
def batch_start(request: HttpRequest, slug: str):
    """Start a batch run. A page with JavaScript sends a request key and polls the run while
    this request works; without JavaScript the browser waits here and lands on the results."""
    programme = coordinated_programme(request, slug)
    try:
        run = services.batch_run_request(
            actor=request.user, programme=programme, idempotency_key=request.POST.get("request_key") or None
        )
    except ValidationError as exc:  # only a malformed key, never the page's own token
        messages.error(request, _refusal_text(exc))
        return redirect("programme_needs", programme.slug)
    if request.headers.get("Accept") == "application/json":
        run.refresh_from_db()
        return JsonResponse({"id": run.pk, "url": reverse("batch_run", args=[run.pk])})
    return redirect("batch_run", run.pk)


@login_required
def batch_run(request: HttpRequest, run_id: int):
    run = visible_or_404(selectors.batch_run_get, request.user, run_id)
    if request.GET.get("format") == "json":
        return JsonResponse({"status": run.status, "progress": run.progress, "stage": run.stage})
    return render(request, "matching/batch_run.html", {"run": run, "programme": run.programme})


@login_required
def batch_progress_by_key(request: HttpRequest, slug: str):
    """The progress of the run this person started in the programme with the page's key."""
    programme = coordinated_programme(request, slug)
    run = selectors.batch_runs_by_key(request.user, request.GET.get("key", ""), programme).first()
    if run is None:
        return JsonResponse({"status": "waiting", "progress": 0, "stage": ""})
    return JsonResponse({"id": run.pk, "status": run.status, "progress": run.progress, "stage": run.stage})


@login_required
@require_POST
def batch_offer_all(request: HttpRequest, run_id: int):
    run = visible_or_404(selectors.batch_run_get, request.user, run_id)
    count = services.batch_offer_all(actor=request.user, run=run)
    messages.success(request, _("%(count)d proposals were offered to the volunteers.") % {"count": count})
    return redirect("batch_run", run.pk)


# --- Volunteers -----------------------------------------------------------------------------


@login_required
def my_matches(request: HttpRequest):
    own_profile_or_404(request)
    matches = list(selectors.offers_for(request.user))
    offers = [m for m in matches if m.status == MatchStatus.OFFERED]
    others = [m for m in matches if m.status not in (MatchStatus.OFFERED, MatchStatus.PROPOSED)]
    return render(request, "matching/my_matches.html", {"offers": offers, "others": others})


@login_required
@require_POST
def my_match_answer(request: HttpRequest, match_id: int, answer: str):
    match = visible_or_404(selectors.match_get_for_volunteer, request.user, match_id)
    try:
        if answer == "accept":
            services.match_accept(actor=request.user, match=match, idempotency_key=request_key(request))
            messages.success(request, _("You accepted: %(title)s.") % {"title": match.need.title})
        elif answer == "decline":
            services.match_decline(
                actor=request.user,
                match=match,
                reason=request.POST.get("reason", ""),
                idempotency_key=request_key(request),
            )
            messages.success(
                request, _("You declined: %(title)s. Thank you for telling us.") % {"title": match.need.title}
            )
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    return redirect("my_matches")


@login_required
def task_list(request: HttpRequest):
    own_profile_or_404(request)
    shifts = selectors.eligible_shifts_for(request.user)
    return render(request, "matching/tasks.html", {"shifts": shifts})


@login_required
@require_POST
def task_signup(request: HttpRequest, need_id: int):
    need = visible_or_404(selectors.signup_need_get, request.user, need_id)
    try:
        services.task_signup(actor=request.user, need=need, idempotency_key=request_key(request))
    except ValidationError as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("You are signed up for %(title)s.") % {"title": need.title})
    return redirect("task_list")
