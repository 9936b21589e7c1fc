"""What every page permission matrix shares: the rows it tries and the check of one cell.

A matrix tries each URL of a part of the product with every persona of PERSONAS.
Anonymous people are sent to sign in; people who may not see a record get a 404 (we do
not confirm it exists); people who may see it but not change it get a 403. A refused
request, and every GET, leaves every core and ledger table (the audit log included) as
it was; an allowed POST redirects and writes its audit entry.
"""

from dataclasses import dataclass, field

from django.test import Client

from tests.assertions import unchanged
from tests.conftest import PERSONAS
from timebank.accounts.models import AuditEntry

LOGIN = "login"  # 302 to the sign-in page
REDIRECT = "redirect"  # a GET sent elsewhere (a volunteer to their own page)
DONE = "done"  # an allowed POST: 302 after the change


def outcomes(default, **by_persona) -> dict:
    """What each persona gets: `default`, or what is named; anonymous people are sent to sign in unless named."""
    table = dict.fromkeys(PERSONAS, default)
    table["anonymous"] = LOGIN
    table.update(by_persona)
    return table


# The tables most matrices use: pages for the tenants' coordinators, and a volunteer's own pages.
COORDINATOR_PAGE = outcomes(403, admin=200, coordinator=200, other_programme_coordinator=404, outsider=404)
COORDINATOR_FORM = outcomes(403, admin=DONE, coordinator=DONE, other_programme_coordinator=404, outsider=404)
OWN_PAGE = outcomes(404, volunteer=200, mentor=200)
OWN_FORM = outcomes(404, volunteer=DONE, mentor=DONE)


@dataclass
class Route:
    name: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict
    data: dict = field(default_factory=dict)
    audited: bool = True
    lands_on: str = ""  # where an allowed POST redirects, when that is the sign-in page


def fill(template: str, ids) -> str:
    """Put the world's ids (a namespace) into a path, a form field's name or its value."""
    return template.format(**vars(ids))


def assert_page_permission(client: Client, route: Route, expected, ids) -> None:
    """One cell of a page permission matrix: `client` sends `route`, filled with `ids`, and gets `expected`."""
    path = fill(route.path, ids)
    data = {fill(key, ids): fill(value, ids) for key, value in route.data.items()}
    audit_before = AuditEntry.objects.count()

    def send():
        return client.post(path, data) if route.method == "POST" else client.get(path)

    if expected == DONE:
        response = send()
        assert response.status_code == 302, response.content[:2000]
        if route.lands_on:
            assert response["Location"] == route.lands_on
        else:
            assert not response["Location"].startswith("/accounts/login/")
        if route.audited:
            assert AuditEntry.objects.count() > audit_before
        return

    with unchanged():
        response = send()
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif expected == REDIRECT:
        assert response.status_code == 302
        assert response["Location"].startswith("/me/")
    else:
        assert response.status_code == expected, response.content[:2000]
    assert AuditEntry.objects.count() == audit_before
