"""Django admin of close processing: invoices and credit notes, read only (an issued invoice
is never edited or deleted; a correction is a credit note, issued from the hub's order page)."""

from django.contrib import admin

from .models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "customer_name", "total_incl_tax", "issued_at", "hub"]
    list_filter = ["kind", "is_business"]
    search_fields = ["number", "customer_name"]
    list_select_related = ["hub"]
    date_hierarchy = "issued_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
