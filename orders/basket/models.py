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


from oscar.apps.basket.models import *  # noqa: E402,F403 - Oscar's fork pattern
