from django.contrib import admin

from timebank.accounts.admin import AuditedAdmin, ReadOnlyAdmin
from timebank.volunteers.models import Skill, VolunteerProfile


@admin.register(Skill)
class SkillAdmin(AuditedAdmin):
    list_display = ["name", "programme"]
    list_filter = ["programme"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "membership_number", "place_name"]
    search_fields = ["full_name", "membership_number"]
