from django.contrib import admin

from .models import DailyUsage


@admin.register(DailyUsage)
class DailyUsageAdmin(admin.ModelAdmin):
    list_display = ["organization", "date", "metric", "value"]
    list_filter = ["metric"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__account_id"]
    date_hierarchy = "date"
    readonly_fields = ["organization", "date", "metric", "value", "updated_at"]

    def has_add_permission(self, request):
        return False  # reported by the platform (API, import_usage)
