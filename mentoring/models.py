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
    programme = models.ForeignKey("core.Programme", on_delete=models.PROTECT, related_name="supported_people")
    kind = models.CharField(_("family or individual"), max_length=16, choices=SupportedKind.choices)
    # How coordinators refer to them in lists ("Family Y."), kept short on purpose.
    reference = models.CharField(_("reference"), max_length=80)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    place_name = models.CharField(_("area"), max_length=120, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    referral_source = models.CharField(_("referred by"), max_length=200, blank=True)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

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
