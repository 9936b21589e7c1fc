"""Course catalogues and kinds of check per programme; recording and verifying a
volunteer's training and background checks; their evidence files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.accounts.permissions import coordinated_programme_ids
from timebank.accounts.views import coordinated_programme
from timebank.common.forms import apply_service_errors
from timebank.common.views import render_form_page, visible_or_404
from timebank.training.forms.catalogue import BackgroundCheckForm, CheckTypeForm, CourseForm, TrainingRecordForm
from timebank.training.models import CheckType, Course
from timebank.training.selectors.records import (
    background_check_get,
    check_types_of,
    courses_of,
    requirements_of,
    training_record_get,
)
from timebank.training.services.records import (
    background_check_add,
    background_check_verify,
    check_type_create,
    course_create,
    training_record_add,
    training_record_verify,
)
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.permissions import volunteer_programme_ids
from timebank.volunteers.selectors.volunteers import volunteer_get
from timebank.volunteers.views.profile import managed_volunteer, own_page_instead


def _required_for(programme) -> dict[tuple[str, int], list[str]]:
    """{("course"|"check", id): [role labels]} for the catalogue pages."""
    required: dict[tuple[str, int], list[str]] = {}
    for requirement in requirements_of(programme):
        key = ("course", requirement.course_id) if requirement.course_id else ("check", requirement.check_type_id)
        required.setdefault(key, []).append(requirement.get_role_display())
    return required


@login_required
def programme_courses(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = course_create(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The course “%(name)s” was added.") % {"name": course.name})
            return redirect("programme_courses", slug=programme.slug)
    required = _required_for(programme)
    courses = [(course, required.get(("course", course.pk), [])) for course in courses_of(programme)]
    context = {"programme": programme, "form": form, "courses": courses}
    return render_form_page(request, "coordinator/courses.html", context, form)


@login_required
def programme_check_types(request: HttpRequest, slug: str):
    programme = coordinated_programme(request, slug)
    form = CheckTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_type = check_type_create(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The kind of check “%(name)s” was added.") % {"name": check_type.name})
            return redirect("programme_check_types", slug=programme.slug)
    required = _required_for(programme)
    check_types = [(kind, required.get(("check", kind.pk), [])) for kind in check_types_of(programme)]
    context = {"programme": programme, "form": form, "check_types": check_types}
    return render_form_page(request, "coordinator/check_types.html", context, form)


def _recordable(model, volunteer: VolunteerProfile, user):
    """Rows of `model` (Course or CheckType) from the programmes both the volunteer
    gives time to and the person coordinates."""
    programme_ids = volunteer_programme_ids(volunteer) & coordinated_programme_ids(user)
    return model.objects.filter(programme_id__in=programme_ids).select_related("programme")


def _record_page(request: HttpRequest, volunteer: VolunteerProfile, form, *, record_add, recorded, template: str):
    """A coordinator's page recording a training or a background check of `volunteer`.

    A valid POST records what `form` holds with the service `record_add` and goes back to
    the volunteer's page saying `recorded(row)`; a service refusal is shown on its field."""
    if request.method == "POST" and form.is_valid():
        try:
            row = record_add(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, recorded(row))
            return redirect("volunteer_detail", pk=volunteer.pk)
    context = {"volunteer": volunteer, "form": form}
    return render_form_page(request, template, context, form)


@login_required
def training_add(request: HttpRequest, pk: int):
    if own_page := own_page_instead(request, pk, "my_training"):
        return own_page
    volunteer = managed_volunteer(request, pk)
    courses = _recordable(Course, volunteer, request.user).filter(active=True)
    form = TrainingRecordForm(request.POST or None, request.FILES or None, courses=courses, can_verify=True)
    return _record_page(
        request,
        volunteer,
        form,
        record_add=training_record_add,
        recorded=lambda record: (
            _("Training recorded: %(course)s for %(name)s.")
            % {"course": record.course.name, "name": volunteer.display_name}
        ),
        template="coordinator/training_form.html",
    )


@login_required
def check_add(request: HttpRequest, pk: int):
    if own_page := own_page_instead(request, pk, "my_training"):
        return own_page
    volunteer = managed_volunteer(request, pk)
    form = BackgroundCheckForm(request.POST or None, check_types=_recordable(CheckType, volunteer, request.user))
    return _record_page(
        request,
        volunteer,
        form,
        record_add=background_check_add,
        recorded=lambda check: (
            _("Background check recorded: %(kind)s for %(name)s.")
            % {"kind": check.check_type.name, "name": volunteer.display_name}
        ),
        template="coordinator/check_form.html",
    )


@login_required
@require_POST
def training_verify(request: HttpRequest, pk: int, record_id: int):
    volunteer = visible_or_404(volunteer_get, request.user, pk)
    record = visible_or_404(training_record_get, request.user, record_id)
    if record.volunteer_id != volunteer.pk:
        raise Http404
    training_record_verify(actor=request.user, record=record)
    messages.success(request, _("Verified: %(course)s.") % {"course": record.course.name})
    return redirect("volunteer_detail", pk=volunteer.pk)


@login_required
@require_POST
def check_verify(request: HttpRequest, pk: int, check_id: int):
    volunteer = visible_or_404(volunteer_get, request.user, pk)
    check = visible_or_404(background_check_get, request.user, check_id)
    if check.volunteer_id != volunteer.pk:
        raise Http404
    background_check_verify(actor=request.user, check=check)
    messages.success(request, _("Verified: %(kind)s.") % {"kind": check.check_type.name})
    return redirect("volunteer_detail", pk=volunteer.pk)


@login_required
def training_evidence(request: HttpRequest, pk: int, record_id: int):
    """The evidence file of a training record, for whoever may see the record."""
    volunteer = visible_or_404(volunteer_get, request.user, pk)
    record = visible_or_404(training_record_get, request.user, record_id)
    if record.volunteer_id != volunteer.pk or not record.evidence:
        raise Http404
    try:
        handle = record.evidence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=record.evidence.name.rsplit("/", 1)[-1])
