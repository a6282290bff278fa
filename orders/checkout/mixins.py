"""Oscar's order placement, with stock allocations recorded as made by the order."""

from oscar.apps.checkout import mixins

from producers.stock_history import ORDER, stock_history_source


class OrderPlacementMixin(mixins.OrderPlacementMixin):
    def place_order(self, order_number, *args, **kwargs):
        # Placing the order allocates stock: the producer's stock history should say
        # "Order 100023", not the shopper's e-mail as if they had edited the stock.
        with stock_history_source(kind=ORDER, reference=str(order_number)):
            return super().place_order(order_number, *args, **kwargs)
