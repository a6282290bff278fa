"""Producer API (`/api/v1/producers/...`): the same services and tenancy rules as the pages.

Anyone reads visible producers and their active products; members write their own producer's
profile, products, stock and imports. Another producer's objects answer 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from oscar.core.loading import get_model
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import catalogue_services, import_services, services
from .forms import ImportUploadForm
from .importing.parser import parse_optional_decimal, parse_stock
from .models import Certification, Producer, ProductImport
from .parsing import MAX_INT, ModelSerializer, PrimaryKeyRelatedField
from .product_input import ProductInput, product_changed
from .selectors import producers_for_user, product_input_for
from .units import unit_price

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")


# --- serializers -----------------------------------------------------------------------------


class ProducerSerializer(ModelSerializer):
    certifications = serializers.ListField(
        child=serializers.ChoiceField(choices=Certification.choices), required=False,
        max_length=len(Certification.choices),
    )

    class Meta:
        model = Producer
        fields = [
            "id", "name", "slug", "description", "practices", "certifications", "street",
            "postcode", "city", "country", "latitude", "longitude", "contact_email", "phone",
            "website", "legal_name", "company_number", "vat_number", "vat_registered",
            "is_visible",
        ]
        read_only_fields = ["id", "slug"]


class VariantSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sku = serializers.SerializerMethodField()
    display_name = serializers.CharField(source="title")
    unit_type = serializers.CharField()
    unit_value = serializers.DecimalField(max_digits=10, decimal_places=3)
    unit_label = serializers.CharField()
    price = serializers.SerializerMethodField()
    price_per_unit = serializers.SerializerMethodField()
    on_hand = serializers.SerializerMethodField()
    on_demand = serializers.BooleanField()
    active = serializers.BooleanField(source="is_public")

    def _record(self, variant):
        records = variant.stockrecords.all()
        return records[0] if records else None

    def get_sku(self, variant) -> str:
        record = self._record(variant)
        return record.partner_sku if record else ""

    def get_price(self, variant) -> str | None:
        record = self._record(variant)
        return f"{record.price:.2f}" if record and record.price is not None else None

    def get_on_hand(self, variant) -> int | None:
        record = self._record(variant)
        return record.num_in_stock if record else None

    def get_price_per_unit(self, variant) -> dict | None:
        record = self._record(variant)
        if not record or record.price is None:
            return None
        amount, per = unit_price(
            price=record.price, unit_type=variant.unit_type, unit_value=variant.unit_value
        )
        return {"amount": f"{amount:.2f}", "per": per}


class ProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="title")
    description = serializers.CharField()
    category = serializers.SerializerMethodField()
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    archived = serializers.SerializerMethodField()
    variants = VariantSerializer(source="api_variants", many=True)

    def get_category(self, product) -> dict | None:
        categories = product.categories.all()
        if not categories:
            return None
        category = categories[0]
        return {"id": category.id, "name": category.name, "name_fr": category.name_fr}

    def get_archived(self, product) -> bool:
        return product.archived_at is not None


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}], "example": "4.60"})
class ParsedTextField(serializers.Field):
    """A number sent as JSON number or text, read like a file cell ("4,60" too)."""

    def __init__(self, *, parse, **kwargs):
        self.parse = parse
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            raise serializers.ValidationError(_("A number is required."))
        try:
            return self.parse(str(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return None if value is None else str(value)


class VariantInputSerializer(serializers.Serializer):
    """A variant as sent; lengths, units and prices are checked by the shared validator
    (producers/product_input.py), so the API says what the form and files say."""

    sku = serializers.CharField()
    display_name = serializers.CharField(required=False, allow_blank=True)
    units = ParsedTextField(parse=parse_optional_decimal)
    unit_type = serializers.CharField(required=False, allow_blank=True)
    variant_unit_name = serializers.CharField(required=False, allow_blank=True)
    price = ParsedTextField(parse=parse_optional_decimal)
    on_hand = ParsedTextField(parse=parse_stock, required=False, allow_null=True)
    on_demand = serializers.BooleanField(required=False)
    available_on = serializers.DateField(required=False, allow_null=True)
    shipping_category = serializers.CharField(required=False, allow_blank=True)


class ProductInputSerializer(serializers.Serializer):
    """POST and PUT need name, category and variants; PATCH changes only what it sends
    (variants are matched by SKU; variants not sent are kept)."""

    name = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    category = PrimaryKeyRelatedField(queryset=Category.objects.filter(depth=1))
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False,
        allow_null=True,
    )
    variants = VariantInputSerializer(many=True, allow_empty=False)


class StockChangeSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=128)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    on_hand = serializers.IntegerField(min_value=0, max_value=MAX_INT)
    on_demand = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)


class ImportSerializer(ModelSerializer):
    class Meta:
        model = ProductImport
        fields = [
            "id", "filename", "status", "counts", "errors", "total", "message", "created_at"
        ]


class ImportProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProductImport.Status.choices)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    counts = serializers.JSONField()
    message = serializers.CharField(allow_blank=True)


class ImportDetailSerializer(ImportSerializer):
    """An import with where its writing stands (`progress`, for a progress bar)."""

    progress = ImportProgressSerializer(read_only=True)

    class Meta(ImportSerializer.Meta):
        fields = [*ImportSerializer.Meta.fields, "progress"]


class ProductRemovedSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["archived", "deleted"],
        help_text="`archived` (hidden, kept) if it was ever ordered, `deleted` otherwise.",
    )


class StockUpdatedSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many variants changed.")


STOCK_ERRORS = OpenApiResponse(
    response={
        "oneOf": [
            {"type": "array", "items": {"type": "object"},
             "description": "A list of changes: the errors of each change, at its index."},
            {"type": "object", "additionalProperties": {}},
        ],
        "example": [{}, {"on_hand": ["Ensure this value is greater than or equal to 0."]}],
    },
    description="Invalid changes: nothing is written. Errors of each change at its index "
                "(an unknown SKU too), or `non_field_errors` when the body is not a list.",
)


def _public_read(request) -> list:
    """Anyone reads; writing needs a signed-in caller (then tenancy decides)."""
    return [AllowAny()] if request.method in SAFE_METHODS else [IsAuthenticated()]


# --- helpers ---------------------------------------------------------------------------------


def _member_producer(request, producer_id: int) -> Producer:
    """The producer if the user is a member (or platform admin); 404 otherwise."""
    if not request.user.is_authenticated:
        raise NotFound
    return get_object_or_404(producers_for_user(request.user), pk=producer_id)


def _readable_producer(request, producer_id: int) -> Producer:
    producer = Producer.objects.filter(pk=producer_id).first()
    if producer is None:
        raise NotFound
    if producer.is_visible:
        return producer
    return _member_producer(request, producer_id)


def _products(producer: Producer, *, include_inactive: bool):
    variants = Product.objects.filter(stockrecords__partner_id=producer.partner_id)
    if not include_inactive:
        variants = variants.filter(is_public=True)
    variants = variants.prefetch_related("stockrecords").order_by("unit_value", "id")
    products = Product.objects.filter(
        structure=Product.PARENT, children__stockrecords__partner_id=producer.partner_id
    )
    if not include_inactive:
        products = products.filter(is_public=True, archived_at=None)
    return (
        products.distinct()
        .prefetch_related(Prefetch("children", queryset=variants, to_attr="api_variants"))
        .prefetch_related("categories")
        .order_by("title", "id")
    )


def _input_errors_to_api(errors, origins: list[int | None]) -> dict:
    """The validator's errors as DRF-style {field: [...], variants: [{field: [...]}]}, each
    variant's errors at the index it was sent at."""
    body: dict = {}
    variant_errors: dict[int, dict] = {}
    for error in errors:
        position = origins[error.variant] if error.variant is not None else None
        if error.variant is None:
            body.setdefault(error.field, []).append(error.message)
        elif position is None:  # a variant kept from before, not sent
            body.setdefault("non_field_errors", []).append(error.message)
        else:
            variant_errors.setdefault(position, {}).setdefault(error.field, []).append(
                error.message
            )
    if "variants" in body and variant_errors:
        body["non_field_errors"] = body.pop("variants") + body.get("non_field_errors", [])
    if variant_errors:
        size = max(variant_errors) + 1
        body["variants"] = [variant_errors.get(i, {}) for i in range(size)]
    return body


def _save_product(request, producer, parent=None, *, partial=False):
    """POST (parent None), PUT (full) or PATCH (partial) a product."""
    serializer = ProductInputSerializer(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    changes = {k: data[k] for k in ("name", "description", "vat_rate") if k in data}
    if "category" in data:
        changes["category_id"] = data["category"].pk
    base = ProductInput()
    if parent is not None:
        base = product_input_for(producer=producer, product=parent)
        if not partial:  # PUT: what is not sent is reset, as for a new product
            changes = {"description": "", "vat_rate": None, **changes}
    product, origins = product_changed(
        base, changes, [dict(v) for v in data["variants"]] if "variants" in data else None
    )
    saved, errors = catalogue_services.product_save(
        producer=producer, user=request.user, product=product, parent=parent
    )
    if saved is None:
        raise ApiValidationError(_input_errors_to_api(errors, origins))
    product = _products(producer, include_inactive=True).get(pk=saved.pk)
    return ProductSerializer(product).data


# --- views -----------------------------------------------------------------------------------


class ProducerList(generics.ListAPIView):
    """Visible producers."""

    serializer_class = ProducerSerializer
    permission_classes = [AllowAny]
    queryset = Producer.objects.filter(is_visible=True).order_by("name")


class ProducerDetail(APIView):
    """A visible producer; members update their profile (PATCH)."""

    def get_permissions(self):
        return _public_read(self.request)

    @extend_schema(responses=ProducerSerializer)
    def get(self, request, producer_id: int):
        return Response(ProducerSerializer(_readable_producer(request, producer_id)).data)

    @extend_schema(request=ProducerSerializer, responses=ProducerSerializer)
    def patch(self, request, producer_id: int):
        producer = _member_producer(request, producer_id)
        serializer = ProducerSerializer(producer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.producer_update(producer=producer, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise ApiValidationError(exc.message_dict) from None
        return Response(ProducerSerializer(producer).data)


class ProductList(generics.GenericAPIView):
    """A producer's active products with variants (public; members see inactive ones too);
    members create products."""

    def get_permissions(self):
        return _public_read(self.request)

    @extend_schema(responses=ProductSerializer(many=True))
    def get(self, request, producer_id: int):
        producer = _readable_producer(request, producer_id)
        member = producers_for_user(request.user).filter(pk=producer.pk).exists() if (
            request.user.is_authenticated) else False
        page = self.paginate_queryset(_products(producer, include_inactive=member))
        return self.get_paginated_response(ProductSerializer(page, many=True).data)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductSerializer})
    def post(self, request, producer_id: int):
        producer = _member_producer(request, producer_id)
        return Response(_save_product(request, producer), status=status.HTTP_201_CREATED)


class ProductDetail(APIView):
    """One product: public read; members replace it (PUT: everything required), change some
    fields (PATCH: only what is sent) or remove it (DELETE: archived if ever ordered, deleted
    otherwise)."""

    def get_permissions(self):
        return _public_read(self.request)

    def _product(self, producer, product_id, *, include_inactive):
        product = _products(producer, include_inactive=include_inactive).filter(
            pk=product_id
        ).first()
        if product is None:
            raise NotFound
        return product

    @extend_schema(responses=ProductSerializer)
    def get(self, request, producer_id: int, product_id: int):
        producer = _readable_producer(request, producer_id)
        return Response(
            ProductSerializer(self._product(producer, product_id, include_inactive=False)).data
        )

    @extend_schema(request=ProductInputSerializer, responses=ProductSerializer)
    def put(self, request, producer_id: int, product_id: int):
        producer = _member_producer(request, producer_id)
        parent = self._product(producer, product_id, include_inactive=True)
        return Response(_save_product(request, producer, parent=parent))

    @extend_schema(request=ProductInputSerializer(partial=True), responses=ProductSerializer)
    def patch(self, request, producer_id: int, product_id: int):
        producer = _member_producer(request, producer_id)
        parent = self._product(producer, product_id, include_inactive=True)
        return Response(_save_product(request, producer, parent=parent, partial=True))

    @extend_schema(responses={200: ProductRemovedSerializer})
    def delete(self, request, producer_id: int, product_id: int):
        producer = _member_producer(request, producer_id)
        parent = self._product(producer, product_id, include_inactive=True)
        outcome = catalogue_services.product_archive(producer=producer, product=parent)
        return Response({"result": outcome}, status=status.HTTP_200_OK)


class StockUpdate(APIView):
    """Bulk price and stock update by SKU, all or nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=StockChangeSerializer(many=True),
        responses={200: StockUpdatedSerializer, 400: STOCK_ERRORS},
    )
    def post(self, request, producer_id: int):
        producer = _member_producer(request, producer_id)
        serializer = StockChangeSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        records = {
            r.partner_sku: r
            for r in StockRecord.objects.filter(
                partner_id=producer.partner_id, partner_sku__in=[c["sku"] for c in changes]
            ).select_related("product")
        }
        # Errors keyed by the index of the change, as DRF reports list validation errors.
        unknown = {
            index: {"sku": [f"No variant with SKU {change['sku']}."]}
            for index, change in enumerate(changes)
            if change["sku"] not in records
        }
        if unknown:
            raise ApiValidationError(unknown)
        updated = catalogue_services.variants_bulk_update(
            producer=producer,
            user=request.user,
            changes=[
                catalogue_services.VariantChange(
                    stockrecord_id=records[c["sku"]].id, price=c["price"],
                    num_in_stock=c["on_hand"],
                    on_demand=c.get("on_demand", records[c["sku"]].product.on_demand),
                    is_active=c.get("active", records[c["sku"]].product.is_public),
                )
                for c in changes
            ],
        )
        return Response({"updated": updated})


class ImportCreate(APIView):
    """Upload a product file (multipart `file`): 202 with the import, "checking" while a worker
    reads it; poll `GET .../imports/{id}/` for the preview. Writes no product."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "required": ["file"],
                                         "properties": {"file": {"type": "string",
                                                                 "format": "binary"}}}},
        responses={202: ImportSerializer},
    )
    def post(self, request, producer_id: int):
        producer = _member_producer(request, producer_id)
        form = ImportUploadForm(data={}, files=request.FILES)
        if not form.is_valid():
            raise ApiValidationError(form.errors)
        product_import = import_services.import_upload(
            user=request.user, upload=form.cleaned_data["file"], producer=producer
        )
        return Response(ImportSerializer(product_import).data, status=status.HTTP_202_ACCEPTED)


class ImportDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ImportDetailSerializer)
    def get(self, request, producer_id: int, import_id: int):
        producer = _member_producer(request, producer_id)
        product_import = get_object_or_404(ProductImport, pk=import_id, producer=producer)
        product_import.progress = import_services.import_progress(product_import)
        return Response(ImportDetailSerializer(product_import).data)


class ImportConfirm(APIView):
    """Write a previewed import with no errors (a Celery task; poll the import for progress)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: ImportSerializer})
    def post(self, request, producer_id: int, import_id: int):
        producer = _member_producer(request, producer_id)
        product_import = get_object_or_404(ProductImport, pk=import_id, producer=producer)
        if product_import.status == ProductImport.Status.INVALID:
            raise ApiValidationError(
                {"non_field_errors": ["This file has errors: correct them and upload it again."]}
            )
        if product_import.status == ProductImport.Status.CHECKING:
            raise ApiValidationError(
                {"non_field_errors": [_("The file is still being checked: wait for its preview.")]}
            )
        product_import = import_services.import_confirm(
            product_import=product_import, user=request.user
        )
        return Response(ImportSerializer(product_import).data, status=status.HTTP_202_ACCEPTED)
