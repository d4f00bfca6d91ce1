from django.contrib import admin

from casework.admin import PolicyAdmin, admin_site
from reporting.models import Indicator


@admin.register(Indicator, site=admin_site)
class IndicatorAdmin(PolicyAdmin):
    policy_resource = "indicator"
    list_display = ["code", "sector", "name", "activity_name", "rmrp", "is_active"]
    list_filter = ["sector", "rmrp", "is_active"]
    search_fields = ["code", "name"]
