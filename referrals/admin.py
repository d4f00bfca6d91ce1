"""Admins manage the service directory and partners' webhook endpoints, and watch the deliveries."""
from django.contrib import admin

from casework.admin import PolicyAdmin, admin_site
from casework.permissions import can
from referrals.models import ServiceOffer, ServiceType, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(ServiceType, site=admin_site)
class ServiceTypeAdmin(PolicyAdmin):
    policy_resource = "service"
    list_display = ["code", "name", "sector", "indicator", "is_active"]
    list_filter = ["sector", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ServiceOffer, site=admin_site)
class ServiceOfferAdmin(PolicyAdmin):
    policy_resource = "service"
    list_display = ["organisation", "service_type", "contact_name", "contact_email", "contact_phone", "is_active"]
    list_filter = ["service_type", "is_active"]
    search_fields = ["organisation__name", "organisation__code", "contact_name"]
    autocomplete_fields = ["locations"]
    list_select_related = ["organisation", "service_type"]


@admin.register(WebhookEndpoint, site=admin_site)
class WebhookEndpointAdmin(PolicyAdmin):
    policy_resource = "webhook"
    audit_hidden_fields = ("secret",)
    list_display = ["organisation", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["organisation"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "at", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return can(request.user, "webhook", "retrieve")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery, site=admin_site)
class WebhookDeliveryAdmin(PolicyAdmin):
    policy_resource = "webhook"
    list_display = ["id", "endpoint", "event", "state", "attempts", "created_at", "delivered_at"]
    list_filter = ["state", "event"]
    list_select_related = ["endpoint__organisation"]
    # The body holds a person's name; admins see that it was sent and how it went.
    fields = ["id", "endpoint", "referral", "event", "state", "attempts", "created_at", "delivered_at"]
    readonly_fields = fields
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
