"""Oscar's basket middleware, with baskets kept to one order cycle when they merge.

Signing in merges the basket filled before (a cookie's) into the account's basket. Oscar
would mix their lines; a basket holds one cycle's products, so when the two belong to
different cycles the one just filled wins and the shopper is told what was removed.
"""

from django.contrib import messages
from django.utils.translation import gettext as _
from oscar.apps.basket.middleware import BasketMiddleware as OscarBasketMiddleware


class BasketMiddleware(OscarBasketMiddleware):
    def merge_baskets(self, master, slave):
        if not slave.is_empty and master.cycle_id != slave.cycle_id:
            if not master.is_empty:
                master.removed_on_merge = master.num_items
                master.flush()
            master.cycle_id = slave.cycle_id
            master.save(update_fields=["cycle"])
        return super().merge_baskets(master, slave)

    def get_basket(self, request):
        basket = super().get_basket(request)
        removed = getattr(basket, "removed_on_merge", 0)
        if removed:
            basket.removed_on_merge = 0
            messages.warning(request, _(
                "Your basket now holds the products you just chose; the %(n)s items saved "
                "in your account from another order cycle were removed."
            ) % {"n": removed})
        return basket
