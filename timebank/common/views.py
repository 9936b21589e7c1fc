"""What the page views share: answering 404 for what a person may not see, and
rendering a form page with its error summary."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from timebank.common.forms import error_summary

T = TypeVar("T")


def visible_or_404(selector: Callable[..., T], *args, **kwargs) -> T:
    """Call a `*_get` selector; a row that does not exist or is not visible is a 404."""
    try:
        return selector(*args, **kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def render_form_page(
    request: HttpRequest, template: str, context: dict, *forms, status: int | None = None
) -> HttpResponse:
    """Render a page holding forms, with the summary of their errors for the top of the page."""
    summary = error_summary(*forms)
    context = {**context, "error_summary": summary}
    return render(request, template, context, status=status)


def request_key(request: HttpRequest) -> str | None:
    """The form's `request_key` ({% request_key %}), the Idempotency-Key of a page's write; None without one."""
    return request.POST.get("request_key") or None
