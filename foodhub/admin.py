"""Django admin: API tokens can be seen and revoked (deleted), never created or read back."""

from django.contrib import admin

from foodhub.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created", "expires_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "name", "prefix"]
    readonly_fields = ["user", "prefix", "name", "created", "expires_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
