"""Catalogue browsing from the database (Oscar 4 browses through a search engine, and
haystack's simple engine returns nothing for an empty query, so "All products" was empty).

Loaded by Oscar's `get_class("catalogue.views", ...)` in place of its haystack views; the
detail view is Oscar's own.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from oscar.apps.catalogue.views import ProductDetailView  # noqa: F401 - Oscar's, unchanged
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")


def browsable_products(*, categories=None):
    """Public, unarchived products with what a product card and its price need prefetched."""
    variants = (
        Product.objects.filter(is_public=True, archived_at=None)
        .prefetch_related("stockrecords")
        .order_by("unit_value", "id")
    )
    qs = (
        Product.objects.browsable()
        .filter(archived_at=None)
        .select_related("product_class")
        .prefetch_related(
            Prefetch("children", queryset=variants),
            Prefetch("children", queryset=variants, to_attr="_prefetched_public_children"),
            "images",
            "stockrecords",
        )
        .order_by("title", "id")
    )
    if categories is not None:
        qs = qs.filter(categories__in=categories).distinct()
    return qs


class _BrowseView(TemplateView):
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE

    def products(self):
        return browsable_products()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(self.products(), self.paginate_by)
        number = self.request.GET.get("page") or 1
        try:
            page = paginator.page(number)
        except Exception:
            raise Http404 from None
        context.update(
            paginator=paginator,
            page_obj=page,
            page=page,
            # Oscar's templates render `product.object`, as haystack results have it.
            products=[SimpleNamespace(object=product) for product in page.object_list],
        )
        return context


class CatalogueView(_BrowseView):
    template_name = "oscar/catalogue/browse.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"summary": _("All products")}


class ProductCategoryView(_BrowseView):
    template_name = "oscar/catalogue/category.html"

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):
            raise Http404
        expected = self.category.get_absolute_url()
        if expected != request.path:
            return HttpResponsePermanentRedirect(expected)
        return super().get(request, *args, **kwargs)

    def products(self):
        return browsable_products(categories=self.category.get_descendants_and_self())

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "category": self.category, "summary": self.category.local_name,
        }
