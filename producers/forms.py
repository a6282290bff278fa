"""Forms of the producer dashboard. The product form reads numbers like a file cell ("3,50")
and gives a `ProductInput`, checked by the same validator as files and the API."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from .importing import MAX_IMPORT_BYTES
from .importing.parser import parse_optional_decimal, parse_stock
from .models import Certification, Producer
from .parsing import MAX_INT, DecimalField, IdField, finite_decimals

Category = get_model("catalogue", "Category")

MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {"JPEG", "PNG", "WEBP"}
UNIT_CHOICES = [("g", "g"), ("kg", "kg"), ("ml", "ml"), ("L", "L"), ("", _("items"))]


def validate_image(upload) -> None:
    """Images up to 5 MB, JPEG, PNG or WebP (checked by Pillow, not by file name)."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The image is larger than 5 MB."))
    image = getattr(upload, "image", None)  # set by forms.ImageField after Pillow opened it
    if image is not None and image.format not in IMAGE_TYPES:
        raise ValidationError(_("Use a JPEG, PNG or WebP image."))


class ProducerProfileForm(forms.ModelForm):
    certifications = forms.MultipleChoiceField(
        label=_("Certifications"), choices=Certification.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    logo = forms.ImageField(label=_("Logo"), required=False, validators=[validate_image])
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Producer
        formfield_callback = finite_decimals
        fields = [
            "name", "description", "practices", "certifications", "street", "postcode", "city",
            "country", "latitude", "longitude", "contact_email", "phone", "website", "logo",
            "legal_name", "company_number", "vat_number", "vat_registered", "is_visible",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "practices": forms.Textarea(attrs={"rows": 3}),
        }


class ProducerPhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo"), validators=[validate_image])
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class ParsedTextField(forms.CharField):
    """Text read by a file parser (``parse``), so the form accepts what files accept."""

    def __init__(self, *, parse, **kwargs):
        self.parse = parse
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return self.parse(super().to_python(value))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(depth=1).order_by("name")
    )
    vat_rate = DecimalField(
        label=_("VAT rate (%)"), required=False, min_value=0, max_value=100, decimal_places=2,
        help_text=_("Leave empty for the category's usual rate."),
    )
    image = forms.ImageField(label=_("Photo"), required=False, validators=[validate_image])
    # A photo chosen when the form last failed, kept so it need not be chosen again (a signed
    # token: see producers/kept_photos.py).
    kept_photo = forms.CharField(required=False, widget=forms.HiddenInput)

    def show_kept_photo(self, kept) -> None:
        """Carry a kept photo into the page shown again, and say so next to the photo field."""
        self.data = self.data.copy()
        self.data[self.add_prefix("kept_photo")] = kept.token
        message = format_html(
            _("Photo kept: {name}. Choose another file to replace it."), name=kept.name
        )
        # Bound fields copy their help text when first built (validation built them).
        self.fields["image"].help_text = self["image"].help_text = message

    def changes(self) -> dict:
        """The ProductInput fields this form sets."""
        data = self.cleaned_data
        return {
            "name": data["name"], "description": data["description"],
            "category_id": data["category"].pk, "vat_rate": data["vat_rate"],
        }


class VariantForm(forms.Form):
    stockrecord_id = IdField(required=False)
    sku = forms.CharField(label=_("SKU"), max_length=128)
    display_name = forms.CharField(label=_("Variant name"), max_length=255, required=False)
    units = ParsedTextField(label=_("Unit value"), parse=parse_optional_decimal)
    unit_type = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, required=False)
    variant_unit_name = forms.CharField(label=_("Unit label"), max_length=40, required=False)
    price = ParsedTextField(label=_("Price excl. VAT"), parse=parse_optional_decimal)
    on_hand = ParsedTextField(label=_("Stock"), parse=parse_stock, required=False)
    on_demand = forms.BooleanField(label=_("On demand"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput | forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["unit_type"].widget.attrs["style"] = "min-width: 5.5rem"

    def changes(self) -> dict:
        """The VariantInput fields this form sets (others, like available_on, are kept)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "stockrecord_id"}


# absolute_max = max_num: a posted TOTAL_FORMS of 10**20 builds 30 forms, not Django's 1,030.
VariantFormSet = forms.formset_factory(VariantForm, extra=1, max_num=30, absolute_max=30,
                                       validate_max=True)
NewVariantFormSet = forms.formset_factory(VariantForm, extra=3, max_num=30, absolute_max=30,
                                          validate_max=True)


class BulkEditRowForm(forms.Form):
    stockrecord_id = IdField()
    price = DecimalField(label=_("Price"), min_value=0, decimal_places=2, max_digits=12)
    num_in_stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=MAX_INT)
    on_demand = forms.BooleanField(label=_("On demand"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


BulkEditFormSet = forms.formset_factory(BulkEditRowForm, extra=0, max_num=100, absolute_max=100,
                                        validate_max=True)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Product file (CSV or XLSX)"),
        help_text=_("Open Food Network product list columns; at most 20 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": MAX_IMPORT_BYTES // 2**20}
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        return upload


class DashboardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), required=False,
        queryset=Category.objects.filter(depth=1).order_by("name"),
        empty_label=_("All categories"),
        widget=forms.Select(attrs={"class": "form-control form-control-sm"}),
    )
