from django.contrib import admin

from teams.admin import MembershipInline, TeamAdmin

from . import services
from .models import Producer, ProducerMembership


class ProducerMembershipInline(MembershipInline):
    model = ProducerMembership


@admin.register(Producer)
class ProducerAdmin(TeamAdmin):
    list_display = ["name", "slug", "city", "is_visible"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProducerMembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.producer_created(producer=obj)  # its public page, as producer_create does
