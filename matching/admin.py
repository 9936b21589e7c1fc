"""Admin for matching: a programme's score weights are set here (audited); needs, matches
and batch runs are read-only, since they change only through the services."""

from django.contrib import admin

from matching import models
from timebank.accounts.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(models.MatchingWeights)
class MatchingWeightsAdmin(AuditedAdmin):
    list_display = ["programme", "skills", "languages", "distance", "availability", "topics", "continuity", "load"]


@admin.register(models.Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ["title", "programme", "kind", "starts_at", "capacity", "status"]
    list_filter = ["programme", "kind", "status"]


@admin.register(models.Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["need", "volunteer", "status", "score", "created_at"]
    list_filter = ["status"]


@admin.register(models.BatchRun)
class BatchRunAdmin(ReadOnlyAdmin):
    list_display = ["programme", "status", "progress", "places_filled", "places_open", "total_score", "created_at"]
