from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CreditRule(models.TextChoices):
    PER_HOUR = "per_hour", _("Credited per hour given")
    FIXED = "fixed", _("A fixed number of credits")


class Activity(models.Model):
    """Something a programme credits: a tenants' meeting, an interview panel, an article."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="activities")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    credit_rule = models.CharField(
        _("credit rule"), max_length=16, choices=CreditRule.choices, default=CreditRule.PER_HOUR
    )
    # For fixed activities: the minutes credited whatever the time given (60 = 1 credit).
    fixed_minutes = models.PositiveIntegerField(_("fixed credit (minutes)"), null=True, blank=True)
    # Claims up to this many minutes are approved at once (0: a coordinator always approves).
    auto_approve_max_minutes = models.PositiveIntegerField(_("approve automatically up to (minutes)"), default=0)
    active = models.BooleanField(_("open for claims"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="activity_unique_per_programme"),
            models.CheckConstraint(
                condition=models.Q(credit_rule="per_hour", fixed_minutes__isnull=True)
                | models.Q(credit_rule="fixed", fixed_minutes__gt=0),
                name="activity_fixed_credit_matches_rule",
            ),
        ]

    def __str__(self):
        return self.name

    def credited_minutes(self, minutes_given: int) -> int:
        return self.fixed_minutes if self.credit_rule == CreditRule.FIXED else minutes_given


class ActivitySession(models.Model):
    """One occurrence of an activity (the March tenants' meeting): claims and attendance hang on it."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0, duration_minutes__lte=24 * 60),
                name="session_duration_within_a_day",
            )
        ]

    def __str__(self):
        return self.title or f"{self.activity} {self.date}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ClaimSource(models.TextChoices):
    VOLUNTEER = "volunteer", _("Logged by the volunteer")
    COORDINATOR = "coordinator", _("Logged by a coordinator")
    ATTENDANCE = "attendance", _("Attendance register")
    MENTORING = "mentoring", _("Mentoring session")


class HoursClaim(models.Model):
    """Time a volunteer gave, waiting for approval, approved (credits issued) or rejected."""

    volunteer = models.ForeignKey("volunteers.VolunteerProfile", on_delete=models.PROTECT, related_name="claims")
    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, related_name="claims")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="claims")
    session = models.ForeignKey(ActivitySession, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("time given (minutes)"))
    credited_minutes = models.PositiveIntegerField(_("credits (minutes)"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    source = models.CharField(max_length=16, choices=ClaimSource.choices, default=ClaimSource.VOLUNTEER)
    # A stable reference from the flow that created the claim (a mentoring session),
    # so saving that record again updates its claim instead of adding another.
    source_ref = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason"), max_length=500, blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["programme", "status"]), models.Index(fields=["volunteer", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0, minutes__lte=24 * 60), name="claim_minutes_within_a_day"
            ),
            models.CheckConstraint(condition=models.Q(credited_minutes__gt=0), name="claim_credits_positive"),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(transaction__isnull=False),
                name="claim_approved_has_transaction",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="claim_rejected_has_reason",
            ),
            # One claim per person per session, and per activity and day when there is no session;
            # a rejected claim may be made again.
            models.UniqueConstraint(
                fields=["volunteer", "session"],
                condition=models.Q(session__isnull=False) & ~models.Q(status="rejected"),
                name="claim_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "activity", "date"],
                condition=models.Q(session__isnull=True, source_ref__isnull=True) & ~models.Q(status="rejected"),
                name="claim_once_per_activity_and_day",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.activity} · {self.date}"
