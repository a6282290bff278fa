"""A cycle's invoices as one file, for the hub's managers (mounted under
/hub/<slug>/cycles/<id>/invoices/bundles/): the page with its two buttons (one merged PDF, one
ZIP), each bundle's progress as JSON for the page's progress bars, and the download. A manager
of another hub, a producer or a shopper gets a 404 (`hubs.selectors.hub_for_manager`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from producers.private_files import private_file_response

from . import bundles
from .hub_views import _cycle, _render
from .models import InvoiceBundle


class BundleForm(forms.Form):
    format = forms.ChoiceField(choices=InvoiceBundle.Format.choices,
                               error_messages={"required": gettext_lazy("Choose PDF or ZIP."),
                                               "invalid_choice": gettext_lazy(
                                                   "Choose PDF or ZIP.")})


def _download_url(hub, cycle, bundle: InvoiceBundle) -> str | None:
    if bundle.state != InvoiceBundle.State.DONE:
        return None
    return reverse("orders_hub:invoice-bundle-download", args=[hub.slug, cycle.pk, bundle.pk])


def _size(bundle: InvoiceBundle | None) -> int | None:
    if not bundle or bundle.state != InvoiceBundle.State.DONE or not bundle.file:
        return None
    try:
        return bundle.file.size
    except OSError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def invoice_bundles(request, slug: str, cycle_id: int):
    """The page; a POST asks for a bundle (reused when one with the same invoices is ready or
    on its way) and comes back here."""
    hub, cycle = _cycle(request, slug, cycle_id)
    if request.method == "POST":
        form = BundleForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["format"]))
            return redirect("orders_hub:invoice-bundles", slug=hub.slug, cycle_id=cycle.pk)
        try:
            bundle = bundles.bundle_request(cycle=cycle, format=form.cleaned_data["format"],
                                            user=request.user)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            if bundle.state == InvoiceBundle.State.DONE:
                messages.info(request, _("This file is ready: it already holds every invoice."))
            else:
                messages.success(request,
                                 _("The file is being built: this page shows its progress."))
        return redirect("orders_hub:invoice-bundles", slug=hub.slug, cycle_id=cycle.pk)
    found = bundles.cycle_bundles(cycle=cycle)
    rows = []
    for format, label in InvoiceBundle.Format.choices:
        bundle = found["bundles"][format]
        rows.append({
            "format": format, "label": label, "bundle": bundle,
            "progress": bundles.bundle_progress(bundle) if bundle else None,
            "download": _download_url(hub, cycle, bundle) if bundle else None,
            "filename": bundles.bundle_filename(bundle, hub_slug=hub.slug) if bundle else "",
            "outdated": bool(bundle and bundle.invoice_count < found["invoice_count"]),
            "size": _size(bundle),
        })
    building = any(row["bundle"] and row["bundle"].state in (
        InvoiceBundle.State.PENDING, InvoiceBundle.State.RUNNING) for row in rows)
    return _render(request, hub, "orders/hub/invoice_bundles.html", {
        "cycle": cycle, "rows": rows, "invoice_count": found["invoice_count"],
        "building": building,
    })


def _bundle(request, slug: str, cycle_id: int, bundle_id: int):
    hub, cycle = _cycle(request, slug, cycle_id)
    return hub, cycle, get_object_or_404(InvoiceBundle, pk=bundle_id, cycle=cycle)


@login_required
@require_GET
def invoice_bundle_status(request, slug: str, cycle_id: int, bundle_id: int):
    """`{id, format, state, done, total, percent, message, download}` (download: the file's
    URL once ready, else null)."""
    hub, cycle, bundle = _bundle(request, slug, cycle_id, bundle_id)
    data = bundles.bundle_progress(bundle)
    data["download"] = _download_url(hub, cycle, bundle)
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def invoice_bundle_download(request, slug: str, cycle_id: int, bundle_id: int):
    """The bundle's file, once ready (404 before)."""
    hub, cycle, bundle = _bundle(request, slug, cycle_id, bundle_id)
    if bundle.state != InvoiceBundle.State.DONE:
        raise Http404
    return private_file_response(bundle.file, bundles.bundle_filename(bundle, hub_slug=hub.slug))
