"""Reports over a hub's cycles: supplier totals, customer totals, fees, VAT by rate and
revenue per producer (issue 10, §6 and §7 "one arithmetic").

Every figure comes from what each order stored when it was charged, never from today's
prices: per line `unit_producer_price`, `unit_markup`, `unit_fees`, `unit_tax` (each per unit,
already rounded to the cent, times `quantity`), `vat_rate`, `line_price_incl_tax` and the JSON
`price_breakdown` (item fees with their VAT rate, VAT per rate); per order the JSON
`fees_breakdown` (per-order fees and delivery, as charged). Cancelled orders are left out, and
so are orders without lines (they get no invoice). So each figure is the one the invoices
print: `tests/orders/test_reconciliation.py` checks it to the cent.

Aggregated in SQL, a constant number of queries whatever the number of orders:

- plain columns through the ORM (`Sum(F("unit_markup") * F("quantity"))`, grouped by
  producer, product, order or VAT rate);
- JSON arrays (item fees, VAT rows, per-order fees) unnested in SQL by a small raw query per
  vendor: PostgreSQL's `jsonb_array_elements` (a lateral join), SQLite's `json_each`. Amounts
  are summed as whole cents (`ROUND(amount * 100)`), so SQLite's floating point never reaches
  a total. The rows to read come from the same ORM queryset as the plain columns (its SQL as
  a subquery), so filters are written once. Item fees are grouped by (name, rate, amount per
  unit) with their quantity: the VAT of each fee is then `round_money(amount x rate) x
  quantity`, the rule `hubs.pricing.price_breakdown` charged it with.

Filters (`ReportFilters`): one or more cycles of the hub (required), a producer (then per-order
fees and delivery, which belong to no producer, are left out), a pickup point (orders
collected there) or deliveries.

Each report is a `Report`: columns, rows (dicts, amounts as `Decimal`) and a totals row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, DecimalField, F, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_model

from hubs.models import Hub, OrderCycle, PickupPoint
from producers.models import Producer
from producers.money import round_money

from . import transitions

Line = get_model("order", "Line")
Order = get_model("order", "Order")

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
_MONEY = DecimalField(max_digits=16, decimal_places=2)

SUPPLIER_TOTALS = "supplier-totals"
SUPPLIER_PRODUCTS = "supplier-products"
CUSTOMER_TOTALS = "customer-totals"
FEES = "fees"
VAT = "vat"
REVENUE = "revenue"

# Per-order fees whose code starts with this are the delivery zone's fee (hubs.pricing).
DELIVERY_CODE = "delivery-"


# --- filters and results -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers: `cycle_ids` of `hub` (required), and optionally one producer,
    one pickup point (orders collected there) or deliveries only."""

    hub: Hub
    cycle_ids: tuple[int, ...]
    producer: Producer | None = None
    pickup_point: PickupPoint | None = None
    delivery: bool = False

    def __post_init__(self):
        if not self.cycle_ids:
            raise ValueError("a report needs at least one cycle")
        if self.pickup_point is not None and self.delivery:
            raise ValueError("a pickup point or deliveries, not both")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, money, rate (percent of VAT), share (percent)

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Report:
    """A report's columns, rows (dicts keyed by column, plus ids) and totals row (the
    numeric columns), in the hub's currency."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict]
    totals: dict
    currency: str
    notes: list[str] = field(default_factory=list)

    def table(self) -> list[list]:
        """Header, rows and totals as lists of cells (what CSV, XLSX and PDF print)."""
        header = [str(column.label) for column in self.columns]
        body = [[_cell(row.get(column.key), column) for column in self.columns]
                for row in self.rows]
        totals = [_cell(self.totals.get(column.key), column) if column.numeric else ""
                  for column in self.columns]
        totals[0] = totals[0] or _("Total")
        return [header, *body, totals]


def _cell(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return f"{value:.2f}"
    if column.kind == "share":
        return f"{value:.1f}"
    if column.kind == "rate":
        return rate_text(value)
    return str(value)


def rate_text(rate) -> str:
    """A VAT rate as written on invoices: `5.5`, `20`, `0`."""
    return format(Decimal(rate).normalize(), "f")


def _rate(value) -> Decimal:
    return Decimal(str(value)).normalize()


def _money(value) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
        return value  # already in cents (PostgreSQL's sums of cents)
    return round_money(Decimal(value))


def _cents(value) -> Decimal:
    """A sum of whole cents from SQL as money."""
    return round_money(Decimal(int(value or 0)) / HUNDRED)


# --- the rows a report reads ---------------------------------------------------------------------


def _cycles(filters: ReportFilters):
    # The hub's own cycles only, whatever ids the caller passed.
    return OrderCycle.objects.filter(hub_id=filters.hub.pk, pk__in=filters.cycle_ids).values("pk")


def report_lines(filters: ReportFilters) -> QuerySet:
    """The order lines a report sums: lines of the cycles' live orders, filtered."""
    lines = Line.objects.filter(order__cycle_id__in=_cycles(filters)).exclude(
        order__status=transitions.CANCELLED)
    if filters.producer is not None:
        lines = lines.filter(partner_id=filters.producer.partner_id)
    if filters.delivery:
        lines = lines.filter(order__fulfilment=Order.Fulfilment.DELIVERY)
    elif filters.pickup_point is not None:
        lines = lines.filter(order__pickup_window__pickup_point_id=filters.pickup_point.pk)
    return lines.order_by()


def report_orders(filters: ReportFilters) -> QuerySet:
    """The orders whose lines a report sums (live orders with at least one such line)."""
    return Order.objects.filter(pk__in=report_lines(filters).values("order_id")).order_by()


def _fee_orders(filters: ReportFilters) -> QuerySet | None:
    """Orders whose per-order fees and delivery count: none when a producer is chosen."""
    return None if filters.producer is not None else report_orders(filters)


def _times_quantity(*columns: str) -> Sum:
    expression = F(columns[0])
    for column in columns[1:]:
        expression = expression + F(column)
    return Sum(expression * F("quantity"), output_field=_MONEY)


def _line_sums() -> dict:
    """What a group of lines adds up to (each per-unit amount times the quantity)."""
    return {
        "units": Sum("quantity"),  # not "quantity": that would hide the column below
        "producer_price": _times_quantity("unit_producer_price"),
        "markup": _times_quantity("unit_markup"),
        "goods": _times_quantity("unit_producer_price", "unit_markup"),
        "fees": _times_quantity("unit_fees"),
        "vat": _times_quantity("unit_tax"),
        "incl_tax": Sum("line_price_incl_tax"),
    }


LINE_SUM_KEYS = ("producer_price", "markup", "goods", "fees", "vat", "incl_tax")


def _line_figures(row: dict) -> dict:
    figures = {key: _money(row.get(key)) for key in LINE_SUM_KEYS}
    figures["quantity"] = int(row.get("units") or 0)
    figures["excl_tax"] = figures["goods"] + figures["fees"]
    return figures


# --- JSON arrays, unnested in SQL ---------------------------------------------------------------


KEY = re.compile(r"[a-z_]+")


class _JsonSql:
    """The SQL of one vendor to read the elements of a JSON array column as rows."""

    def __init__(self):
        self.vendor = connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise ImproperlyConfigured(f"reports read JSON in SQL on PostgreSQL and SQLite, "
                                       f"not {self.vendor}")

    def elements(self, alias: str, column: str, key: str | None) -> str:
        """A FROM clause item joining each element of `alias.column[key]` as `e`."""
        source = f"{alias}.{connection.ops.quote_name(column)}"
        if self.vendor == "postgresql":
            if key:
                source = f"{source} -> '{key}'"
            return (f"CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof({source}) "
                    f"= 'array' THEN {source} ELSE '[]'::jsonb END) AS e(value)")
        return f", json_each({source}, '$.{key}') AS e" if key else f", json_each({source}) AS e"

    def is_object(self) -> str:
        if self.vendor == "postgresql":
            return "jsonb_typeof(e.value) = 'object'"
        return "e.type = 'object'"

    def text(self, key: str) -> str:
        if self.vendor == "postgresql":
            return f"e.value ->> '{key}'"
        return f"json_extract(e.value, '$.{key}')"

    def cents(self, key: str) -> str:
        """The element's amount `key` in whole cents."""
        if self.vendor == "postgresql":
            return f"ROUND(CAST(e.value ->> '{key}' AS numeric) * 100)"
        return f"CAST(ROUND(CAST(json_extract(e.value, '$.{key}') AS REAL) * 100) AS INTEGER)"


def _json_groups(queryset: QuerySet, *, column: str, key: str | None, texts: tuple[str, ...],
                 cents: tuple[str, ...] = (), weight: str | None = None,
                 by_row: bool = False) -> list[tuple]:
    """Group the elements of a JSON array column over the rows of `queryset`, in one query.

    Each result: ([row id,] *texts, sum of weights, *sums of cents x weight), where the
    weight is the row's `weight` column (a line's quantity) or 1."""
    if not all(KEY.fullmatch(k) for k in (*texts, *cents, key or "x", column, weight or "x")):
        raise ValueError("JSON keys and columns are plain names")
    sql = _JsonSql()
    model = queryset.model
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    ids_sql, params = queryset.values("pk").order_by().query.sql_with_params()
    factor = f"t.{connection.ops.quote_name(weight)}" if weight else "1"
    selected = ([f"t.{pk}"] if by_row else []) + [sql.text(k) for k in texts]
    sums = [f"SUM({factor})"] + [f"SUM({sql.cents(k)} * {factor})" for k in cents]
    groups = ", ".join(str(n) for n in range(1, len(selected) + 1))
    # Only identifiers of this module and the models go into the text; the filters' values
    # are parameters of the ORM's own SQL.
    source = f"{table} t {sql.elements('t', column, key)}"
    where = f"t.{pk} IN ({ids_sql}) AND {sql.is_object()}"
    columns = ", ".join(selected + sums)
    query = f"SELECT {columns} FROM {source} WHERE {where} GROUP BY {groups}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@dataclass
class _Fee:
    name: str
    charged: str  # item, order or delivery
    rate: Decimal
    count: int = 0
    excl_tax: Decimal = ZERO
    vat: Decimal = ZERO


def _item_fees(lines: QuerySet) -> list[_Fee]:
    """Item fees (per unit, from each line's breakdown) by name, kind and rate: one query."""
    fees: dict[tuple, _Fee] = {}
    for name, rate, amount, quantity in _json_groups(
            lines, column="price_breakdown", key="fees", texts=("name", "vat_rate", "amount"),
            weight="quantity"):
        rate, amount, quantity = _rate(rate or 0), Decimal(str(amount or 0)), int(quantity)
        fee = fees.setdefault((name or "", rate), _Fee(name or "", "item", rate))
        fee.count += quantity
        fee.excl_tax += amount * quantity
        fee.vat += round_money(amount * rate / HUNDRED) * quantity
    return list(fees.values())


def _order_fees(orders: QuerySet | None) -> list[_Fee]:
    """Per-order fees and delivery (from each order's `fees_breakdown`) by name, kind and
    rate: one query (none when per-order fees are left out)."""
    if orders is None:
        return []
    fees: dict[tuple, _Fee] = {}
    for name, code, rate, count, excl_tax, tax in _json_groups(
            orders, column="fees_breakdown", key=None, texts=("name", "code", "vat_rate"),
            cents=("excl_tax", "tax")):
        charged = "delivery" if (code or "").startswith(DELIVERY_CODE) else "order"
        rate = _rate(rate or 0)
        fee = fees.setdefault((name or "", charged, rate), _Fee(name or "", charged, rate))
        fee.count += int(count)
        fee.excl_tax += _cents(excl_tax)
        fee.vat += _cents(tax)
    return list(fees.values())


# --- the reports ---------------------------------------------------------------------------------

MONEY_COLUMNS = {
    "producer_price": gettext_lazy("Producer price"),
    "markup": gettext_lazy("Hub markup"),
    "fees": gettext_lazy("Fees"),
    "excl_tax": gettext_lazy("Total excl. VAT"),
    "vat": gettext_lazy("VAT"),
    "incl_tax": gettext_lazy("Total incl. VAT"),
}


def _money_columns(*keys: str) -> tuple[Column, ...]:
    return tuple(Column(key, str(MONEY_COLUMNS[key]), "money") for key in keys)


def _sum_rows(rows: list[dict], columns: tuple[Column, ...]) -> dict:
    totals = {}
    for column in columns:
        if column.kind == "money":
            totals[column.key] = sum((row[column.key] for row in rows), ZERO)
        elif column.kind == "int":
            totals[column.key] = sum(row[column.key] for row in rows)
    return totals


def _producer_name(row: dict) -> str:
    return row["producer_name"] or row["line_name"] or _("Unknown producer")


SUPPLIER_MONEY = ("producer_price", "markup", "fees", "excl_tax", "vat", "incl_tax")


def supplier_totals(*, filters: ReportFilters, by_product: bool = False) -> Report:
    """Per producer (or per producer and product): quantity, producer price, hub markup,
    item fees, total excl. VAT, VAT, total incl. VAT. One query."""
    group = {"producer_id": F("partner__producer__id"),
             "producer_name": F("partner__producer__name")}
    if by_product:
        group |= {"line_sku": F("partner_sku"), "line_title": F("title")}
    rows = []
    for row in (report_lines(filters).values(**group)
                .annotate(line_name=Max("partner_name"), **_line_sums())):
        figures = _line_figures(row)
        del figures["goods"]  # shown as producer price and markup
        out = {"producer_id": row["producer_id"], "producer": _producer_name(row), **figures}
        if by_product:
            out |= {"product": row["line_title"], "sku": row["line_sku"]}
        rows.append(out)
    rows.sort(key=lambda r: (r["producer"].casefold(), r["producer_id"] or 0,
                             r.get("product", "").casefold(), r.get("sku", "")))
    text = [Column("producer", str(gettext_lazy("Producer")))]
    if by_product:
        text += [Column("product", str(gettext_lazy("Product"))),
                 Column("sku", str(gettext_lazy("SKU")))]
    columns = (*text, Column("quantity", str(gettext_lazy("Quantity")), "int"),
               *_money_columns(*SUPPLIER_MONEY))
    return Report(
        kind=SUPPLIER_PRODUCTS if by_product else SUPPLIER_TOTALS,
        title=_("Supplier totals by product") if by_product else _("Supplier totals"),
        columns=columns, rows=rows, totals=_sum_rows(rows, columns),
        currency=filters.hub.currency,
    )


def _place(fulfilment: str, point: str | None, zone: str | None) -> str:
    if fulfilment == Order.Fulfilment.DELIVERY:
        return _("Delivery: %(zone)s") % {"zone": zone} if zone else _("Delivery")
    return point or ""


def customer_totals(*, filters: ReportFilters) -> Report:
    """Per order: customer, cycle, pickup point or delivery, goods (producer price and
    markup), fees (item fees and per-order fees and delivery), VAT and total incl. VAT, which
    is the order's total and its invoice's. Three queries."""
    lines = report_lines(filters)
    sums = {row["order_id"]: row for row in lines.values("order_id").annotate(
        goods=_times_quantity("unit_producer_price", "unit_markup"),
        fees=_times_quantity("unit_fees"), vat=_times_quantity("unit_tax"))}
    fees: dict[int, tuple[Decimal, Decimal]] = {}
    fee_orders = _fee_orders(filters)
    if fee_orders is not None:
        for order_id, _count, excl_tax, tax in _json_groups(
                fee_orders, column="fees_breakdown", key=None, texts=(),
                cents=("excl_tax", "tax"), by_row=True):
            fees[order_id] = (_cents(excl_tax), _cents(tax))
    orders = Order.objects.filter(pk__in=lines.values("order_id")).values_list(
        "pk", "number", "cycle_id", "cycle__name", "customer_name", "customer_company",
        "user__first_name", "user__last_name", "user__email", "guest_email", "fulfilment",
        "pickup_window__pickup_point__name", "delivery_zone__name",
    ).order_by()
    places: dict[tuple, str] = {}  # translated once per place, not once per order
    no_fees = (ZERO, ZERO)
    rows = []
    for (pk, number, cycle_id, cycle_name, name, company, first, last, email, guest,
         fulfilment, point, zone) in orders:
        line = sums.get(pk, {})
        fee_excl, fee_tax = fees.get(pk, no_fees)
        goods = _money(line.get("goods"))
        fees_excl = _money(line.get("fees")) + fee_excl
        vat = _money(line.get("vat")) + fee_tax
        place = places.get((fulfilment, point, zone))
        if place is None:
            place = places[(fulfilment, point, zone)] = _place(fulfilment, point, zone)
        email = email or guest or ""
        customer = name or f"{first or ''} {last or ''}".strip() or email
        rows.append({
            "order_id": pk, "order": number, "cycle_id": cycle_id, "cycle": cycle_name,
            "customer": f"{customer} ({company})" if company else customer, "email": email,
            "place": place, "goods": goods, "fees": fees_excl, "excl_tax": goods + fees_excl,
            "vat": vat, "incl_tax": goods + fees_excl + vat,
        })
    rows.sort(key=lambda r: (r["customer"].casefold(), r["order_id"]))
    columns = (
        Column("order", str(gettext_lazy("Order"))),
        Column("customer", str(gettext_lazy("Customer"))),
        Column("email", str(gettext_lazy("E-mail"))),
        Column("cycle", str(gettext_lazy("Cycle"))),
        Column("place", str(gettext_lazy("Pickup or delivery"))),
        Column("goods", str(gettext_lazy("Products excl. VAT")), "money"),
        *_money_columns("fees", "excl_tax", "vat", "incl_tax"),
    )
    totals = _sum_rows(rows, columns) | {"orders": len(rows)}
    return Report(kind=CUSTOMER_TOTALS, title=_("Customer totals"), columns=columns, rows=rows,
                  totals=totals, currency=filters.hub.currency)


CHARGED_LABELS = {
    "item": gettext_lazy("Per item"),
    "order": gettext_lazy("Per order"),
    "delivery": gettext_lazy("Delivery"),
}


def fees_summary(*, filters: ReportFilters) -> Report:
    """Per fee (name, how it is charged, VAT rate): how many items or orders paid it, total
    excl. VAT, VAT, total incl. VAT. Item fees from the lines' breakdowns, per-order fees and
    delivery from the orders'. Two queries."""
    fees = _item_fees(report_lines(filters)) + _order_fees(_fee_orders(filters))
    order = {"item": 0, "order": 1, "delivery": 2}
    fees.sort(key=lambda f: (order[f.charged], f.name.casefold(), f.rate))
    rows = [{
        "fee": fee.name, "charged": fee.charged, "charged_label": str(CHARGED_LABELS[fee.charged]),
        "vat_rate": fee.rate, "count": fee.count, "excl_tax": round_money(fee.excl_tax),
        "vat": round_money(fee.vat), "incl_tax": round_money(fee.excl_tax + fee.vat),
    } for fee in fees]
    columns = (
        Column("fee", str(gettext_lazy("Fee"))),
        Column("charged_label", str(gettext_lazy("Charged"))),
        Column("vat_rate", str(gettext_lazy("VAT rate (%)")), "rate"),
        Column("count", str(gettext_lazy("Items or orders")), "int"),
        *_money_columns("excl_tax", "vat", "incl_tax"),
    )
    totals = _sum_rows(rows, columns)
    del totals["count"]  # items and orders do not add up
    notes = []
    if filters.producer is not None:
        notes.append(_("Per-order fees and delivery belong to no producer: they are left out "
                       "when a producer is chosen."))
    return Report(kind=FEES, title=_("Fees"), columns=columns, rows=rows, totals=totals,
                  currency=filters.hub.currency, notes=notes)


def vat_by_rate(*, filters: ReportFilters) -> Report:
    """Per VAT rate: the base and the VAT of goods (producer price and markup) and of fees
    (item fees, per-order fees, delivery), and their totals: what the invoices' VAT summaries
    add up to. Four queries."""
    lines = report_lines(filters)
    rates: dict[Decimal, dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(("goods_base", "goods_vat", "fees_base", "fees_vat"), ZERO))
    for row in lines.values("vat_rate").annotate(goods=_line_sums()["goods"]):
        rates[_rate(row["vat_rate"])]["goods_base"] += _money(row["goods"])
    # VAT charged per rate on the lines (goods and item fees together, as stored)...
    for rate, _quantity, amount in _json_groups(lines, column="price_breakdown", key="vat",
                                                texts=("rate",), cents=("amount",),
                                                weight="quantity"):
        rates[_rate(rate or 0)]["goods_vat"] += _cents(amount)
    # ... of which the item fees' (each fee's VAT per unit, as pricing charged it).
    for fee in _item_fees(lines) + _order_fees(_fee_orders(filters)):
        rates[fee.rate]["fees_base"] += fee.excl_tax
        rates[fee.rate]["fees_vat"] += fee.vat
        if fee.charged == "item":
            rates[fee.rate]["goods_vat"] -= fee.vat
    rows = []
    for rate in sorted(rates):
        figures = {key: round_money(value) for key, value in rates[rate].items()}
        base = figures["goods_base"] + figures["fees_base"]
        vat = figures["goods_vat"] + figures["fees_vat"]
        rows.append({"vat_rate": rate, **figures, "base": base, "vat": vat,
                     "incl_tax": base + vat})
    columns = (
        Column("vat_rate", str(gettext_lazy("VAT rate (%)")), "rate"),
        Column("goods_base", str(gettext_lazy("Products excl. VAT")), "money"),
        Column("goods_vat", str(gettext_lazy("VAT on products")), "money"),
        Column("fees_base", str(gettext_lazy("Fees excl. VAT")), "money"),
        Column("fees_vat", str(gettext_lazy("VAT on fees")), "money"),
        Column("base", str(gettext_lazy("Base (excl. VAT)")), "money"),
        Column("vat", str(gettext_lazy("VAT")), "money"),
        Column("incl_tax", str(gettext_lazy("Total incl. VAT")), "money"),
    )
    return Report(kind=VAT, title=_("VAT by rate"), columns=columns, rows=rows,
                  totals=_sum_rows(rows, columns), currency=filters.hub.currency)


def revenue_per_producer(*, filters: ReportFilters) -> Report:
    """Per producer: orders, quantity, what the producer is paid (producer price), sales
    excl. and incl. VAT and each producer's share of the sales (incl. VAT), largest first:
    the chart's data. Two queries."""
    lines = report_lines(filters)
    rows = []
    for row in (lines.values(producer_id=F("partner__producer__id"),
                             producer_name=F("partner__producer__name"))
                .annotate(line_name=Max("partner_name"),
                          orders=Count("order_id", distinct=True), **_line_sums())):
        figures = _line_figures(row)
        rows.append({"producer_id": row["producer_id"], "producer": _producer_name(row),
                     "orders": row["orders"], "quantity": figures["quantity"],
                     "producer_price": figures["producer_price"],
                     "excl_tax": figures["excl_tax"], "incl_tax": figures["incl_tax"]})
    total = sum((row["incl_tax"] for row in rows), ZERO)
    for row in rows:
        row["share"] = (row["incl_tax"] * HUNDRED / total).quantize(Decimal("0.1")) if total \
            else Decimal("0.0")
    rows.sort(key=lambda r: (-r["incl_tax"], r["producer"].casefold()))
    columns = (
        Column("producer", str(gettext_lazy("Producer"))),
        Column("orders", str(gettext_lazy("Orders")), "int"),
        Column("quantity", str(gettext_lazy("Quantity")), "int"),
        Column("producer_price", str(gettext_lazy("Paid to the producer")), "money"),
        Column("excl_tax", str(gettext_lazy("Sales excl. VAT")), "money"),
        Column("incl_tax", str(gettext_lazy("Sales incl. VAT")), "money"),
        Column("share", str(gettext_lazy("Share of sales (%)")), "share"),
    )
    totals = _sum_rows(rows, columns)
    # An order with several producers counts once.
    totals["orders"] = lines.aggregate(n=Count("order_id", distinct=True))["n"]
    totals["share"] = Decimal("100.0") if total else Decimal("0.0")
    return Report(kind=REVENUE, title=_("Revenue per producer"), columns=columns, rows=rows,
                  totals=totals, currency=filters.hub.currency)


REPORTS = {
    SUPPLIER_TOTALS: (gettext_lazy("Supplier totals"), supplier_totals),
    SUPPLIER_PRODUCTS: (gettext_lazy("Supplier totals by product"),
                        lambda *, filters: supplier_totals(filters=filters, by_product=True)),
    CUSTOMER_TOTALS: (gettext_lazy("Customer totals"), customer_totals),
    FEES: (gettext_lazy("Fees"), fees_summary),
    VAT: (gettext_lazy("VAT by rate"), vat_by_rate),
    REVENUE: (gettext_lazy("Revenue per producer"), revenue_per_producer),
}


def build_report(kind: str, *, filters: ReportFilters) -> Report:
    """The report named `kind` (a key of REPORTS)."""
    return REPORTS[kind][1](filters=filters)


# --- what the filters offer ----------------------------------------------------------------------


def hub_report_cycles(*, hub: Hub) -> list[OrderCycle]:
    """The hub's cycles a report may cover (all but drafts), latest closing first."""
    return list(OrderCycle.objects.filter(hub=hub, published_at__isnull=False)
                .order_by("-closes_at", "-pk"))


def hub_report_producers(*, hub: Hub) -> list[Producer]:
    """Producers a hub's report may be narrowed to: its suppliers, past and present."""
    return list(Producer.objects.filter(Q(hub_links__hub=hub) | Q(cycle_supplies__cycle__hub=hub))
                .distinct().order_by("name", "pk"))


def producer_report_cycles(*, producer: Producer) -> list[OrderCycle]:
    """Cycles (of any hub) in which the producer sold something, latest closing first."""
    cycle_ids = Line.objects.filter(partner_id=producer.partner_id).exclude(
        order__status=transitions.CANCELLED).values("order__cycle_id")
    return list(OrderCycle.objects.filter(pk__in=cycle_ids).select_related("hub")
                .order_by("-closes_at", "-pk"))
