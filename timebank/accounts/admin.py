"""Django admin for administrators: setting up organisations, programmes, roles and rules.

Catalogue and role changes made here are audited like service calls. Records
about people (profiles, training, checks, consents) are read-only here: they
change only through the services, which validate and audit them.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from timebank.accounts.models import AuditEntry, Membership, Organisation, Programme, User
from timebank.accounts.services.audit import audit_record


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin.{'change' if change else 'add'}",
            target=obj,
            programme=getattr(obj, "programme", None) if not isinstance(obj, Programme) else obj,
            changes={name: form.cleaned_data.get(name) for name in form.changed_data},
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.delete", target=obj, changes={"was": str(obj)})
        super().delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class TimebankUserAdmin(UserAdmin):
    pass


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "slug", "hourly_value"]
    list_filter = ["organisation"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "programme", "role", "status", "status_since"]
    list_filter = ["programme", "role", "status"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "programme"]
    list_filter = ["action", "programme"]
