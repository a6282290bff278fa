"""The checkout's forms: who orders (guests), how the order is fulfilled, how it is paid (and
the business details of a business customer).

Choices are built from the basket's cycle (`orders.selectors.checkout_choices`), so a window
of another cycle or a payment method of another hub is not a valid choice: a tampered value
gets a form error, never an order."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import time as time_filter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.forms import BusinessDetailsForm

DELIVERY = "delivery"
PICKUP_PREFIX = "pickup-"

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ().-]{4,28}[0-9]$",
    gettext_lazy("Enter a phone number: digits, spaces and an optional leading +."),
)


RADIOS = forms.RadioSelect(attrs={"class": "form-check-input"})


class GuestForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"), max_length=254,
        help_text=gettext_lazy("We send your order confirmation there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def window_label(window) -> str:
    """"Friday 12 June, 17:00–19:00" (the window's times are the hub's local times)."""
    return _("%(date)s, %(start)s–%(end)s") % {
        "date": date_filter(window.date, "l j F"),
        "start": time_filter(window.start_time, "H:i"),
        "end": time_filter(window.end_time, "H:i"),
    }


class FulfilmentForm(forms.Form):
    """A pickup window of the cycle, or delivery to an address in one of the hub's zones."""

    fulfilment = forms.ChoiceField(
        label=gettext_lazy("How do you get your order?"), widget=RADIOS,
        error_messages={
            "required": gettext_lazy("Choose a pickup window or delivery."),
            "invalid_choice": gettext_lazy(
                "Choose one of the pickup windows or the delivery listed here."),
        },
    )
    address = forms.CharField(
        label=gettext_lazy("Delivery address"), max_length=300, required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=gettext_lazy("Postcode"), max_length=12, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "size": 8}),
    )
    name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=120,
        help_text=gettext_lazy("The hub hands your order over under this name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"), max_length=30, required=False,
        validators=[phone_validator],
        help_text=gettext_lazy("Needed for deliveries."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the hub"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.windows = {f"{PICKUP_PREFIX}{w.pk}": w for w in choices.pickup_windows}
        options = [(value, f"{w.pickup_point.name} — {window_label(w)}")
                   for value, w in self.windows.items()]
        if choices.zones:
            options.append((DELIVERY, _("Delivery to your address")))
        self.fields["fulfilment"].choices = options

    def pickup_options(self):
        """(radio, window) for each pickup window, for the template."""
        radios = {radio.data["value"]: radio for radio in self["fulfilment"]}
        return [(radios[value], window) for value, window in self.windows.items()]

    def delivery_option(self):
        return next((radio for radio in self["fulfilment"] if radio.data["value"] == DELIVERY),
                    None)

    def clean_postcode(self):
        return self.cleaned_data["postcode"].strip().upper()

    def clean(self):
        data = super().clean()
        choice = data.get("fulfilment")
        data["window"] = self.windows.get(choice)
        data["zone"] = None
        if choice != DELIVERY:
            return data
        for name, message in (
            ("address", _("Enter the delivery address.")),
            ("postcode", _("Enter the postcode of the delivery address.")),
            ("phone", _("Enter a phone number for the delivery.")),
        ):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        postcode = data.get("postcode")
        if postcode:
            data["zone"] = self.choices.zone_for(postcode)
            if data["zone"] is None:
                self.add_error("postcode", _(
                    "We do not deliver to %(postcode)s. Deliveries go to: %(zones)s.") % {
                        "postcode": postcode,
                        "zones": "; ".join(f"{z.name} ({z.postcodes})"
                                           for z in self.choices.zones)})
        return data


class PaymentMethodForm(BusinessDetailsForm):
    """How the order is paid and, for a business customer ("I am buying for a business"),
    the details its invoice is made out to, optionally saved to the shopper's account."""

    payment_method = forms.ChoiceField(
        label=gettext_lazy("How do you pay?"), widget=RADIOS,
        error_messages={
            "required": gettext_lazy("Choose how you pay."),
            "invalid_choice": gettext_lazy("Choose one of the payment methods listed here."),
        },
    )
    is_business = forms.BooleanField(
        label=gettext_lazy("I am buying for a business"), required=False,
        help_text=gettext_lazy("Your invoice is then made out to the company below."),
    )
    save_business = forms.BooleanField(
        label=gettext_lazy("Save these details in my account for my next orders"),
        required=False,
    )

    def __init__(self, *args, methods, can_save: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.methods = {str(method.pk): method for method in methods}
        self.fields["payment_method"].choices = [
            (value, method.name) for value, method in self.methods.items()]
        if not can_save:  # guests have no account to save them in
            del self.fields["save_business"]

    def options(self):
        """(radio, method) for each payment method, for the template."""
        return [(radio, self.methods[radio.data["value"]])
                for radio in self["payment_method"]]

    def wants_business(self, data: dict) -> bool:
        return bool(data.get("is_business"))

    def clean(self):
        data = super().clean()
        data["method"] = self.methods.get(data.get("payment_method"))
        data["save_business"] = bool(data.get("save_business")) and data["business"] is not None
        return data
