from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleOrder(models.Model):
    """Which order cycle (and so which hub) an Oscar order was placed in."""

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="cycle_link")
    cycle = models.ForeignKey(
        "hubs.OrderCycle", on_delete=models.PROTECT, related_name="cycle_orders"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order in a cycle")
        verbose_name_plural = _("orders in cycles")

    def __str__(self) -> str:
        return f"{self.order} in {self.cycle}"
