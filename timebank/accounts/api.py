from ninja import Router
from ninja.pagination import paginate

from timebank.accounts.schemas import ProgrammeDetailOut, ProgrammeOut
from timebank.accounts.selectors.programmes import programme_get, programmes_for
from timebank.common.api import Pagination
from timebank.problems import READ_ERRORS

router = Router()


@router.get(
    "/programmes", response={200: list[ProgrammeOut], **READ_ERRORS}, tags=["programmes"], summary="List my programmes"
)
@paginate(Pagination)
def programme_list(request):
    """The programmes the caller holds a role in; administrators see all."""
    return programmes_for(request.auth).order_by("name", "id")


@router.get(
    "/programmes/{slug}",
    response={200: ProgrammeDetailOut, **READ_ERRORS},
    tags=["programmes"],
    summary="Get a programme",
)
def programme_detail(request, slug: str):
    """A programme, with aggregate figures (never names) for its coordinators and funders."""
    return programme_get(request.auth, slug)
