"""The admins' management UI (Django's admin), limited by the same permission layer as the API:
only the `admin` role enters, and it manages users, organisations, sites, locations and tokens."""
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from casework import accounts, audit
from casework.codes import Role
from casework.models import ApiToken, AuditEvent, CaseActivityType, Location, Organisation, Site, User
from casework.permissions import can


class CaminosAdminSite(admin.AdminSite):
    site_header = _("Caminos administration")
    site_title = _("Caminos administration")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_authenticated and request.user.role == Role.ADMIN


HIDDEN = "(hidden)"


class PolicyAdmin(admin.ModelAdmin):
    """Django admin permissions answered by casework.permissions."""

    policy_resource = None

    def has_module_permission(self, request):
        return can(request.user, self.policy_resource, "list")

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.policy_resource, "retrieve")

    def has_add_permission(self, request):
        return can(request.user, self.policy_resource, "create")

    def has_change_permission(self, request, obj=None):
        return can(request.user, self.policy_resource, "update")

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: records keep pointing at these entries

    # Fields whose values stay out of the audit trail (secrets); that they changed is still recorded.
    audit_hidden_fields = ()

    def save_model(self, request, obj, form, change):
        """Saved and audited like a change through the API: who changed which reference entry (an
        indicator mapping moves the monthly figures), with the values before and after."""
        before = audit.snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if not change:
            audit.record(actor=request.user, action=AuditEvent.Action.CREATE, instance=obj,
                         changes={"after": self._hidden(audit.snapshot(obj))})
            return
        changes = audit.diff(before, audit.snapshot(obj))
        for name in set(self.audit_hidden_fields) & set(changes):
            changes[name] = {"before": HIDDEN, "after": HIDDEN}
        if changes:
            audit.record(actor=request.user, action=AuditEvent.Action.UPDATE, instance=obj, changes=changes)

    def _hidden(self, values):
        return {name: HIDDEN if name in self.audit_hidden_fields else value for name, value in values.items()}


admin_site = CaminosAdminSite(name="admin")


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(PolicyAdmin):
    policy_resource = "organisation"
    list_display = ["code", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Site, site=admin_site)
class SiteAdmin(PolicyAdmin):
    policy_resource = "site"
    list_display = ["code", "name", "kind", "location", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["location"]


@admin.register(Location, site=admin_site)
class LocationAdmin(PolicyAdmin):
    policy_resource = "location"
    list_display = ["pcode", "name", "admin_level", "parent"]
    list_filter = ["admin_level"]
    search_fields = ["pcode", "name"]


class UserAdminForm(forms.ModelForm):
    new_password = forms.CharField(label=_("New password"), required=False, widget=forms.PasswordInput,
                                   help_text=_("Leave empty to keep the current password."))

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "sites", "is_active"]

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if password:
            validate_password(password, self.instance)
        return password


@admin.register(User, site=admin_site)
class UserAdmin(PolicyAdmin):
    policy_resource = "user"
    form = UserAdminForm
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "sites"]
    search_fields = ["username", "first_name", "last_name", "email"]
    filter_horizontal = ["sites"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(organisation_id=request.user.organisation_id)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("username", "first_name", "last_name", "email", "role",
                                                           "is_active")}
        original = User.objects.get(pk=obj.pk) if change else None
        saved = accounts.save_user(
            actor=request.user, user=original, organisation=request.user.organisation,
            password=form.cleaned_data.get("new_password") or None, sites=list(form.cleaned_data["sites"]), **data,
        )
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """Sites were saved (and audited) with the user in save_model."""


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(PolicyAdmin):
    policy_resource = "api_token"
    list_display = ["prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__organisation_id=request.user.organisation_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            accounts.revoke_token(actor=request.user, token=token)
        messages.success(request, _("Tokens revoked."))




@admin.register(CaseActivityType, site=admin_site)
class CaseActivityTypeAdmin(PolicyAdmin):
    """Which RMRP indicator each kind of case work counts under: an M&E decision admins keep."""

    policy_resource = "case_activity_type"
    list_display = ["code", "name", "indicator", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["indicator"]
