"""Forms of the packing and pickup pages: which list or sheet, which format, and the
checklist's toggles. Every value is read by a form field; anything else is a form error."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from producers.parsing import IdField

from .packing import ALL

BY_CHOICES = [
    ("customer", _("By customer")),
    ("producer", _("By producer")),
    ("product", _("By product")),
]
FORMAT_CHOICES = [("", _("Page")), ("pdf", _("PDF"))]
MARK_CHOICES = [("", _("Leave as it is")), ("yes", _("Yes")), ("no", _("No"))]


class PackingForm(forms.Form):
    by = forms.ChoiceField(label=_("Packing list"), choices=BY_CHOICES, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)

    def choice(self) -> tuple[str, str]:
        """(by, format): customer and page unless the form is valid and says otherwise."""
        if not self.is_bound or not self.is_valid():
            return "customer", ""
        return self.cleaned_data["by"] or "customer", self.cleaned_data["format"]


def sheet_label(summary) -> str:
    place, window = summary.place, summary.place.window
    when = (f" — {date_format(window.date, 'D j M')} {window.start_time:%H:%M}–"
            f"{window.end_time:%H:%M}" if window else "")
    return f"{place.label}{when} ({summary.orders})"


class PickupForm(forms.Form):
    """Which pickup/delivery sheet (one of the cycle's, or all of them) and in which format."""

    sheet = forms.ChoiceField(label=_("Pickup point or delivery, and window"), required=False)
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)

    def __init__(self, *args, summaries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [("", _("Choose a sheet")), (ALL, _("All sheets"))] + [
            (summary.key, sheet_label(summary)) for summary in summaries
        ]

    def choice(self) -> tuple[str, str]:
        """(sheet key or "", format); ("", "") when the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return "", ""
        return self.cleaned_data["sheet"], self.cleaned_data["format"]


def _mark(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class HandoverForm(forms.Form):
    """A tick on the pickup checklist: the order (its id), and collected and/or paid."""

    order = IdField()
    collected = forms.TypedChoiceField(choices=MARK_CHOICES, required=False, coerce=_mark,
                                       empty_value=None)
    paid = forms.TypedChoiceField(choices=MARK_CHOICES, required=False, coerce=_mark,
                                  empty_value=None)
    sheet = forms.RegexField(regex=r"^(all|other|(window|zone)-\d{1,10})$", required=False,
                             max_length=20)

    def clean(self):
        data = super().clean()
        if data.get("collected") is None and data.get("paid") is None and not self.errors:
            raise forms.ValidationError(_("Say whether the order was collected or paid."))
        return data
