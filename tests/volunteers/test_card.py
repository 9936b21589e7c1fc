"""The membership card: a credit-card sized PDF with the person's name and number,
and the number as a QR code, for the volunteer themselves and their coordinators."""

import io

import pytest
import segno
from django.test import Client
from pypdf import PdfReader

from tests.assertions import unchanged
from timebank.volunteers.services.profiles import volunteer_register
from timebank.volunteers.views.card import qr_svg

MM = 72 / 25.4  # PDF points per millimetre


def card_of(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def test_card_shows_the_programme_name_and_number_on_a_credit_card_sized_page(client_for, volunteer, programme):
    response = client_for(volunteer.user).get(f"/volunteers/{volunteer.pk}/card.pdf")
    pdf = card_of(response)
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert float(box.width) == pytest.approx(85.6 * MM, abs=0.5)
    assert float(box.height) == pytest.approx(54 * MM, abs=0.5)
    words = pdf.pages[0].extract_text()
    assert volunteer.membership_number in words
    assert "Vera Volunteer" in words
    assert programme.name in words
    assert f"membership-card-{volunteer.membership_number}.pdf" in response["Content-Disposition"]


def test_coordinator_prints_the_card_of_a_person_without_e_mail(client_for, coordinator, programme):
    tenant = volunteer_register(
        actor=coordinator, programme=programme, full_name="Gwen Thomas", preferred_name="Gwen", consent_to_record=True
    )
    words = card_of(client_for(coordinator).get(f"/volunteers/{tenant.pk}/card.pdf")).pages[0].extract_text()
    assert tenant.membership_number in words
    assert "Gwen" in words


def test_the_qr_code_encodes_the_membership_number():
    svg = qr_svg("TB0000018")
    assert svg.startswith("<svg") and 'class="qr"' in svg
    # The same symbol segno makes for the number: what a phone camera reads back.
    expected = segno.make("TB0000018", error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr"
    )
    assert svg == expected
    assert qr_svg("TB0000026") != svg


def test_card_embeds_the_qr_code_as_vector_graphics(client_for, coordinator, volunteer):
    response = client_for(coordinator).get(f"/volunteers/{volunteer.pk}/card.pdf")
    page = card_of(response).pages[0]
    content = page.get_contents().get_data()
    # The QR code is drawn as filled paths, not as text or an image.
    assert content.count(b" re") + content.count(b" l") > 20
    assert not page.images


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("mentor", 404),
        ("partner", 404),
        ("funder", 404),
        ("outsider", 404),
        ("other_programme_coordinator", 404),
    ],
)
def test_nobody_else_gets_the_card(request, client_for, volunteer, persona, status):
    user = request.getfixturevalue(persona)
    client = client_for(getattr(user, "user", user))
    with unchanged():
        response = client.get(f"/volunteers/{volunteer.pk}/card.pdf")
    assert response.status_code == status
    assert volunteer.membership_number not in response.content.decode(errors="replace")


def test_anonymous_people_are_sent_to_sign_in(volunteer):
    response = Client().get(f"/volunteers/{volunteer.pk}/card.pdf")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_volunteer_cannot_get_another_volunteers_card(client_for, volunteer, mentor):
    assert client_for(volunteer.user).get(f"/volunteers/{mentor.pk}/card.pdf").status_code == 404


def test_card_for_a_programme_the_volunteer_is_not_in_is_not_found(client_for, coordinator, volunteer):
    response = client_for(coordinator).get(f"/volunteers/{volunteer.pk}/card.pdf?programme=family-mentors")
    assert response.status_code == 404
