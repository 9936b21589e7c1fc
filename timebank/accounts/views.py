from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.accounts.forms import ApiTokenForm
from timebank.accounts.models import Programme
from timebank.accounts.permissions import can_coordinate
from timebank.accounts.selectors.programmes import programme_get
from timebank.accounts.services.tokens import api_token_create, api_token_revoke
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, visible_or_404


def coordinated_programme(request: HttpRequest, slug: str) -> Programme:
    """The programme, for its coordinators. Others who hold a role in it get a 403; the rest a 404."""
    programme = visible_or_404(programme_get, request.user, slug)
    if not can_coordinate(request.user, programme):
        raise PermissionDenied(_("Only a coordinator of %(programme)s may see this page.") % {"programme": programme})
    return programme


# The new secret waits in the (server-side) session for the one page view after the
# redirect, so it is shown once and never travels in a cookie or a URL.
SESSION_KEY_NEW_TOKEN = "timebank_new_api_token"  # noqa: S105 - a session key name, not a secret


@login_required
def api_tokens(request: HttpRequest):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            request.session[SESSION_KEY_NEW_TOKEN] = {"id": token.pk, "secret": secret}
            messages.success(request, _("The token “%(name)s” was created.") % {"name": token.name})
            return redirect("api_tokens")
    new = request.session.pop(SESSION_KEY_NEW_TOKEN, None) if request.method == "GET" else None
    context = {"form": form, "tokens": request.user.api_tokens.all(), "new": new}
    return render_form_page(request, "account/tokens.html", context, form)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int):
    token = get_object_or_404(request.user.api_tokens, pk=token_id)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_tokens")
