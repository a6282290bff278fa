"""Forms of the hub manager area. Times are typed and shown in the hub's time zone."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from producers.parsing import MAX_INT, DecimalField, IdField, IdListField, finite_decimals

from .models import (
    CycleFee,
    DeliveryZone,
    Hub,
    OrderCycle,
    PaymentMethod,
    PickupPoint,
)

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MinuteDateTimeField(forms.DateTimeField):
    """A time shown to the minute. A stored time with seconds (set through the API) is
    unchanged while its minute is: saving the form must not move it (an open cycle's
    opening time cannot move at all)."""

    def has_changed(self, initial, data):
        if isinstance(initial, dt.datetime):
            initial = initial.replace(second=0, microsecond=0)
        return super().has_changed(initial, data)


class CycleForm(forms.ModelForm):
    class Meta:
        model = OrderCycle
        formfield_callback = finite_decimals
        fields = ["name", "opens_at", "closes_at", "markup_percent", "note_to_producers"]
        field_classes = {"opens_at": MinuteDateTimeField, "closes_at": MinuteDateTimeField}
        widgets = {
            "opens_at": DATETIME, "closes_at": DATETIME,
            "note_to_producers": forms.Textarea(attrs={"rows": 2}),
        }


class CloneForm(forms.Form):
    opens_at = forms.DateTimeField(label=_("New opening time"), widget=DATETIME)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)


class ReopenForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("Close again at"), widget=DATETIME)


class AddProducerForm(forms.Form):
    producer = forms.ModelChoiceField(label=_("Producer"), queryset=None)

    def __init__(self, *args, producers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = producers


class DropoffForm(forms.Form):
    dropoff_date = forms.DateField(label=_("Drop-off date"), required=False, widget=DATE)
    dropoff_time = forms.TimeField(label=_("Time"), required=False, widget=TIME)
    dropoff_place = forms.CharField(label=_("Place"), max_length=200, required=False)
    dropoff_instructions = forms.CharField(label=_("Instructions"), required=False)
    markup_percent = DecimalField(
        label=_("Markup override (%)"), required=False, min_value=0, max_digits=6,
        decimal_places=2,
    )


class OfferRowForm(forms.Form):
    offer_id = IdField()
    cap = forms.IntegerField(label=_("Cap"), required=False, min_value=0, max_value=MAX_INT)
    markup_percent = DecimalField(
        label=_("Markup %"), required=False, min_value=0, max_digits=6, decimal_places=2
    )
    hub_price = DecimalField(
        label=_("Hub price"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    remove = forms.BooleanField(label=_("Remove"), required=False)


# absolute_max = max_num: a posted TOTAL_FORMS of 10**20 builds 200 forms, not 1,200.
OfferFormSet = forms.formset_factory(OfferRowForm, extra=0, max_num=200, absolute_max=200,
                                     validate_max=True)
PREVIEW_MAX_OFFERS = 200


class OfferSearchForm(forms.Form):
    """The cycle editor's search box."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class EditorPlaceForm(OfferSearchForm):
    """Where the editor was (search and page), carried through a save as `next_query`."""

    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_INT)


class PreviewForm(forms.Form):
    """The live price preview: a markup typed but not saved, for some offers of the page."""

    markup_percent = DecimalField(
        required=False, min_value=0, max_digits=6, decimal_places=2,
        error_messages={"min_value": _("The markup cannot be negative.")},
    )
    offers = IdListField(limit=PREVIEW_MAX_OFFERS)


class RowIdForm(forms.Form):
    """One row named by a button (a fee or window to delete)."""

    delete = IdField()


class _Bootstrap:
    def _style(self):
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput | forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")


class FeeForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = CycleFee
        formfield_callback = finite_decimals
        fields = ["name", "kind", "amount", "vat_rate", "delivery_zone"]
        labels = {"delivery_zone": _("Delivery zone")}

    def __init__(self, *args, hub=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery_zone"].queryset = DeliveryZone.objects.filter(hub=hub)
        self._style()


class WindowForm(_Bootstrap, forms.Form):
    pickup_point = forms.ModelChoiceField(label=_("Pickup point"), queryset=None,
                                          required=False)
    delivery_zone = forms.ModelChoiceField(label=_("Delivery zone"), queryset=None,
                                           required=False)
    date = forms.DateField(label=_("Date"), widget=DATE)
    start_time = forms.TimeField(label=_("From"), widget=TIME)
    end_time = forms.TimeField(label=_("Until"), widget=TIME)
    instructions = forms.CharField(label=_("Instructions"), required=False)

    def __init__(self, *args, hub=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_point"].queryset = PickupPoint.objects.filter(hub=hub)
        self.fields["delivery_zone"].queryset = DeliveryZone.objects.filter(hub=hub)
        self._style()


class HubProfileForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = Hub
        formfield_callback = finite_decimals
        fields = [
            "name", "description", "street", "postcode", "city", "time_zone", "language",
            "contact_email", "phone", "logo", "legal_name", "company_number", "vat_number",
            "registered_address", "invoice_prefix", "email_invoices", "payment_terms_days",
            "guest_checkout", "order_changes_allowed", "minimum_order",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "registered_address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_terms_days"].required = False
        self._style()

    def clean_payment_terms_days(self) -> int:
        return self.cleaned_data.get("payment_terms_days") or 0

    def clean_invoice_prefix(self) -> str:
        return (self.cleaned_data.get("invoice_prefix") or "").strip().upper()


class PickupPointForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = PickupPoint
        formfield_callback = finite_decimals
        fields = ["name", "address", "opening_hours", "instructions"]
        widgets = {"address": forms.TextInput(), "instructions": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class DeliveryZoneForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = DeliveryZone
        formfield_callback = finite_decimals
        fields = ["name", "postcodes", "fee", "fee_vat_rate", "minimum_order"]
        widgets = {"postcodes": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class PaymentMethodForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = PaymentMethod
        formfield_callback = finite_decimals
        fields = ["kind", "name", "instructions", "iban", "bic", "reference_pattern"]
        widgets = {"instructions": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class InviteProducerForm(_Bootstrap, forms.Form):
    producer = forms.ModelChoiceField(label=_("Producer"), queryset=None)

    def __init__(self, *args, producers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = producers
        self._style()
