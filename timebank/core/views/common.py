"""What the page views share: answering 404 for what a person may not see, and
rendering a form page with its error summary."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from timebank.core.forms.base import error_summary
from timebank.core.selectors.volunteers import volunteers_for

T = TypeVar("T")


def visible_or_404(selector: Callable[..., T], *args, **kwargs) -> T:
    """Call a `*_get` selector; a row that does not exist or is not visible is a 404."""
    try:
        return selector(*args, **kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def own_profile_or_404(request: HttpRequest):
    """The signed-in person's volunteer record; people without one get a 404."""
    profile = volunteers_for(request.user).filter(user=request.user).select_related("user").first()
    if profile is None:
        raise Http404
    return profile


def render_form_page(
    request: HttpRequest, template: str, context: dict, *forms, status: int | None = None
) -> HttpResponse:
    """Render a page holding forms, with the summary of their errors for the top of the page."""
    summary = error_summary(*forms)
    context = {**context, "error_summary": summary}
    return render(request, template, context, status=status)
