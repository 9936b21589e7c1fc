"""Balances, statements (with CSV), a programme's ledger, and reversals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ledger.errors import format_minutes
from ledger.selectors import reversal_of
from timebank.accounts.models import Programme
from timebank.accounts.selectors.programmes import coordinated_programme_get
from timebank.common.forms import apply_service_errors
from timebank.common.spreadsheets import SafeWriter
from timebank.common.views import render_form_page, visible_or_404
from timebank.spending.forms.credits import PeriodForm, ReverseForm
from timebank.spending.selectors.credits import (
    my_balances,
    programme_ledger,
    programme_transaction_get,
    programme_transactions,
    volunteer_statement,
)
from timebank.spending.services.corrections import ledger_transaction_reverse
from timebank.volunteers.selectors.volunteers import volunteer_get
from timebank.volunteers.views.profile import own_profile_or_404

PAGE_SIZE = 50


@login_required
def my_credits(request: HttpRequest):
    volunteer = own_profile_or_404(request)
    return render(request, "credits/my_credits.html", {"volunteer": volunteer, "balances": my_balances(request.user)})


@login_required
def statement_page(request: HttpRequest, pk: int, slug: str):
    """A volunteer's statement in one programme: theirs, or one they coordinate. `?format=csv` downloads it."""
    volunteer = visible_or_404(volunteer_get, request.user, pk)
    programme = visible_or_404(Programme.objects.get, slug=slug)
    period = PeriodForm(request.GET or None)
    start = end = None
    if period.is_bound and period.is_valid():
        start, end = period.cleaned_data["start"], period.cleaned_data["end"]
    statement = visible_or_404(
        volunteer_statement, request.user, volunteer=volunteer, programme=programme, start=start, end=end
    )
    if request.GET.get("format") == "csv" and not period.errors:
        return _statement_csv(volunteer, programme, statement, start, end)
    context = {"volunteer": volunteer, "programme": programme, "statement": statement, "period": period}
    return render_form_page(request, "credits/statement.html", context, period)


def _statement_csv(volunteer, programme, statement, start, end) -> HttpResponse:
    filename = f"statement-{volunteer.membership_number}-{programme.slug}-{start or 'start'}-{end or 'today'}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeWriter(response)
    writer.writerow(
        [
            "recorded_at",
            "occurred_on",
            "transaction",
            "kind",
            "memo",
            "minutes",
            "balance_after_minutes",
            "credits",
            "balance_after_credits",
        ]
    )
    if statement is not None:
        writer.writerow(
            ["", "", "", "opening", "", "", statement.opening_balance, "", format_minutes(statement.opening_balance)]
        )
        for line in statement.lines:
            writer.writerow(
                [
                    line.recorded_at.isoformat(timespec="seconds"),
                    line.occurred_on.isoformat(),
                    line.transaction_id,
                    line.kind,
                    line.memo,
                    line.amount,
                    line.balance_after,
                    format_minutes(line.amount),
                    format_minutes(line.balance_after),
                ]
            )
    return response


@login_required
def programme_ledger_page(request: HttpRequest, slug: str):
    programme = visible_or_404(coordinated_programme_get, request.user, slug)
    page = Paginator(programme_transactions(programme), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"programme": programme, "ledger": programme_ledger(programme), "page": page}
    return render(request, "credits/programme_ledger.html", context)


@login_required
def transaction_reverse_page(request: HttpRequest, slug: str, transaction_id: int):
    programme = visible_or_404(coordinated_programme_get, request.user, slug)
    original = visible_or_404(programme_transaction_get, request.user, transaction_id)
    if original.scope_id != programme.pk:
        return redirect("programme_ledger", slug=programme.slug)
    if reversal_of(original=original) is not None:
        messages.info(request, _("Transaction #%(id)s was already reversed.") % {"id": original.pk})
        return redirect("programme_ledger", slug=programme.slug)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ledger_transaction_reverse(
                actor=request.user,
                original=original,
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["token"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Transaction #%(id)s reversed.") % {"id": original.pk})
            return redirect("programme_ledger", slug=programme.slug)
    context = {
        "programme": programme,
        "original": original,
        "postings": original.postings.select_related("account"),
        "form": form,
    }
    return render_form_page(request, "credits/reverse.html", context, form)
