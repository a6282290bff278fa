"""Forms of the producer dashboard. Product forms reuse the import validator, so a product
typed in a form and a product in a file obey exactly the same rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from .importing import MAX_IMPORT_BYTES
from .models import Certification, Producer

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


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(depth=1).order_by("name")
    )
    vat_rate = forms.DecimalField(
        label=_("VAT rate (%)"), required=False, min_value=0, max_value=100, decimal_places=2,
        help_text=_("Leave empty for the category's usual rate."),
    )
    image = forms.ImageField(label=_("Photo"), required=False, validators=[validate_image])


class VariantForm(forms.Form):
    stockrecord_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sku = forms.CharField(label=_("SKU"), max_length=128)
    display_name = forms.CharField(label=_("Variant name"), max_length=255, required=False)
    units = forms.CharField(label=_("Unit value"), max_length=20)
    unit_type = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, required=False)
    variant_unit_name = forms.CharField(label=_("Unit label"), max_length=40, required=False)
    price = forms.CharField(label=_("Price excl. VAT"), max_length=20)
    on_hand = forms.CharField(label=_("Stock"), max_length=12, required=False)
    on_demand = forms.BooleanField(label=_("On demand"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput | forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["unit_type"].widget.attrs["style"] = "min-width: 5.5rem"


VariantFormSet = forms.formset_factory(VariantForm, extra=1, max_num=30, validate_max=True)
NewVariantFormSet = forms.formset_factory(VariantForm, extra=3, max_num=30, validate_max=True)


class BulkEditRowForm(forms.Form):
    stockrecord_id = forms.IntegerField(widget=forms.HiddenInput)
    price = forms.DecimalField(label=_("Price"), min_value=0, decimal_places=2, max_digits=12)
    num_in_stock = forms.IntegerField(label=_("Stock"), min_value=0)
    on_demand = forms.BooleanField(label=_("On demand"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


BulkEditFormSet = forms.formset_factory(BulkEditRowForm, extra=0, max_num=100, validate_max=True)


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
