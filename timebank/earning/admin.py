"""Earning in the admin: read-only. Claims and sessions change only through the services,
which check the rules, move the credits and write the audit entry."""

from django.contrib import admin

from timebank.accounts.admin import ReadOnlyAdmin
from timebank.earning.models import Activity, ActivitySession, HoursClaim


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["name", "programme", "credit_rule", "active"]
    list_filter = ["programme", "active"]


@admin.register(ActivitySession)
class ActivitySessionAdmin(ReadOnlyAdmin):
    list_display = ["activity", "date", "duration_minutes"]
    list_filter = ["activity__programme"]


@admin.register(HoursClaim)
class HoursClaimAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "activity", "date", "minutes", "status"]
    list_filter = ["programme", "status"]
    list_select_related = ["volunteer", "activity"]
