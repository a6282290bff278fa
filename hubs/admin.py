from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from teams.admin import MembershipInline, TeamAdmin

from . import services
from .models import Hub, HubMembership, HubProducer, validate_hub_address


class HubMembershipInline(MembershipInline):
    model = HubMembership


class HubProducerInline(admin.TabularInline):
    model = HubProducer
    extra = 0


class HubAdminForm(forms.ModelForm):
    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if self.instance.pk is None:
            try:
                validate_hub_address(slug)
            except ValidationError as error:
                raise ValidationError(error.message_dict["slug"]) from None
        return slug


@admin.register(Hub)
class HubAdmin(TeamAdmin):
    form = HubAdminForm
    list_display = ["name", "slug", "city", "time_zone", "is_visible"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HubMembershipInline, HubProducerInline]

    def get_readonly_fields(self, request, obj=None):
        # A hub's address (/<slug>/, /hub/<slug>/) is stable once it exists.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "slug"] if obj is not None else readonly

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else super().get_prepopulated_fields(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.hub_created(hub=obj)  # its storefront page, as hub_create does
