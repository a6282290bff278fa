from django.contrib import admin

from teams.admin import MembershipInline, TeamAdmin

from .models import Producer, ProducerMembership


class ProducerMembershipInline(MembershipInline):
    model = ProducerMembership


@admin.register(Producer)
class ProducerAdmin(TeamAdmin):
    list_display = ["name", "slug", "city", "is_visible"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProducerMembershipInline]
