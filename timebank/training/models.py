import re
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from timebank.accounts.models.programmes import Role


class Course(models.Model):
    """A training course in a programme's catalogue."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Leave empty if it never expires.")
    )
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="course_unique_per_programme")]

    def __str__(self):
        return self.name


class CheckType(models.Model):
    """A kind of background check: enhanced DBS, extrait de casier judiciaire, Führungszeugnis."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="check_types")
    name = models.CharField(_("name"), max_length=200)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Leave empty if it never expires.")
    )
    covers_children = models.BooleanField(_("clears work with children"), default=False)
    covers_vulnerable_adults = models.BooleanField(_("clears work with vulnerable adults"), default=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="check_type_unique_per_programme")]

    def __str__(self):
        return self.name


class VerifiedRecord(models.Model):
    """Who recorded a training record or check and which coordinator verified it.

    A record counts towards qualification only once verified.
    """

    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


def evidence_upload_to(instance, filename: str) -> str:
    """A random name under evidence/training/, keeping a plain extension.

    The name a person gave the file (often their own name, or a certificate number)
    stays out of the path, and the path cannot be guessed: the files are served
    only through the permission-checked training_evidence view.
    """
    extension = PurePath(filename).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", extension):
        extension = ""
    return f"evidence/training/{uuid.uuid4().hex}{extension}"


class TrainingRecord(VerifiedRecord):
    """A course a volunteer completed. Counts towards qualification once verified."""

    volunteer = models.ForeignKey(
        "volunteers.VolunteerProfile", on_delete=models.CASCADE, related_name="training_records"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    completed_on = models.DateField(_("completed on"))
    # The first day on which the record no longer counts; null when it never expires.
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    evidence = models.FileField(_("evidence"), upload_to=evidence_upload_to, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=models.F("completed_on")),
                name="training_expires_after_completion",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True, verified_at__isnull=True)
                | models.Q(verified_by__isnull=False, verified_at__isnull=False),
                name="training_verified_by_and_at_together",
            ),
        ]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self):
        return f"{self.course} ({self.completed_on})"


class BackgroundCheck(VerifiedRecord):
    """A background check a volunteer holds. Counts towards qualification once verified."""

    volunteer = models.ForeignKey(
        "volunteers.VolunteerProfile", on_delete=models.CASCADE, related_name="background_checks"
    )
    check_type = models.ForeignKey(CheckType, on_delete=models.PROTECT, related_name="checks")
    issued_on = models.DateField(_("issued on"))
    # The first day on which the check no longer counts; null when it never expires.
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reference = models.CharField(_("certificate reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=models.F("issued_on")),
                name="check_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True, verified_at__isnull=True)
                | models.Q(verified_by__isnull=False, verified_at__isnull=False),
                name="check_verified_by_and_at_together",
            ),
        ]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self):
        return f"{self.check_type} ({self.issued_on})"


class RoleRequirement(models.Model):
    """A course or a background check a role in a programme requires."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="role_requirements")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    check_type = models.ForeignKey(CheckType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(course__isnull=False, check_type__isnull=True)
                | models.Q(course__isnull=True, check_type__isnull=False),
                name="requirement_names_course_or_check",
            ),
            models.UniqueConstraint(fields=["programme", "role", "course"], name="requirement_course_unique"),
            models.UniqueConstraint(fields=["programme", "role", "check_type"], name="requirement_check_unique"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.course or self.check_type}"


class ExpiryReminder(models.Model):
    """One warning sent for one record at one threshold; the unique constraints
    make the reminder task safe to run twice."""

    training_record = models.ForeignKey(
        TrainingRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    background_check = models.ForeignKey(
        BackgroundCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField()
    # Null until the mail went out: a run whose mail failed leaves it for the next run to retry.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(training_record__isnull=False, background_check__isnull=True)
                | models.Q(training_record__isnull=True, background_check__isnull=False),
                name="reminder_names_one_record",
            ),
            models.UniqueConstraint(
                fields=["training_record", "days_before"],
                condition=models.Q(training_record__isnull=False),
                name="reminder_once_per_training_threshold",
            ),
            models.UniqueConstraint(
                fields=["background_check", "days_before"],
                condition=models.Q(background_check__isnull=False),
                name="reminder_once_per_check_threshold",
            ),
        ]

    def __str__(self):
        return f"{self.days_before}-day reminder for {self.training_record or self.background_check}"
