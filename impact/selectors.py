"""Who may see which statements. Funders see only the programmes they fund, and only the
statements they asked for; coordinators those of the programmes they coordinate, to
preview; administrators all. Nobody else sees any."""

from django.db.models import QuerySet

from impact.models import ImpactNarrative, OutcomeValue, ProgrammeCost, StatementRequest
from timebank.accounts.models import Programme, Role, User
from timebank.accounts.permissions import is_admin, programme_ids_with_role


def reportable_programmes(user: User) -> QuerySet[Programme]:
    """The programmes the person may ask a statement of."""
    programmes = Programme.objects.select_related("organisation").order_by("name")
    if is_admin(user):
        return programmes
    return programmes.filter(pk__in=programme_ids_with_role(user, Role.FUNDER, Role.COORDINATOR))


def funded_programmes(user: User) -> QuerySet[Programme]:
    return Programme.objects.filter(pk__in=programme_ids_with_role(user, Role.FUNDER)).order_by("name")


def statement_requests_for(user: User) -> QuerySet[StatementRequest]:
    """The person's own requests, newest first, for the programmes they may still report on."""
    allowed = set(reportable_programmes(user).values_list("pk", flat=True))
    requests = StatementRequest.objects.filter(requested_by=user).prefetch_related("programmes")
    requests = requests.select_related("statement")
    return requests.exclude(programmes__in=Programme.objects.exclude(pk__in=allowed))


def statement_request_get(user: User, pk: int) -> StatementRequest:
    """Raises StatementRequest.DoesNotExist unless it is the person's own request (or they
    administer the platform) and they may still report on every programme it covers."""
    if is_admin(user):
        return StatementRequest.objects.prefetch_related("programmes").select_related("statement").get(pk=pk)
    return statement_requests_for(user).get(pk=pk)


def impact_inputs(programme: Programme) -> dict:
    """What the coordinators entered for the programme's statements (call after checking
    the person coordinates it)."""
    return {
        "costs": list(ProgrammeCost.objects.filter(programme=programme).order_by("-incurred_on", "-pk")),
        "outcomes": list(OutcomeValue.objects.filter(programme=programme).prefetch_related("records").order_by("name")),
        "narratives": list(ImpactNarrative.objects.filter(programme=programme)),
    }


def outcome_value_get(programme, pk: int):
    """One of the programme's outcome values; raises OutcomeValue.DoesNotExist otherwise."""
    return OutcomeValue.objects.get(programme=programme, pk=pk)
