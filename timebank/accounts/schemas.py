from decimal import Decimal

from ninja import Field, Schema

from timebank.accounts.selectors.programmes import programme_figures_for
from timebank.accounts.selectors.roles import roles_of


def roles_by_programme(request) -> dict[int, list[str]]:
    """{programme id: [roles the caller holds]}, read once per request however many programmes are listed."""
    if not hasattr(request, "_roles_by_programme"):
        found: dict[int, list[str]] = {}
        for role, programmes in roles_of(request.auth).programmes.items():
            for programme in programmes:
                found.setdefault(programme.id, []).append(role)
        request._roles_by_programme = {pk: sorted(roles) for pk, roles in found.items()}
    return request._roles_by_programme


class MyProgrammeOut(Schema):
    slug: str
    name: str
    roles: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    is_admin: bool
    volunteer_id: int | None
    programmes: list[MyProgrammeOut]


class ProgrammeOut(Schema):
    slug: str
    name: str
    organisation: str
    description: str
    currency: str
    hourly_value: Decimal = Field(description="Value of one hour of volunteer time, in the programme's currency.")
    my_roles: list[str] = Field(description="The roles the caller holds in the programme.")

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_hourly_value(obj) -> Decimal:
        return obj.hourly_value.amount

    @staticmethod
    def resolve_my_roles(obj, context) -> list[str]:
        return roles_by_programme(context["request"]).get(obj.id, [])


class ProgrammeFiguresOut(Schema):
    """Counts of people; any count of 1 to 4 is given as "fewer than 5"."""

    active: int | str
    applicants: int | str
    paused: int | str
    mentors: int | str


class ProgrammeDetailOut(ProgrammeOut):
    figures: ProgrammeFiguresOut | None = Field(
        description="Aggregate figures, for administrators, the programme's coordinators and its funders."
    )

    @staticmethod
    def resolve_figures(obj, context):
        return programme_figures_for(context["request"].auth, obj)
