from django.urls import path
from oscar.apps.checkout import apps


class CheckoutConfig(apps.CheckoutConfig):
    """Oscar's checkout fitted to order cycles: the shipping address and method steps become
    one fulfilment step (pickup window or delivery), the payment step offers the hub's payment
    methods, and placing goes through `orders.services.order_place`."""

    name = "orders.checkout"

    def ready(self):
        from . import views

        self.index_view = views.GatewayView
        self.fulfilment_view = views.FulfilmentView
        self.payment_method_view = views.PaymentMethodView
        self.preview_view = views.PreviewView
        self.thankyou_view = views.ThankYouView

    def get_urls(self):
        urls = [
            path("", self.index_view.as_view(), name="index"),
            path("fulfilment/", self.fulfilment_view.as_view(), name="fulfilment"),
            path("payment-method/", self.payment_method_view.as_view(), name="payment-method"),
            path("preview/", self.preview_view.as_view(), name="preview"),
            path("thank-you/", self.thankyou_view.as_view(), name="thank-you"),
        ]
        return self.post_process_urls(urls)
