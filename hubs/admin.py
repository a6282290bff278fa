from django.contrib import admin

from teams.admin import MembershipInline, TeamAdmin

from .models import Hub, HubMembership, HubProducer


class HubMembershipInline(MembershipInline):
    model = HubMembership


class HubProducerInline(admin.TabularInline):
    model = HubProducer
    extra = 0


@admin.register(Hub)
class HubAdmin(TeamAdmin):
    list_display = ["name", "slug", "city", "time_zone", "is_visible"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HubMembershipInline, HubProducerInline]
