"""The membership card: a credit-card sized PDF with the number as text and as a QR code."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from timebank.accounts.models import MembershipStatus
from timebank.accounts.permissions import coordinated_programme_ids
from timebank.common.views import visible_or_404
from timebank.volunteers.selectors.records import memberships_for
from timebank.volunteers.selectors.volunteers import volunteer_get


def qr_svg(text: str) -> str:
    """An inline SVG QR code; its size comes from the card's CSS (no width/height attributes)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=1, border=2, omitsize=True, svgclass="qr")


@login_required
def volunteer_card(request: HttpRequest, pk: int):
    """For the volunteer themselves and their coordinators; anyone else gets a 404.

    The programme printed is `?programme=<slug>` when given, else one the viewer
    coordinates, else the volunteer's first.
    """
    volunteer = visible_or_404(volunteer_get, request.user, pk)
    if not volunteer.membership_number:
        raise Http404
    memberships = list(
        memberships_for(request.user).filter(user_id=volunteer.user_id).exclude(status=MembershipStatus.LEFT)
    )
    wanted = request.GET.get("programme")
    if wanted:
        memberships = [m for m in memberships if m.programme.slug == wanted]
    if not memberships:
        raise Http404
    mine = coordinated_programme_ids(request.user)
    membership = next((m for m in memberships if m.programme_id in mine), memberships[0])
    html = render_to_string(
        "card/card.html",
        {
            "volunteer": volunteer,
            "programme": membership.programme,
            "membership": membership,
            "qr": mark_safe(qr_svg(volunteer.membership_number)),  # noqa: S308 - SVG built by segno from our own number
        },
        request=request,
    )
    from weasyprint import HTML  # imported on use: it loads fonts and stylesheets, slow for every other page

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="membership-card-{volunteer.membership_number}.pdf"'
    return response
