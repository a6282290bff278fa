"""The steps of a cycle's checkout: who (signed in, or a guest if the hub allows), how the order
is fulfilled (pickup window or delivery), how it is paid, the review, then the thank-you page.
Thin views: choices and prices come from `orders.selectors`, placing from `orders.services`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views import generic
from oscar.apps.checkout import signals

from orders import selectors
from orders.business import Business
from orders.invoice_selectors import customer_profile

from .forms import DELIVERY, PICKUP_PREFIX, FulfilmentForm, GuestForm, PaymentMethodForm
from .mixins import CycleCheckoutMixin, OrderPlacementMixin, login_url

WITH_EMAIL = [*CycleCheckoutMixin.pre_conditions, "check_user_email_is_captured"]
WITH_FULFILMENT = [*WITH_EMAIL, "check_fulfilment_is_captured"]
WITH_PAYMENT = [*WITH_FULFILMENT, "check_payment_method_is_captured"]


class GatewayView(CycleCheckoutMixin, generic.FormView):
    """Signed-in shoppers go straight on; guests give their e-mail (if the hub allows them)."""

    template_name = "oscar/checkout/gateway.html"
    form_class = GuestForm
    step = 1

    def get_success_url(self):
        return reverse("checkout:fulfilment")

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            signals.start_checkout.send_robust(sender=self, request=request)
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"email": self.checkout_session.get_guest_email() or ""}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["login_url"] = login_url()
        return context

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        self.checkout_session.set_guest_email(email)
        signals.start_checkout.send_robust(sender=self, request=self.request, email=email)
        return super().form_valid(form)


class FulfilmentView(CycleCheckoutMixin, generic.FormView):
    """Replaces Oscar's shipping address and method steps."""

    template_name = "oscar/checkout/fulfilment.html"
    form_class = FulfilmentForm
    pre_conditions = WITH_EMAIL
    step = 2

    def get_success_url(self):
        return reverse("checkout:payment-method")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["choices"] = self.choices
        return kwargs

    def get_initial(self):
        chosen = self.fulfilment
        user = self.request.user
        if chosen is None:
            return {"name": user.get_full_name() if user.is_authenticated else ""}
        choice = f"{PICKUP_PREFIX}{chosen['window'].pk}" if chosen["window"] else DELIVERY
        return {"fulfilment": choice, **{key: chosen[key] for key in (
            "address", "postcode", "name", "phone", "note")}}

    def form_valid(self, form):
        data = form.cleaned_data
        self.checkout_session.set_fulfilment(
            cycle_id=self.cycle.pk,
            window_id=data["window"].pk if data["window"] else None,
            zone_id=data["zone"].pk if data["zone"] else None,
            address=data["address"] if data["zone"] else "",
            postcode=data["postcode"] if data["zone"] else "",
            name=data["name"], phone=data["phone"], note=data["note"],
        )
        return super().form_valid(form)


class PaymentMethodView(CycleCheckoutMixin, generic.FormView):
    template_name = "oscar/checkout/payment_method.html"
    form_class = PaymentMethodForm
    pre_conditions = WITH_FULFILMENT
    step = 3

    def get_success_url(self):
        return reverse("checkout:preview")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["methods"] = self.choices.payment_methods
        kwargs["can_save"] = self.request.user.is_authenticated
        return kwargs

    def get_initial(self):
        """The choices made earlier in this checkout; else the business details saved in the
        shopper's account (ticked: a shopper who saved them usually buys for the business)."""
        method = self.payment_method
        initial = {"payment_method": str(method.pk)} if method else {}
        saved = self.checkout_session.business()
        business = self.business or (None if saved else Business.from_profile(
            customer_profile(user=self.request.user)))
        if business is not None:
            initial.update(business.as_dict(), is_business=True,
                           save_business=bool(saved.get("save")))
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        self.checkout_session.pay_by(data["method"].pk)
        business = data["business"]
        self.checkout_session.set_business(business.as_dict() if business else None,
                                           save=data["save_business"])
        return super().form_valid(form)


class PreviewView(CycleCheckoutMixin, OrderPlacementMixin, generic.TemplateView):
    """Oscar's preview: every line with its breakdown, fees, VAT per rate, totals; placing."""

    template_name = "oscar/checkout/preview.html"
    pre_conditions = WITH_PAYMENT
    step = 4

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(review=self.review, fulfilment=self.fulfilment,
                       payment_method=self.payment_method, business=self.business)
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != "place_order":
            return redirect("checkout:preview")
        if self.review.minimum_warnings:
            for warning in self.review.minimum_warnings:
                messages.error(request, warning)
            return redirect("basket:summary")
        return self.handle_place_order()


class ThankYouView(generic.TemplateView):
    """The order this session just placed: number, lines, pickup or delivery, payment."""

    template_name = "oscar/checkout/thank_you.html"

    def get_order(self):
        order_id = self.request.session.get("checkout_order_id")
        if self.request.user.is_superuser:
            # As Oscar: platform admins may look at any order's confirmation.
            number = self.request.GET.get("order_number", "")
            match = selectors.Order.objects.filter(number=number).values_list(
                "pk", flat=True).first() if number else None
            order_id = match or order_id
        if not isinstance(order_id, int):
            return None
        try:
            return selectors.order_detail(order_id=order_id)
        except selectors.Order.DoesNotExist:
            return None

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        if order is None:
            return redirect(settings.OSCAR_HOMEPAGE)
        return self.render_to_response(self.get_context_data(order=order, step=5))

