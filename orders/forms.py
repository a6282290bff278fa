"""Forms of the order pages: changing an order (shopper and hub manager), filtering a
cycle's orders, and a business customer's details. Typed numbers and ids are read by form
fields, never by int()."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from oscar.templatetags.currency_filters import currency

from producers.parsing import MAX_ID

from . import transitions
from .business import ADDRESS_MAX, COMPANY_MAX, Business, business_clean
from .business import FIELDS as BUSINESS_FIELDS
from .services import MAX_QUANTITY, LineRequest


def _offer_label(choice: dict, currency_code: str) -> str:
    left = (_("on demand") if choice["available"] is None
            else _("%(n)s left") % {"n": choice["available"]})
    return " · ".join([choice["title"], choice["producer"],
                       currency(choice["price"], currency_code), str(left)])


class AmendForm(forms.Form):
    """One quantity per line of the order (0 removes it) and one product of the cycle to add.

    `lines`: the order's lines; `choices`: `selectors.amend_offer_choices`. The product to add
    is read as an id: the service checks it is an offer of the order's cycle."""

    add_offer = forms.IntegerField(
        label=_("Add a product"), required=False, min_value=1, max_value=MAX_ID,
        widget=forms.Select,
    )
    add_quantity = forms.IntegerField(
        label=_("Quantity to add"), required=False, min_value=1, max_value=MAX_QUANTITY,
        initial=1,
    )

    def __init__(self, *args, lines, choices, currency_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[self.line_field(line)] = forms.IntegerField(
                label=_("Quantity of %(title)s") % {"title": line.title},
                min_value=0, max_value=MAX_QUANTITY, initial=line.quantity,
            )
        self.fields["add_offer"].widget.choices = [("", _("— choose a product —"))] + [
            (choice["offer"].pk, _offer_label(choice, currency_code)) for choice in choices
        ]
        # Keep the product order of the page: line fields first, then the one to add.
        order = [self.line_field(line) for line in self.lines] + ["add_offer", "add_quantity"]
        self.order_fields(order)

    @staticmethod
    def line_field(line) -> str:
        return f"line-{line.pk}"

    def line_rows(self):
        """(line, its bound quantity field) for the template."""
        return [(line, self[self.line_field(line)]) for line in self.lines]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("add_offer") and not data.get("add_quantity"):
            self.add_error("add_quantity", _("Enter how many to add."))
            return data
        kept = [line for line in self.lines if data.get(self.line_field(line))]
        if not kept and not data.get("add_offer"):
            raise forms.ValidationError(
                _("An order needs at least one product: to remove them all, cancel the order.")
            )
        return data

    def line_requests(self) -> list[LineRequest]:
        data = self.cleaned_data
        wanted = [
            LineRequest(line.offer_id, data[self.line_field(line)])
            for line in self.lines if data[self.line_field(line)]
        ]
        if data.get("add_offer"):
            wanted.append(LineRequest(data["add_offer"], data["add_quantity"]))
        return wanted


class OfferSearchForm(forms.Form):
    """Narrows the list of products to add to an order."""

    q = forms.CharField(label=_("Find a product to add"), required=False, max_length=100)


class CycleOrderFilterForm(forms.Form):
    """Filters of a cycle's orders page: status, pickup point, window, customer."""

    q = forms.CharField(label=_("Customer (name, e-mail) or order number"), required=False,
                        max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    point = forms.TypedChoiceField(label=_("Pickup point"), required=False, coerce=int,
                                   empty_value=None)
    window = forms.TypedChoiceField(label=_("Window"), required=False, coerce=int,
                                    empty_value=None)

    def __init__(self, *args, points, windows, **kwargs):
        super().__init__(*args, **kwargs)
        self.points = {point.pk: point for point in points}
        self.windows = {window.pk: window for window in windows}
        self.fields["status"].choices = [("", _("Any status"))] + [
            (code, label) for code, label in transitions.STATUS_LABELS.items()
        ]
        self.fields["point"].choices = [("", _("Any pickup point"))] + [
            (point.pk, point.name) for point in points
        ]
        self.fields["window"].choices = [("", _("Any window"))] + [
            (window.pk, window_label(window)) for window in windows
        ]

    def filters(self) -> dict:
        """Keyword arguments of `selectors.cycle_orders` (none when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"].strip(), "status": data["status"],
            "pickup_point": self.points.get(data["point"]),
            "window": self.windows.get(data["window"]),
        }


def window_label(window) -> str:
    place = (window.pickup_point.name if window.pickup_point_id
             else _("Delivery: %(zone)s") % {"zone": window.delivery_zone.name})
    day = date_format(window.date, "D j M")
    return f"{place} — {day} {window.start_time:%H:%M}–{window.end_time:%H:%M}"


class CorrectionForm(forms.Form):
    """A processed order's correction by its hub: one quantity per line, which may only go
    down (0 removes the line; left empty, the line is kept). `lines`: the order's lines. A
    line whose product left the cycle has no field (the service names lines by offer)."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.offer_id]
        for line in self.lines:
            self.fields[self.line_field(line)] = forms.IntegerField(
                label=_("Quantity of %(title)s") % {"title": line.title},
                min_value=0, max_value=line.quantity, initial=line.quantity, required=False,
                error_messages={
                    "max_value": _("A quantity can only be lowered after the close (at most "
                                   "%(limit_value)s)."),
                    "min_value": _("A quantity cannot be negative."),
                },
            )

    @staticmethod
    def line_field(line) -> str:
        return f"correct-{line.pk}"

    def line_rows(self):
        """(line, its bound quantity field) for the template."""
        return [(line, self[self.line_field(line)]) for line in self.lines]

    def clean(self):
        data = super().clean()
        if not self.errors and not self.line_requests():
            raise forms.ValidationError(_("Nothing to correct: lower at least one quantity."))
        return data

    def line_requests(self) -> list[LineRequest]:
        """The lines that change, as the service reads them."""
        data = self.cleaned_data
        return [LineRequest(line.offer_id, data[self.line_field(line)]) for line in self.lines
                if data.get(self.line_field(line)) is not None
                and data[self.line_field(line)] != line.quantity]


class BusinessDetailsForm(forms.Form):
    """A business customer's details: the account's business page, and the checkout's payment
    step (`orders.checkout.forms.PaymentMethodForm`). The checks are
    `orders.business.business_clean`'s (the service's own), run only when `wants_business`
    says the details are meant; `cleaned_data["business"]` is then a checked `Business`
    (None otherwise)."""

    company_name = forms.CharField(
        label=_("Company name"), max_length=COMPANY_MAX, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    company_number = forms.CharField(
        label=_("SIREN or SIRET"), max_length=40, required=False,
        help_text=_("9 or 14 digits, for a company registered in France."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    vat_number = forms.CharField(
        label=_("VAT number"), max_length=40, required=False,
        help_text=_("With its country prefix, e.g. FR40303265045."),
    )
    billing_address = forms.CharField(
        label=_("Billing address"), max_length=ADDRESS_MAX, required=False,
        help_text=_("Printed on your invoices."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "billing street-address"}),
    )

    def wants_business(self, data: dict) -> bool:
        """Whether the details are given (here: any of them is filled in)."""
        return any((data.get(name) or "").strip() for name in BUSINESS_FIELDS)

    def clean(self):
        data = super().clean()
        data["business"] = None
        if not self.wants_business(data) or any(name in self.errors
                                                for name in BUSINESS_FIELDS):
            return data
        try:
            data["business"] = business_clean(
                Business(**{name: data.get(name) or "" for name in BUSINESS_FIELDS}))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data
