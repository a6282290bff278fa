"""Producer area pages: inventory dashboard, products, stock history, import/export, profile,
team. Thin: they check the form, call a service or selector, and render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from teams.views import invitation_page, team_page

from . import catalogue_services, import_services, kept_photos, services
from .forms import (
    BulkEditFormSet,
    DashboardFilterForm,
    ImportUploadForm,
    NewVariantFormSet,
    ProducerPhotoForm,
    ProducerProfileForm,
    ProductForm,
    VariantFormSet,
)
from .importing import write_csv, write_xlsx
from .models import ProducerInvitation, ProductImport
from .parsing import posted_id
from .private_files import private_file_response
from .product_input import ProductInput, product_changed
from .selectors import (
    dashboard_summary,
    dashboard_variants,
    memberships_for_user,
    producer_for_member,
    producer_product,
    product_input_for,
    product_variants,
    stock_history,
)

PAGE_SIZE = 50


def _base_context(request, producer, section: str) -> dict:
    return {
        "producer": producer,
        "section": section,
        "my_producers": memberships_for_user(request.user),
    }


@login_required
def home(request):
    """The producers the signed-in user belongs to."""
    memberships = memberships_for_user(request.user)
    return render(request, "producers/home.html", {"memberships": memberships})


@login_required
def dashboard(request, slug: str):
    """Inventory: own variants with search, category filter, pages and inline bulk edit."""
    producer = producer_for_member(user=request.user, slug=slug)
    filters = DashboardFilterForm(request.GET or None)
    q, category = "", None
    if filters.is_valid():
        q, category = filters.cleaned_data["q"], filters.cleaned_data["category"]
    page = Paginator(dashboard_variants(producer=producer, q=q, category=category), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    records = list(page.object_list)
    initial = [
        {
            "stockrecord_id": r.id, "price": r.price, "num_in_stock": r.num_in_stock,
            "on_demand": r.product.on_demand, "is_active": r.product.is_public,
        }
        for r in records
    ]
    formset = BulkEditFormSet(request.POST or None, initial=initial, prefix="rows")
    if request.method == "POST":
        if formset.is_valid():
            changes = [
                catalogue_services.VariantChange(**form.cleaned_data) for form in formset.forms
            ]
            try:
                changed = catalogue_services.variants_bulk_update(
                    producer=producer, changes=changes, user=request.user
                )
            except ValidationError as exc:
                by_id = {str(f.cleaned_data["stockrecord_id"]): f for f in formset.forms}
                for key, errors in exc.message_dict.items():
                    if key in by_id:
                        by_id[key].add_error(None, errors)
                messages.error(request, _("Nothing was saved: please correct the rows marked."))
            else:
                messages.success(request, _("%(count)s variants updated.") % {"count": changed})
                return redirect(request.get_full_path())
        else:
            messages.error(request, _("Nothing was saved: please correct the rows marked."))
    rows = list(zip(records, formset.forms, strict=False))
    context = _base_context(request, producer, "inventory") | {
        "filters": filters, "page": page, "formset": formset, "rows": rows,
        "summary": dashboard_summary(producer=producer), "query_string": _query(request),
    }
    return render(request, "producers/dashboard.html", context)


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _variant_initial(records) -> list[dict]:
    initial = []
    for record in records:
        variant = record.product
        code = {"weight": "g", "volume": "ml"}.get(variant.unit_type, "")
        initial.append({
            "stockrecord_id": record.id, "sku": record.partner_sku,
            "display_name": variant.title, "units": _plain(variant.unit_value),
            "unit_type": code, "variant_unit_name": variant.unit_label,
            "price": record.price, "on_hand": record.num_in_stock,
            "on_demand": variant.on_demand,
        })
    return initial


def _plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


@login_required
def product_edit(request, slug: str, product_id: int | None = None):
    """Create or edit a product with its variants and a photo."""
    producer = producer_for_member(user=request.user, slug=slug)
    parent = producer_product(producer=producer, product_id=product_id) if product_id else None
    initial_product, initial_variants = {}, []
    if parent is not None:
        categories = list(parent.categories.all())
        initial_product = {
            "name": parent.title, "description": parent.description,
            "category": categories[0] if categories else None, "vat_rate": parent.vat_rate,
        }
        initial_variants = _variant_initial(product_variants(producer=producer, product=parent))
    # Bound on every POST, even an empty one (which must answer "required", not crash).
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = ProductForm(data, files, initial=initial_product)
    formset_class = VariantFormSet if parent is not None else NewVariantFormSet
    variants = formset_class(data, initial=initial_variants, prefix="variants")
    if request.method == "POST":
        valid = form.is_valid() & variants.is_valid()  # both, so every error shows at once
        upload = form.cleaned_data.get("image")
        kept = kept_photos.photo_kept(token=request.POST.get("kept_photo", ""), producer=producer)
        if valid and _save_product(request, producer, parent, form, variants, upload, kept):
            messages.success(request, _("Product saved."))
            return redirect("producers:dashboard", slug=producer.slug)
        if upload is not None:  # a new photo replaces one kept before
            kept_photos.photo_discard(kept)
            kept = kept_photos.photo_keep(upload=upload, producer=producer)
        if kept is not None:
            form.show_kept_photo(kept)
    context = _base_context(request, producer, "inventory") | {
        "form": form, "variants": variants, "product": parent,
    }
    return render(request, "producers/product_form.html", context)


def _save_product(request, producer, parent, form, variants, upload, kept) -> bool:
    filled = [f for f in variants.forms if f.cleaned_data]
    base = product_input_for(producer=producer, product=parent) if parent else ProductInput()
    product, origins = product_changed(base, form.changes(), [f.changes() for f in filled])
    image = upload
    if image is None and kept is not None:
        image = kept_photos.photo_open(kept)
    try:
        saved, errors = catalogue_services.product_save(
            producer=producer, user=request.user, product=product, parent=parent, image=image,
        )
    finally:
        if image is not None and image is not upload:
            image.close()
    if saved is None:
        _attach_errors(form, [filled[i] if i is not None else None for i in origins], errors)
        return False
    kept_photos.photo_discard(kept)  # saved with the product, or replaced by the upload
    return True


def _attach_errors(form, variant_forms, errors) -> None:
    """The validator's errors on the fields where they were typed."""
    for error in errors:
        target = form if error.variant is None else variant_forms[error.variant]
        if target is None:
            form.add_error(None, error.message)
        else:
            target.add_error(error.field if error.field in target.fields else None, error.message)


@login_required
@require_POST
def product_archive(request, slug: str, product_id: int):
    producer = producer_for_member(user=request.user, slug=slug)
    parent = producer_product(producer=producer, product_id=product_id)
    outcome = catalogue_services.product_archive(producer=producer, product=parent)
    if outcome == "archived":
        messages.success(request, _("Product archived: it was ordered or offered in an order "
                                    "cycle, so it is kept."))
    else:
        messages.success(request, _("Product deleted."))
    return redirect("producers:dashboard", slug=producer.slug)


@login_required
def history(request, slug: str):
    producer = producer_for_member(user=request.user, slug=slug)
    page = Paginator(stock_history(producer=producer), PAGE_SIZE).get_page(request.GET.get("page"))
    context = _base_context(request, producer, "history") | {"page": page}
    return render(request, "producers/history.html", context)


@login_required
def import_upload(request, slug: str):
    producer = producer_for_member(user=request.user, slug=slug)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        product_import = import_services.import_upload(
            user=request.user, upload=form.cleaned_data["file"], producer=producer
        )
        return redirect("producers:import-detail", slug=producer.slug, import_id=product_import.pk)
    recent = producer.imports.all()[:10]
    context = _base_context(request, producer, "import") | {"form": form, "recent": recent}
    return render(request, "producers/import_upload.html", context)


def _own_import(producer, import_id: int) -> ProductImport:
    return get_object_or_404(ProductImport, pk=import_id, producer=producer)


@login_required
def import_detail(request, slug: str, import_id: int):
    """The preview (counts and every error), the confirm button, then the progress bar."""
    producer = producer_for_member(user=request.user, slug=slug)
    product_import = _own_import(producer, import_id)
    if request.method == "POST":
        import_services.import_confirm(product_import=product_import, user=request.user)
        return redirect("producers:import-detail", slug=producer.slug, import_id=import_id)
    context = _base_context(request, producer, "import") | {
        "import": product_import, "progress": import_services.import_progress(product_import),
    }
    return render(request, "producers/import_detail.html", context)


@login_required
@require_GET
def import_progress(request, slug: str, import_id: int):
    producer = producer_for_member(user=request.user, slug=slug)
    product_import = _own_import(producer, import_id)
    return JsonResponse(import_services.import_progress(product_import))


@require_GET
def import_file(request, slug: str, import_id: int):
    """The uploaded file, for the producer's members and platform admins; 404 for anyone else
    (anonymous visitors included: no login page hints that it exists)."""
    producer = producer_for_member(user=request.user, slug=slug)
    product_import = _own_import(producer, import_id)
    return private_file_response(product_import.file, product_import.filename)


@login_required
@require_GET
def export(request, slug: str, fmt: str):
    """The producer's catalogue in the import format: CSV streamed, or XLSX."""
    producer = producer_for_member(user=request.user, slug=slug)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    items = import_services.catalogue_export_items(producer=producer)
    if fmt == "xlsx":
        response = HttpResponse(
            write_xlsx(items),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = StreamingHttpResponse(write_csv(items), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{producer.slug}-products.{fmt}"'
    return response


@login_required
def profile(request, slug: str):
    producer = producer_for_member(user=request.user, slug=slug)
    action = request.POST.get("action", "profile") if request.method == "POST" else None
    form = ProducerProfileForm(
        request.POST if action == "profile" else None,
        request.FILES if action == "profile" else None,
        instance=producer,
    )
    photo_form = ProducerPhotoForm(
        request.POST if action == "photo" else None, request.FILES if action == "photo" else None
    )
    if action == "profile" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "logo" or v}
        services.producer_update(producer=producer, **fields)
        messages.success(request, _("Profile saved."))
        return redirect("producers:profile", slug=producer.slug)
    if action == "photo" and photo_form.is_valid():
        services.producer_photo_add(producer=producer, **photo_form.cleaned_data)
        messages.success(request, _("Photo added."))
        return redirect("producers:profile", slug=producer.slug)
    if action == "remove-photo":
        photo_id = posted_id(request.POST, "photo")
        if photo_id is None:
            messages.error(request, _("Nothing was removed: unknown photo."))
        else:
            services.producer_photo_remove(producer=producer, photo_id=photo_id)
        return redirect("producers:profile", slug=producer.slug)
    context = _base_context(request, producer, "profile") | {
        "form": form, "photo_form": photo_form, "photos": producer.photos.all(),
    }
    return render(request, "producers/profile.html", context)


@login_required
def team(request, slug: str):
    """The producer's team: members, roles, invitations (see teams.views.team_page)."""
    producer = producer_for_member(user=request.user, slug=slug)
    return team_page(
        request, team=producer, template="producers/team.html",
        context=_base_context(request, producer, "team"), home_url=reverse("producers:home"),
    )


@login_required
def invitation_accept(request, token: str):
    return invitation_page(
        request, token, model=ProducerInvitation, title=_("Join a producer's team"),
        done_url=lambda producer: reverse("producers:dashboard", args=[producer.slug]),
        home_url=reverse("producers:home"),
    )
