"""Oscar's basket forms; Oscar's class loader takes a form from here when it is defined here."""

from django.utils.translation import gettext as _
from oscar.apps.basket.forms import BasketLineForm as OscarBasketLineForm


class BasketLineForm(OscarBasketLineForm):
    """A basket line whose quantity input says which product it counts: the basket shows the
    column's "Quantity" heading only on wide screens, and a screen reader never ties it to
    the input."""

    def __init__(self, strategy, *args, **kwargs):
        super().__init__(strategy, *args, **kwargs)
        if self.instance.id:
            self.fields["quantity"].widget.attrs["aria-label"] = _(
                "Quantity of %(product)s"
            ) % {"product": self.instance.description}
