from django.contrib import admin

from .models import Hub, HubMembership, HubProducer


class HubMembershipInline(admin.TabularInline):
    model = HubMembership
    extra = 0
    raw_id_fields = ["user"]


class HubProducerInline(admin.TabularInline):
    model = HubProducer
    extra = 0


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "city", "time_zone", "is_visible"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HubMembershipInline, HubProducerInline]
