from django.contrib import admin

from .models import Producer, ProducerMembership


class ProducerMembershipInline(admin.TabularInline):
    model = ProducerMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Producer)
class ProducerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "city", "is_visible"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProducerMembershipInline]
