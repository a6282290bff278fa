from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Storefront pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from oscar.apps.customer.signals import user_registered

        from . import receivers

        user_registered.connect(receivers.enqueue_welcome_email, dispatch_uid="cms-welcome")
