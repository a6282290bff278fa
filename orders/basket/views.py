"""Oscar's basket views, fitted: a basket whose order cycle is no longer open says so (its
lines are unavailable, so Oscar's checkout refuses them); a refused addition says why once."""

from django.contrib import messages
from django.utils.translation import gettext as _
from oscar.apps.basket import views
from oscar.core.utils import redirect_to_referrer

from hubs.models import CycleStatus, OrderCycle


class BasketView(views.BasketView):
    def get_basket_warnings(self, basket):
        warnings = super().get_basket_warnings(basket)
        if basket.cycle_id and not basket.is_empty:
            cycle = OrderCycle.objects.select_related("hub").filter(pk=basket.cycle_id).first()
            if cycle is not None and cycle.status != CycleStatus.OPEN:
                warnings.insert(0, _(
                    "%(cycle)s at %(hub)s is closed: this basket can no longer be ordered. "
                    "Remove its products to shop in an open cycle."
                ) % {"cycle": cycle.name, "hub": cycle.hub.name})
        return warnings


class BasketAddView(views.BasketAddView):
    def form_invalid(self, form):
        # Oscar joins the errors' text rendering, which escapes them (then the page escapes
        # them again: "hub&amp;#x27;s"); the messages framework escapes them once.
        reasons = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(self.request, " ".join(reasons))
        return redirect_to_referrer(self.request, "basket:summary")
