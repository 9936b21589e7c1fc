"""What matching keeps: needs to fill, the matches proposed for them and their
history, exclusions a coordinator recorded, a programme's weights, and batch runs.

A Need is one thing to fill, with everything scoring reads copied onto it: a
shift of a core Task (one Need per shift), or a mentoring need that the
mentoring app creates for a family or person. `group_key` names what the need
belongs to ("task:12", "person:7") so continuity and exclusions can speak of a
family or a team without this app knowing the mentoring app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from timebank.volunteers.models import Gender


class NeedKind(models.TextChoices):
    SHIFT = "shift", _("Task shift")
    MENTORING = "mentoring", _("Mentoring")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Urgency(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Topic(models.TextChoices):
    HOUSING = "housing", _("Housing")
    DEBT = "debt", _("Money and debt")
    PAPERWORK = "paperwork", _("Paperwork")
    EMPLOYMENT = "employment", _("Employment")
    HEALTH = "health", _("Health")
    PARENTING = "parenting", _("Parenting")
    LANGUAGE = "language", _("Language")
    SOCIAL_NETWORK = "social_network", _("Social network")


class Need(models.Model):
    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices)
    title = models.CharField(_("title"), max_length=200)
    group_key = models.CharField(max_length=40)
    shift = models.OneToOneField("matching.Shift", null=True, blank=True, on_delete=models.CASCADE, related_name="need")
    # Shifts have a start and an end; a mentoring need starts on a date and runs
    # for the programme's default mentorship length.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # For mentoring: the weekly times the person can meet, [[weekday, "HH:MM", "HH:MM"], ...].
    weekly_slots = models.JSONField(_("weekly times"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(_("people needed"), default=1)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    skills = models.JSONField(_("wanted skills"), default=list, blank=True)  # skill slugs
    topics = models.JSONField(_("topics"), default=list, blank=True)
    required_courses = models.ManyToManyField("training.Course", blank=True, related_name="+")
    required_checks = models.ManyToManyField("training.CheckType", blank=True, related_name="+")
    involves_children = models.BooleanField(_("involves children"), default=False)
    involves_vulnerable_adults = models.BooleanField(_("involves vulnerable adults"), default=False)
    home_visits = models.BooleanField(_("home visits"), default=False)
    preferred_gender = models.CharField(
        _("mentor's gender asked for"), max_length=16, choices=Gender.choices, blank=True
    )
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    minutes_per_week = models.PositiveIntegerField(_("expected minutes a week"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-urgency", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="need_starts_before_end"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="need_capacity_positive"),
            models.CheckConstraint(condition=models.Q(kind__in=NeedKind.values), name="need_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(kind=NeedKind.SHIFT, shift__isnull=False)
                | models.Q(kind=NeedKind.MENTORING, shift__isnull=True),
                name="need_shift_iff_shift_kind",
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"]), models.Index(fields=["group_key"])]

    def __str__(self):
        return self.title


class MatchingWeights(models.Model):
    """A programme's weights for the soft score, in points (the score divides by their sum)."""

    programme = models.OneToOneField("accounts.Programme", on_delete=models.CASCADE, related_name="matching_weights")
    skills = models.PositiveSmallIntegerField(_("skills"), default=20)
    languages = models.PositiveSmallIntegerField(_("languages"), default=20)
    distance = models.PositiveSmallIntegerField(_("distance"), default=15)
    availability = models.PositiveSmallIntegerField(_("availability"), default=15)
    topics = models.PositiveSmallIntegerField(_("topics and interests"), default=10)
    continuity = models.PositiveSmallIntegerField(_("continuity"), default=10)
    load = models.PositiveSmallIntegerField(_("current load"), default=10)

    class Meta:
        verbose_name_plural = "matching weights"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(skills__gt=0)
                | models.Q(languages__gt=0)
                | models.Q(distance__gt=0)
                | models.Q(availability__gt=0)
                | models.Q(topics__gt=0)
                | models.Q(continuity__gt=0)
                | models.Q(load__gt=0),
                name="weights_not_all_zero",
            )
        ]

    def __str__(self):
        return f"Weights for {self.programme}"


class Exclusion(models.Model):
    """A conflict of interest or an exclusion a coordinator recorded: this volunteer is
    not to be matched with this family, person or team (by group key)."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="+")
    volunteer = models.ForeignKey("volunteers.VolunteerProfile", on_delete=models.CASCADE, related_name="+")
    group_key = models.CharField(max_length=40)
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "group_key"], name="exclusion_once_per_group"),
        ]

    def __str__(self):
        return f"{self.volunteer} excluded from {self.group_key}"


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A live match holds a place on the need and the volunteer's capacity.
LIVE_STATUSES = (MatchStatus.PROPOSED, MatchStatus.OFFERED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)
# A match the volunteer has taken on: it counts towards their load and continuity.
COMMITTED_STATUSES = (MatchStatus.ACCEPTED, MatchStatus.ACTIVE, MatchStatus.CLOSED)


class Match(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    volunteer = models.ForeignKey("volunteers.VolunteerProfile", on_delete=models.PROTECT, related_name="matches")
    status = models.CharField(_("status"), max_length=16, choices=MatchStatus.choices)
    score = models.FloatField(_("score"))
    explanation = models.JSONField(default=list)
    batch_run = models.ForeignKey("BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="matches")
    self_signup = models.BooleanField(default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)  # of a decline, a close or a withdrawal
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            # The database refuses a second live match of one volunteer to one need,
            # so a batch run twice, or two coordinators at once, cannot duplicate it.
            models.UniqueConstraint(
                fields=["need", "volunteer"],
                condition=models.Q(status__in=LIVE_STATUSES),
                name="match_one_live_per_need_and_volunteer",
            ),
            models.CheckConstraint(condition=models.Q(status__in=MatchStatus.values), name="match_status_valid"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=1), name="match_score_in_unit_range"),
        ]
        indexes = [models.Index(fields=["volunteer", "status"]), models.Index(fields=["need", "status"])]

    def __str__(self):
        return f"{self.volunteer} → {self.need} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class MatchEvent(models.Model):
    """Every change of a match's status, with who and when."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16, choices=MatchStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.match_id} {self.status} at {self.at:%Y-%m-%d %H:%M}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BatchRun(models.Model):
    """One batch assignment over a programme's open needs, with its progress and results."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="batch_runs")
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=100, blank=True)
    # A retried or double-clicked start finds its run through the idempotency record of
    # (who started it, the programme, "matching.batch_run", their key): a key never
    # reaches another person's or another programme's run.
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    needs_considered = models.PositiveIntegerField(default=0)
    places_open = models.PositiveIntegerField(default=0)
    places_filled = models.PositiveIntegerField(default=0)
    total_score = models.FloatField(default=0)
    greedy_score = models.FloatField(default=0)
    solver = models.CharField(max_length=40, blank=True)
    # One row per need: [{"need": id, "title", "capacity", "proposed": [...], "unfilled_reason"}]
    results = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="batch_progress_percent"),
        ]

    def __str__(self):
        return f"Batch {self.pk} for {self.programme} ({self.status})"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Task(models.Model):
    """A piece of work a programme needs done: Saturday's community kitchen, a newsletter round.

    Hours given on a task are logged against its activity. Matching reads the
    requirements from here (through matching's own Need rows, one per shift)."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    activity = models.ForeignKey(
        "earning.Activity",
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
        "training.Course", blank=True, related_name="+", verbose_name=_("required training")
    )
    required_checks = models.ManyToManyField(
        "training.CheckType", blank=True, related_name="+", verbose_name=_("required background checks")
    )
    wanted_skills = models.ManyToManyField(
        "volunteers.Skill", blank=True, related_name="+", verbose_name=_("wanted skills")
    )
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
