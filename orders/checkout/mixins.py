"""The checkout of an order cycle: Oscar's session mechanics (`CheckoutSessionMixin`, its pre-
conditions and session data), fitted to a basket bound to one cycle.

Placing the order goes through `orders.services.order_place` only, never Oscar's
`OrderCreator`: the service recomputes every price, allocates stock and caps, links the
cycle, window, zone and payment method, submits the basket and e-mails the shopper.

Stock history: Oscar's `OrderCreator` allocated stock by saving each stock record, so the
producer's stock history recorded the shopper as the person who changed it, and the checkout
named the order instead. `order_place` allocates with conditional UPDATEs, then records the
stock records it moved in the history under the order's number, never the shopper
(`producers.services.stock_history_note`); so do amending, cancelling and processing.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from oscar.apps.checkout.exceptions import FailedPreCondition
from oscar.apps.checkout.signals import post_checkout
from oscar.core.loading import get_class, get_model

from hubs.models import CycleStatus, OrderCycle
from orders import selectors, services
from orders.business import FIELDS as BUSINESS_FIELDS
from orders.business import Business, customer_profile_save

CheckoutSessionMixin = get_class("checkout.session", "CheckoutSessionMixin")
Basket = get_model("basket", "Basket")

# Where a refusal of the service sends the shopper back to, by the field it names.
STEP_OF_FIELD = {
    "order_cycle": "basket:summary",
    "lines": "basket:summary",
    "guest_email": "checkout:index",
    "pickup_window": "checkout:fulfilment",
    "delivery": "checkout:fulfilment",
    "payment_method": "checkout:payment-method",
    **dict.fromkeys(BUSINESS_FIELDS, "checkout:payment-method"),
}


def login_url() -> str:
    """The sign-in page, coming back to the checkout."""
    return f"{reverse('customer:login')}?{urlencode({'next': reverse('checkout:index')})}"


class BasketAlreadyOrdered(Exception):
    """Another request (a second click on "Place order") is ordering this basket."""


class CycleCheckoutMixin(CheckoutSessionMixin):
    """Pre-conditions and context every step of a cycle's checkout shares."""

    step = 0
    pre_conditions = [
        "check_basket_is_not_empty",
        "check_basket_cycle_is_open",
        "check_guest_checkout_is_allowed",
        "check_basket_lines_can_be_bought",
    ]

    # --- what the steps read ----------------------------------------------------------------

    @cached_property
    def cycle(self) -> OrderCycle | None:
        cycle_id = self.request.basket.cycle_id
        if cycle_id is None:
            return None
        return OrderCycle.objects.select_related("hub").filter(pk=cycle_id).first()

    @cached_property
    def choices(self) -> selectors.CheckoutChoices:
        return selectors.checkout_choices(cycle=self.cycle)

    @cached_property
    def fulfilment(self) -> dict | None:
        """The fulfilment chosen in this session, if it still fits the basket's cycle:
        {"window", "zone", "address", "postcode", "name", "phone", "note"}."""
        data = self.checkout_session.fulfilment()
        if not data or data.get("cycle_id") != self.cycle.pk:
            return None
        window = zone = None
        if data.get("window_id") is not None:
            window = self.choices.window(data["window_id"])
            if window is None:
                return None
        else:
            zone = self.choices.zone(data.get("zone_id"))
            if zone is None or not zone.covers(data.get("postcode") or ""):
                return None
        data.update(window=window, zone=zone)
        return data

    @cached_property
    def payment_method(self):
        return self.choices.payment_method(self.checkout_session.payment_method())

    @cached_property
    def business(self) -> Business | None:
        """The business details given at the payment step (None: a private customer)."""
        data = self.checkout_session.business()
        if not data.get("company_name"):
            return None
        return Business(**{name: data.get(name) or "" for name in BUSINESS_FIELDS})

    @cached_property
    def review(self) -> selectors.BasketReview:
        zone = self.fulfilment["zone"] if self.fulfilment else None
        return selectors.basket_review(cycle=self.cycle, basket=self.request.basket,
                                       delivery_zone=zone)

    def get_context_data(self, **kwargs):
        # Not Oscar's: its submission (shipping address, method, Oscar's totals) has no
        # meaning here. Each step adds what it shows.
        context = super(CheckoutSessionMixin, self).get_context_data(**kwargs)
        context.update(cycle=self.cycle, hub=self.cycle.hub, step=self.step,
                       guest_email=self.checkout_session.get_guest_email())
        return context

    # --- pre-conditions ---------------------------------------------------------------------

    def check_basket_cycle_is_open(self, request):
        cycle = self.cycle
        basket_url = reverse("basket:summary")
        if cycle is None:
            raise FailedPreCondition(url=basket_url, message=_(
                "Your basket is not linked to an order cycle: choose a hub's open cycle and "
                "add your products there."))
        status = cycle.status
        if status == CycleStatus.OPEN:
            return
        with timezone.override(cycle.hub.time_zone):
            if status in (CycleStatus.DRAFT, CycleStatus.UPCOMING):
                message = _("%(cycle)s at %(hub)s is not open for orders yet.")
            else:
                message = _("%(cycle)s at %(hub)s closed on %(closes)s: it no longer takes "
                            "orders.")
            message = message % {
                "cycle": cycle.name, "hub": cycle.hub.name,
                "closes": date_filter(timezone.localtime(cycle.closes_at), "DATETIME_FORMAT")}
        raise FailedPreCondition(url=basket_url, message=message)

    def check_guest_checkout_is_allowed(self, request):
        if request.user.is_authenticated or self.cycle.hub.guest_checkout:
            return
        raise FailedPreCondition(
            url=login_url(),
            message=_("%(hub)s asks shoppers to sign in before ordering: sign in or create "
                      "an account, then check out.") % {"hub": self.cycle.hub.name})

    def check_basket_lines_can_be_bought(self, request):
        review = self.review
        problems = [
            _("%(title)s is not sold in this order cycle: remove it from your basket.")
            % {"title": title} for title in review.missing
        ]
        for line in review.short:
            if line.available:
                problems.append(_("Only %(available)s left of %(title)s: lower the quantity in "
                                  "your basket.") % {"available": line.available,
                                                     "title": line.title})
            else:
                problems.append(_("%(title)s is sold out: remove it from your basket.")
                                % {"title": line.title})
        if problems:
            raise FailedPreCondition(url=reverse("basket:summary"), messages=problems)

    def check_fulfilment_is_captured(self, request):
        if self.fulfilment is None:
            raise FailedPreCondition(
                url=reverse("checkout:fulfilment"),
                message=_("Choose a pickup window or delivery for your order."))

    def check_payment_method_is_captured(self, request):
        if self.payment_method is None:
            raise FailedPreCondition(
                url=reverse("checkout:payment-method"),
                message=_("Choose how you pay for your order."))


class OrderPlacementMixin:
    """Places the basket's order through `orders.services.order_place` and maps what it
    refuses to messages and the step that can fix it."""

    view_signal = post_checkout

    def place_order(self):
        basket = self.request.basket
        fulfilment = self.fulfilment
        user = self.request.user
        with transaction.atomic():
            # Claim the basket first: a second "Place order" (double click, two tabs) finds
            # it no longer open and places nothing.
            claimed = Basket.objects.filter(pk=basket.pk, status=Basket.OPEN).update(
                status=Basket.FROZEN)
            if not claimed:
                raise BasketAlreadyOrdered
            delivery = None
            if fulfilment["zone"] is not None:
                delivery = services.Delivery(zone_id=fulfilment["zone"].pk,
                                             address=fulfilment["address"],
                                             postcode=fulfilment["postcode"])
            order = services.order_place(
                cycle_id=self.cycle.pk,
                lines=[services.LineRequest(line.offer_id, line.quantity)
                       for line in self.review.lines],
                payment_method_id=self.payment_method.pk,
                pickup_window_id=fulfilment["window"].pk if fulfilment["window"] else None,
                delivery=delivery,
                user=user if user.is_authenticated else None,
                guest_email="" if user.is_authenticated else (
                    self.checkout_session.get_guest_email() or ""),
                customer_name=fulfilment["name"],
                phone=fulfilment["phone"],
                note=fulfilment["note"],
                language=translation.get_language() or "",
                basket=basket,
                business=self.business,
            )
            if self.business is not None and user.is_authenticated and (
                    self.checkout_session.business().get("save")):
                customer_profile_save(user=user, business=self.business)
            return order

    def handle_place_order(self):
        try:
            order = self.place_order()
        except services.OrderShort as short:
            for line in short.lines:
                if line["available"]:
                    messages.error(self.request, _(
                        "Only %(available)s left of %(title)s (you asked for %(requested)s): "
                        "lower the quantity and check out again.") % line)
                else:
                    messages.error(self.request, _(
                        "%(title)s sold out while you were checking out: remove it and check "
                        "out again.") % line)
            return HttpResponseRedirect(reverse("basket:summary"))
        except BasketAlreadyOrdered:
            messages.warning(self.request, _("This basket is already being ordered."))
            return HttpResponseRedirect(reverse("basket:summary"))
        except ValidationError as error:
            return self.handle_refusal(error)
        return self.handle_successful_order(order)

    def handle_refusal(self, error: ValidationError):
        fields = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for field_messages in fields.values():
            for message in field_messages:
                messages.error(self.request, message)
        step = next((STEP_OF_FIELD[f] for f in fields if f in STEP_OF_FIELD), "checkout:preview")
        return HttpResponseRedirect(reverse(step))

    def handle_successful_order(self, order):
        self.checkout_session.flush()
        # The thank-you page shows this order, to this session only.
        self.request.session["checkout_order_id"] = order.pk
        response = HttpResponseRedirect(reverse("checkout:thank-you"))
        self.view_signal.send(sender=self, order=order, user=self.request.user,
                              request=self.request, response=response)
        return response
