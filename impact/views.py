"""The impact pages: funders (and coordinators, to preview) ask for a statement, watch it
being built and download it; coordinators enter the costs, outcome values and narrative."""

import json
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impact import selectors, services
from impact.documents import presentation
from impact.forms import ALL_FUNDED, CostForm, NarrativeForm, OutcomeRecordForm, OutcomeValueForm, StatementForm
from impact.models import RequestStatus
from timebank.accounts.views import coordinated_programme
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, request_key, visible_or_404

DOWNLOADS = {
    "pdf": ("application/pdf", "inline"),
    "csv": ("text/csv; charset=utf-8", "attachment"),
    "json": ("application/json", "attachment"),
}


@login_required
def statements(request: HttpRequest):
    """The form to ask for a statement, and the person's past statements."""
    programmes = list(selectors.reportable_programmes(request.user))
    if not programmes:
        raise PermissionDenied(_("Impact statements are for the funders and coordinators of a programme."))
    funded = list(selectors.funded_programmes(request.user))
    form = StatementForm(request.POST or None, programmes=programmes, funded_count=len(funded))
    status = None
    if request.method == "POST":
        if form.is_valid():
            chosen = form.cleaned_data["programme"]
            wanted = funded if chosen == ALL_FUNDED else [p for p in programmes if p.slug == chosen]
            try:
                asked = services.statement_request(
                    actor=request.user,
                    programmes=wanted,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    include_demographics=form.cleaned_data["include_demographics"],
                    idempotency_key=request_key(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc, aliases={"programmes": "programme"})
            except services.RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            else:
                return redirect("impact_statement", asked.pk)
        status = status or 422
    past = list(selectors.statement_requests_for(request.user)[:30])
    return render_form_page(
        request, "impact/statements.html", {"form": form, "past": past, "programmes": programmes}, form, status=status
    )


@login_required
def statement_detail(request: HttpRequest, pk: int):
    """The request's progress (the page refreshes itself until it is built), then the
    headline figures and the downloads."""
    asked = visible_or_404(selectors.statement_request_get, request.user, pk)
    context = {"asked": asked, "building": asked.status in (RequestStatus.QUEUED, RequestStatus.BUILDING)}
    if asked.status == RequestStatus.READY:
        figures = json.loads(asked.statement.figures_json)
        context["figures"] = figures
        context["p"] = presentation(figures)
    return render(request, "impact/statement.html", context)


@login_required
def statement_download(request: HttpRequest, pk: int, kind: str):
    asked = visible_or_404(selectors.statement_request_get, request.user, pk)
    if kind not in DOWNLOADS:
        raise Http404
    if asked.status != RequestStatus.READY:
        return redirect("impact_statement", asked.pk)
    return download_response(asked.statement, kind)


def download_response(statement, kind: str) -> HttpResponse:
    content_type, disposition = DOWNLOADS[kind]
    body = {"pdf": bytes(statement.pdf), "csv": statement.csv, "json": statement.figures_json}[kind]
    response = HttpResponse(body, content_type=content_type)
    name = f"impact-{statement.start}-{statement.end}-{statement.checksum[:12]}.{kind}"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["ETag"] = f'"{statement.checksum}-{kind}"'
    return response


# --- What coordinators enter -------------------------------------------------------------


@login_required
def impact_inputs(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    return _inputs_page(request, programme)


def _inputs_page(request, programme, status=None, **forms):
    forms = {
        "cost_form": forms.get("cost_form") or CostForm(),
        "outcome_form": forms.get("outcome_form") or OutcomeValueForm(),
        "record_form": forms.get("record_form") or OutcomeRecordForm(),
        "narrative_form": forms.get("narrative_form") or NarrativeForm(),
    }
    context = {"programme": programme, **forms, **selectors.impact_inputs(programme)}
    return render_form_page(request, "impact/inputs.html", context, *forms.values(), status=status)


def _save_input(request, programme, form, form_name: str, save, done: str, aliases=None):
    """The inputs page's forms: a valid form goes to `save(**cleaned_data)`; the service's
    refusals land on the form's fields and the page comes back with status 422."""
    if form.is_valid():
        try:
            save(**form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc, aliases)
        else:
            messages.success(request, done)
            return redirect("impact_inputs", programme.slug)
    return _inputs_page(request, programme, status=422, **{form_name: form})


@login_required
@require_POST
def cost_new(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    save = partial(services.cost_add, actor=request.user, programme=programme)
    return _save_input(request, programme, CostForm(request.POST), "cost_form", save, _("The cost is recorded."))


@login_required
@require_POST
def outcome_new(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    save = partial(services.outcome_value_add, actor=request.user, programme=programme)
    form = OutcomeValueForm(request.POST)
    return _save_input(request, programme, form, "outcome_form", save, _("The outcome value is recorded."))


@login_required
@require_POST
def outcome_record_new(request: HttpRequest, slug: str, outcome_id: int):
    programme = coordinated_programme(request, slug)
    outcome = visible_or_404(selectors.outcome_value_get, programme, outcome_id)
    save = partial(services.outcome_record, actor=request.user, outcome=outcome)
    form = OutcomeRecordForm(request.POST)
    return _save_input(
        request, programme, form, "record_form", save, _("The outcomes are recorded."), aliases={"outcome": "count"}
    )


@login_required
@require_POST
def narrative_edit(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    save = partial(services.narrative_save, actor=request.user, programme=programme)
    form = NarrativeForm(request.POST)
    return _save_input(request, programme, form, "narrative_form", save, _("The narrative is saved."))
