from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Lower packages may not import orders: they expose registries that orders fills.
        from hubs.selectors import register_cycle_figures
        from hubs.transitions import register_close_handler, register_reopen_handler
        from producers.catalogue_services import register_products_in_use_check
        from producers.partner.strategy import register_strategy_provider

        from .processing import on_cycle_close, on_cycle_reopen
        from .selectors import cycle_order_figures, products_ordered
        from .strategy import cycle_strategy

        register_strategy_provider(cycle_strategy)
        register_cycle_figures(cycle_order_figures)
        register_close_handler(on_cycle_close)
        register_reopen_handler(on_cycle_reopen)
        register_products_in_use_check(products_ordered)
