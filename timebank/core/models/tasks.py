from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Task(models.Model):
    """A piece of work a programme needs done: Saturday's community kitchen, a newsletter round.

    Hours given on a task are logged against its activity. Matching reads the
    requirements from here (through matching's own Need rows, one per shift)."""

    programme = models.ForeignKey("core.Programme", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    activity = models.ForeignKey(
        "core.Activity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("hours are logged as"),
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    required_courses = models.ManyToManyField(
        "core.Course", blank=True, related_name="+", verbose_name=_("required training")
    )
    required_checks = models.ManyToManyField(
        "core.CheckType", blank=True, related_name="+", verbose_name=_("required background checks")
    )
    wanted_skills = models.ManyToManyField("core.Skill", blank=True, related_name="+", verbose_name=_("wanted skills"))
    wanted_languages = models.JSONField(_("wanted languages"), default=list, blank=True)
    involves_children = models.BooleanField(_("involves children"), default=False)
    involves_vulnerable_adults = models.BooleanField(_("involves vulnerable adults"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (models.Q(latitude__gte=-90, latitude__lte=90) & models.Q(longitude__gte=-180, longitude__lte=180)),
                name="task_coordinates_valid",
            ),
        ]

    def __str__(self):
        return self.title


class Shift(models.Model):
    """One stretch of a task, with how many people it needs."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    headcount = models.PositiveSmallIntegerField(_("people needed"), default=1)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="shift_starts_before_end"
            ),
            models.CheckConstraint(condition=models.Q(headcount__gte=1), name="shift_needs_someone"),
        ]

    def __str__(self):
        return f"{self.task} · {self.starts_at:%Y-%m-%d %H:%M}"
