"""Oscar's basket, forked so a basket belongs to one order cycle (and so one hub)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket.abstract_models import AbstractBasket


class Basket(AbstractBasket):
    cycle = models.ForeignKey(
        "hubs.OrderCycle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="baskets",
        verbose_name=_("order cycle"),
    )

    def merge(self, basket, add_quantities=True):
        """A guest's basket merged into the shopper's at sign-in (the checkout sends guests
        to sign in when the hub refuses them) keeps its cycle, unless the shopper's basket
        already holds products of its own cycle."""
        if basket.cycle_id and basket.cycle_id != self.cycle_id and (
                self.cycle_id is None or not self.lines.exists()):
            self.cycle_id = basket.cycle_id
            self.save(update_fields=["cycle"])
        super().merge(basket, add_quantities=add_quantities)

    merge.alters_data = True


from oscar.apps.basket.models import *  # noqa: E402,F403 - Oscar's fork pattern
