"""What a coordinator enters for an impact statement (costs, outcome values, the narrative)
and the statements themselves.

A statement is identified by the checksum of its figures: asking again for the same
figures finds the stored document instead of building another. Each ask is a
`StatementRequest`, which is what a person polls and what the rate limit counts.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField


class CostCategory(models.TextChoices):
    TRAINING = "training", _("Training volunteers")
    SUPPORT = "support", _("Supporting volunteers")
    REWARDS = "rewards", _("Rewards and partner costs")
    OTHER = "other", _("Other running costs")


class ProgrammeCost(models.Model):
    """Money the programme spent, entered by a coordinator; counted in the period it was incurred."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="costs")
    category = models.CharField(_("category"), max_length=16, choices=CostCategory.choices)
    description = models.CharField(_("description"), max_length=200)
    incurred_on = models.DateField(_("incurred on"))
    amount = MoneyField(_("amount"), max_digits=12, decimal_places=2, default_currency="GBP")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incurred_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="impact_cost_positive"),
            models.CheckConstraint(condition=models.Q(category__in=CostCategory.values), name="impact_cost_category"),
        ]

    def __str__(self):
        return f"{self.description} ({self.amount})"


class OutcomeBasis(models.TextChoices):
    GOALS_ACHIEVED = "goals_achieved", _("Each goal achieved")
    MENTORSHIPS_GOALS_MET = "mentorships_goals_met", _("Each mentorship closed with its goals met")
    RECORDED = "recorded", _("Each outcome the coordinator records")


class OutcomeValue(models.Model):
    """An estimated saving per outcome, for example per eviction avoided, with the share that
    would have happened anyway (deadweight) and the share due to others (attribution)."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="outcome_values")
    name = models.CharField(_("outcome"), max_length=120)
    basis = models.CharField(_("counted as"), max_length=24, choices=OutcomeBasis.choices)
    unit_value = MoneyField(_("saving per outcome"), max_digits=12, decimal_places=2, default_currency="GBP")
    deadweight_percent = models.PositiveSmallIntegerField(_("deadweight (%)"), default=0)
    attribution_percent = models.PositiveSmallIntegerField(_("attributed to others (%)"), default=0)
    source = models.CharField(_("source of the value"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="impact_outcome_name_unique"),
            models.CheckConstraint(condition=models.Q(unit_value__gt=0), name="impact_outcome_value_positive"),
            models.CheckConstraint(condition=models.Q(deadweight_percent__lte=100), name="impact_deadweight_max"),
            models.CheckConstraint(condition=models.Q(attribution_percent__lte=100), name="impact_attribution_max"),
            models.CheckConstraint(condition=models.Q(basis__in=OutcomeBasis.values), name="impact_outcome_basis"),
        ]

    def __str__(self):
        return self.name


class OutcomeRecord(models.Model):
    """How many times a recorded outcome happened on a date (no names: a count)."""

    outcome = models.ForeignKey(OutcomeValue, on_delete=models.CASCADE, related_name="records")
    occurred_on = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("how many"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(count__gte=1), name="impact_record_count_positive")]

    def __str__(self):
        return f"{self.count} × {self.outcome_id} on {self.occurred_on}"


class ImpactNarrative(models.Model):
    """The coordinator's words for a period: what happened, and one case study without names.
    A statement uses the narrative of its programme whose period overlaps its own and ends latest."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="impact_narratives")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    narrative = models.TextField(_("what happened"))
    case_study = models.TextField(_("case study"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-end", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="impact_narrative_period"),
            models.UniqueConstraint(fields=["programme", "start", "end"], name="impact_narrative_once_per_period"),
        ]

    def __str__(self):
        return f"{self.programme_id} {self.start}–{self.end}"


class ImpactStatement(models.Model):
    """One built document: the figures (the JSON file itself) and the PDF and CSV made from them."""

    checksum = models.CharField(max_length=64, unique=True)  # sha256 of figures_json
    programmes = models.ManyToManyField("accounts.Programme", related_name="impact_statements")
    start = models.DateField()
    end = models.DateField()
    figures_json = models.TextField()
    csv = models.TextField()
    pdf = models.BinaryField()
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-built_at", "-id"]

    def __str__(self):
        return f"Impact statement {self.start}–{self.end} ({self.checksum[:12]})"


class RequestStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class StatementRequest(models.Model):
    """One person asking for a statement of some programmes over a period."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    programmes = models.ManyToManyField("accounts.Programme", related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    include_demographics = models.BooleanField(_("include aggregated demographics"), default=False)
    # Who the cover says it was prepared for (a funder, or a coordinator's preview).
    prepared_for = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, for the waiting page
    stage = models.CharField(max_length=80, blank=True)
    error = models.CharField(max_length=300, blank=True)
    statement = models.ForeignKey(
        ImpactStatement, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="impact_request_period"),
            models.CheckConstraint(condition=models.Q(status__in=RequestStatus.values), name="impact_request_status"),
            models.CheckConstraint(
                condition=~models.Q(status=RequestStatus.READY) | models.Q(statement__isnull=False),
                name="impact_ready_has_statement",
            ),
        ]

    def __str__(self):
        return f"Statement request {self.pk} ({self.status})"
