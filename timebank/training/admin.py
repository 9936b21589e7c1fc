from django.contrib import admin

from timebank.accounts.admin import AuditedAdmin, ReadOnlyAdmin
from timebank.training.models import BackgroundCheck, CheckType, Course, RoleRequirement, TrainingRecord


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    list_display = ["name", "programme", "validity_months", "active"]
    list_filter = ["programme"]


@admin.register(CheckType)
class CheckTypeAdmin(AuditedAdmin):
    list_display = ["name", "programme", "validity_months", "covers_children", "covers_vulnerable_adults"]
    list_filter = ["programme"]


@admin.register(RoleRequirement)
class RoleRequirementAdmin(AuditedAdmin):
    list_display = ["programme", "role", "course", "check_type"]
    list_filter = ["programme", "role"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "course", "completed_on", "expires_on", "verified_at"]


@admin.register(BackgroundCheck)
class BackgroundCheckAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "check_type", "issued_on", "expires_on", "verified_at"]
