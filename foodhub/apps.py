from django.apps import AppConfig


class FoodhubConfig(AppConfig):
    name = "foodhub"
    verbose_name = "Foodhub"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.core import checks
        from django.db.models.signals import post_save

        from foodhub import receivers
        from foodhub.checks import private_root_check, trusted_proxies_check

        checks.register(trusted_proxies_check, checks.Tags.security)
        checks.register(private_root_check, checks.Tags.security)

        post_save.connect(
            receivers.revoke_api_tokens_on_password_change,
            sender=get_user_model(),
            dispatch_uid="foodhub-revoke-api-tokens-on-password-change",
        )
