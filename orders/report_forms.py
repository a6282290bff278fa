"""Forms of the report pages: which report, over which cycles, narrowed how, in which format.
Choices are the hub's (or the producer's) own: another hub's cycle or producer is not a
choice, so it is a form error, never a report."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .report_files import describe
from .reports import REPORTS, SUPPLIER_TOTALS, ReportFilters

DELIVERY = "delivery"
FORMAT_CHOICES = [("", _("Show on the page")), ("csv", "CSV"), ("xlsx", "XLSX (Excel)"),
                  ("pdf", "PDF")]


def _cycle_label(cycle, tz) -> str:
    """The cycle's name and the day it closes (at the hub)."""
    return f"{cycle.name} ({timezone.localtime(cycle.closes_at, tz):%d/%m/%Y})"


class HubReportForm(forms.Form):
    """Report, cycles (one or more of the hub's), producer, pickup point or deliveries."""

    report = forms.ChoiceField(label=_("Report"), required=False)
    cycle = forms.TypedMultipleChoiceField(
        label=_("Order cycles"), coerce=int,
        error_messages={"required": _("Choose at least one order cycle."),
                        "invalid_choice": _("Choose order cycles of this hub.")},
    )
    producer = forms.TypedChoiceField(
        label=_("Producer"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": _("Choose one of this hub's producers.")},
    )
    point = forms.ChoiceField(
        label=_("Pickup point or delivery"), required=False,
        error_messages={"invalid_choice": _("Choose one of this hub's pickup points, or "
                                            "deliveries.")},
    )
    format = forms.ChoiceField(label=_("Format"), required=False, choices=FORMAT_CHOICES,
                               error_messages={"invalid_choice": _("Choose CSV, XLSX or PDF.")})

    def __init__(self, *args, hub, cycles, producers, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.cycles = {cycle.pk: cycle for cycle in cycles}
        self.producers = {producer.pk: producer for producer in producers}
        self.points = {str(point.pk): point for point in points}
        self.fields["report"].choices = [(key, label) for key, (label, _f) in REPORTS.items()]
        self.fields["cycle"].choices = [(cycle.pk, _cycle_label(cycle, hub.tz))
                                        for cycle in cycles]
        self.fields["producer"].choices = [("", _("All producers"))] + [
            (producer.pk, producer.name) for producer in producers]
        self.fields["point"].choices = [("", _("All pickup points and deliveries"))] + [
            (str(point.pk), point.name) for point in points] + [(DELIVERY, _("Deliveries"))]

    def clean_report(self) -> str:
        return self.cleaned_data["report"] or SUPPLIER_TOTALS

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            hub=self.hub, cycle_ids=tuple(dict.fromkeys(data["cycle"])),
            producer=self.producers.get(data["producer"]),
            pickup_point=self.points.get(data["point"]), delivery=data["point"] == DELIVERY,
        )

    def description(self) -> list[tuple[str, str]]:
        """What the report covers, in words (the PDF's header)."""
        filters = self.filters()
        return describe(filters, cycles=[self.cycles[pk] for pk in filters.cycle_ids])


class ProducerReportForm(forms.Form):
    """A producer's own supplier totals: one cycle it sold in, and a format."""

    cycle = forms.TypedChoiceField(
        label=_("Order cycle"), coerce=int,
        error_messages={"required": _("Choose an order cycle."),
                        "invalid_choice": _("Choose an order cycle you sold in.")},
    )
    format = forms.ChoiceField(label=_("Format"), required=False, choices=FORMAT_CHOICES,
                               error_messages={"invalid_choice": _("Choose CSV, XLSX or PDF.")})

    def __init__(self, *args, producer, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.producer = producer
        self.cycles = {cycle.pk: cycle for cycle in cycles}
        self.fields["cycle"].choices = [
            (cycle.pk, f"{cycle.hub.name} · {_cycle_label(cycle, cycle.hub.tz)}")
            for cycle in cycles]

    def cycle_chosen(self):
        return self.cycles[self.cleaned_data["cycle"]]

    def filters(self) -> ReportFilters:
        cycle = self.cycle_chosen()
        return ReportFilters(hub=cycle.hub, cycle_ids=(cycle.pk,), producer=self.producer)

    def description(self) -> list[tuple[str, str]]:
        return describe(self.filters(), cycles=[self.cycle_chosen()])
