"""Supported people and families: data subjects, not users.

This step keeps only what a mentoring need requires; step 4 completes the
record (household members, consents, risk flags, the access log)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportedKind(models.TextChoices):
    FAMILY = "family", _("Family")
    INDIVIDUAL = "individual", _("Individual")


class SupportedPerson(models.Model):
    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, related_name="supported_people")
    kind = models.CharField(_("family or individual"), max_length=16, choices=SupportedKind.choices)
    # How coordinators refer to them in lists ("Family Y."), kept short on purpose.
    reference = models.CharField(_("reference"), max_length=80)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    place_name = models.CharField(_("area"), max_length=120, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    # e.g. ["risk_of_eviction", "rent_arrears"]: what the coordinators must keep in mind.
    risk_flags = models.JSONField(_("risk flags"), default=list, blank=True)
    referral_source = models.CharField(_("referred by"), max_length=200, blank=True)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reference", "id"]

    def __str__(self):
        return self.reference

    @property
    def group_key(self) -> str:
        return f"person:{self.pk}"


class MentoringRequest(models.Model):
    """A person's request for a mentor, and the matching need that carries it."""

    person = models.ForeignKey(SupportedPerson, on_delete=models.CASCADE, related_name="requests")
    need = models.OneToOneField("matching.Need", on_delete=models.CASCADE, related_name="mentoring_request")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Mentor for {self.person}"


class HouseholdMember(models.Model):
    """Someone in a supported family: only what the work needs (a first name or role, a birth year)."""

    person = models.ForeignKey(SupportedPerson, on_delete=models.CASCADE, related_name="members")
    label = models.CharField(_("name or role"), max_length=80)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)

    def __str__(self):
        return self.label


class PersonConsent(models.Model):
    """What the person agreed to (and perhaps withdrew), when, and who recorded it."""

    person = models.ForeignKey(SupportedPerson, on_delete=models.CASCADE, related_name="consents")
    agreed_to = models.CharField(_("what was agreed"), max_length=300)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["given_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True) | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="person_consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return self.agreed_to


class AccessLog(models.Model):
    """Every view of a supported person's record: who, when, what. Written by the selectors
    that hand the record out, only once access was granted."""

    person = models.ForeignKey(SupportedPerson, on_delete=models.CASCADE, related_name="access_log")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.viewer_id} viewed {self.person_id} ({self.what})"


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    MOVED_AWAY = "moved_away", _("Moved away")
    DISENGAGED = "disengaged", _("Disengaged")
    MENTOR_WITHDREW = "mentor_withdrew", _("Mentor withdrew")
    REFERRED = "referred", _("Referred to professional services")
    OTHER = "other", _("Other")


class Mentorship(models.Model):
    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, related_name="mentorships")
    mentor = models.ForeignKey("volunteers.VolunteerProfile", on_delete=models.PROTECT, related_name="mentorships")
    person = models.ForeignKey(SupportedPerson, on_delete=models.PROTECT, related_name="mentorships")
    # The accepted match it came from, if any: one mentorship per match.
    match = models.OneToOneField(
        "matching.Match", null=True, blank=True, on_delete=models.PROTECT, related_name="mentorship"
    )
    # What sessions are claimed as (per hour, under the programme's approval rules).
    activity = models.ForeignKey("earning.Activity", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("starts on"))
    planned_end_on = models.DateField(_("planned end"))
    status = models.CharField(
        _("status"), max_length=16, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    closure_reason = models.CharField(_("closure reason"), max_length=24, choices=ClosureReason.choices, blank=True)
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end_on__gt=models.F("starts_on")), name="mentorship_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ended") | (models.Q(ended_on__isnull=False) & ~models.Q(closure_reason="")),
                name="mentorship_ended_has_date_and_reason",
            ),
            models.UniqueConstraint(
                fields=["mentor", "person"],
                condition=~models.Q(status="ended"),
                name="mentorship_one_open_per_mentor_and_person",
            ),
        ]

    def __str__(self):
        return f"{self.mentor} with {self.person}"


class SessionMode(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    REMOTE = "remote", _("Phone or video")
    OFFICE = "office", _("Office")
    ACCOMPANYING = "accompanying", _("Accompanying to an appointment")


class MentoringSession(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("time (minutes)"))
    mode = models.CharField(_("how"), max_length=16, choices=SessionMode.choices)
    notes = models.TextField(_("confidential notes"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    # The hours claim it became (core, the ledger flow of step 2); one per session.
    claim = models.OneToOneField("earning.HoursClaim", on_delete=models.PROTECT, related_name="mentoring_session")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0, minutes__lte=24 * 60), name="session_minutes_within_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.mentorship} · {self.date}"


class CheckIn(models.Model):
    """A coordinator's match-support contact with the mentor or the person."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="check_ins")
    date = models.DateField(_("date"))
    note = models.TextField(_("note"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"Check-in {self.date}"


class GoalDomain(models.TextChoices):
    HOUSING = "housing", _("Housing")
    MONEY = "money", _("Money and debt")
    PAPERWORK = "paperwork", _("Paperwork")
    EMPLOYMENT = "employment", _("Employment")
    HEALTH = "health", _("Health")
    FAMILY = "family", _("Family")
    LANGUAGE = "language", _("Language")
    SOCIAL_NETWORK = "social_network", _("Social network")
    OTHER = "other", _("The programme's own")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


LEVELS = (-2, -1, 0, 1, 2)


class Goal(models.Model):
    """A goal agreed with the person, scaled for Goal Attainment Scaling: five levels from
    -2 to +2 (0 is the expected outcome), each described in words."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=16, choices=GoalDomain.choices)
    description = models.TextField(_("goal"))
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    # {"-2": "...", "-1": "...", "0": "...", "1": "...", "2": "..."}
    levels = models.JSONField(_("levels"))
    baseline_level = models.SmallIntegerField(_("level at the start"), default=-1)
    status = models.CharField(_("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(baseline_level__gte=-2, baseline_level__lte=2), name="goal_baseline_in_scale"
            ),
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=10), name="goal_weight_range"),
        ]

    def __str__(self):
        return self.description[:60]


class GoalReview(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    level = models.SmallIntegerField(_("level reached"))
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reviewed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=-2, level__lte=2), name="review_level_in_scale"),
        ]

    def __str__(self):
        return f"{self.goal_id} at {self.level} on {self.reviewed_on}"


class AlertKind(models.TextChoices):
    QUIET = "quiet", _("No session for a while")
    OVERDUE = "overdue", _("Past its planned end")


class MentorshipAlert(models.Model):
    """One alert for one occasion: a mentorship quiet since a given date, or past a given
    planned end. The unique constraint makes the beat task safe to run twice."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    occasion = models.DateField()  # the last session (or the start) for quiet; the planned end for overdue
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "kind", "occasion"], name="alert_once_per_occasion"),
        ]

    def __str__(self):
        return f"{self.kind} alert for {self.mentorship_id} ({self.occasion})"
