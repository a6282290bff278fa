from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Storefront pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from oscar.apps.customer.signals import user_registered

        from hubs.services import register_hub_created_handler
        from producers.services import register_producer_created_handler
        from teams.services import register_membership_handler

        from . import receivers, services

        user_registered.connect(receivers.enqueue_welcome_email, dispatch_uid="cms-welcome")
        # Lower packages may not import cms: they call what cms registers here.
        register_hub_created_handler(services.storefront_for_new_hub)
        register_producer_created_handler(services.producer_page_for_new_producer)
        register_membership_handler(services.storefront_editors_sync)
        post_migrate.connect(receivers.backfill_storefronts, sender=self,
                             dispatch_uid="cms-storefronts")
