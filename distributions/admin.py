from django.contrib import admin

from casework.admin import PolicyAdmin, admin_site
from distributions import services
from distributions.models import Commodity


@admin.register(Commodity, site=admin_site)
class CommodityAdmin(PolicyAdmin):
    """The catalogue, for admins: sector and indicator a commodity reports under, its unit, whether it is active."""

    policy_resource = "commodity"
    list_display = ["code", "name", "name_es", "category", "unit", "sector", "indicator", "tracks_stock", "is_active"]
    list_filter = ["category", "sector", "is_active"]
    search_fields = ["code", "name", "name_es", "indicator"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through the service, so that the change is audited like one made through the API."""
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data}
        saved = services.save_commodity(actor=request.user, commodity=Commodity.objects.get(pk=obj.pk) if change
                                        else None, **fields)
        obj.pk = saved.pk
