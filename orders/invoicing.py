"""Invoices and credit notes: the snapshot, the gapless number, and corrections.

An invoice is issued once per order (revision 1) when its cycle is processed. Its number comes
from the hub's counter row for the year, locked with `select_for_update` in the transaction
that creates the invoice: a number is spent only by an invoice that commits, so the sequence
has no gap and no duplicate even when two cycles of one hub close at the same moment (and
the unique constraint on (hub, year, sequence) makes a duplicate impossible, not unlikely).
On SQLite, whose writes are serialised, the lock is a no-op and the constraint still holds.

Everything printed is snapshotted in `Invoice.data` from the amounts stored on the order at
checkout (`Line.unit_*`, `price_breakdown`, `Order.fees_breakdown`); nothing is recomputed
from today's prices. A correction issues a credit note (the negated snapshot of the invoice it
cancels, its own number) and, when the order still has lines, a new invoice (revision + 1).

Shape of `data` (amounts are decimal strings; credit notes carry negative amounts):
    seller {name, legal_name, address, company_number, vat_number, email, phone, vat_exempt}
    buyer {name, company, company_number, vat_number, address, email, phone}
    currency, language, hub {slug, name, time_zone}, order {number, placed_at},
    cycle {id, name}
    delivery {kind, date, place, window}
    lines [{product, producer, quantity, unit, unit_price_excl_tax, vat_rate,
            total_excl_tax, tax, total_incl_tax}]
    fees [{name, code, quantity, unit, unit_price_excl_tax, vat_rate, total_excl_tax, tax,
           total_incl_tax}]
    vat [{rate, base, tax}]          one row per rate, sorted by rate
    totals {excl_tax, tax, incl_tax}
    payment {method, kind, iban, bic, reference, instructions, paid, terms_days, due_date}
    corrects {number, issued_at}     credit notes only
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_model

from hubs.models import Hub
from producers.money import round_money

from . import transitions
from .models import Invoice, InvoiceCounter, OrderHandover

Order = get_model("order", "Order")
logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")

# Hub fields an invoice cannot be issued without (French mentions obligatoires): each entry
# is satisfied when any of its fields is filled in (a hub outside France has no SIRET but an
# EU VAT number identifies it).
REQUIRED_LEGAL_FIELDS = {
    ("legal_name",): gettext_lazy("legal name"),
    ("registered_address",): gettext_lazy("registered address"),
    ("company_number", "vat_number"): gettext_lazy("SIRET / SIREN (or, outside France, VAT "
                                                   "number)"),
}


class InvoicingRefused(ValidationError):
    """The hub lacks legal details: nothing is numbered until they are filled in."""


def hub_legal_missing(hub: Hub) -> list[str]:
    """The labels of the legal fields a hub must fill in before it may invoice (empty: none)."""
    return [str(label) for fields, label in REQUIRED_LEGAL_FIELDS.items()
            if not any((getattr(hub, field) or "").strip() for field in fields)]


def require_invoicing_details(hub: Hub) -> None:
    missing = hub_legal_missing(hub)
    if missing:
        raise InvoicingRefused(
            _("Invoices cannot be issued: fill in the hub's %(fields)s in its settings.")
            % {"fields": ", ".join(missing)}
        )


def invoice_number(*, prefix: str, year: int, sequence: int) -> str:
    """`LPB-2026-000123`."""
    return f"{prefix}-{year}-{sequence:06d}"


def _next_sequence(hub: Hub, year: int) -> int:
    # Creating the row first (a no-op when it exists) lets every caller lock the same row.
    try:
        with transaction.atomic():
            InvoiceCounter.objects.get_or_create(hub=hub, year=year)
    except IntegrityError:
        pass  # created by a concurrent caller in the meantime
    counter = InvoiceCounter.objects.select_for_update().get(hub=hub, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _money(value: Decimal) -> str:
    return f"{round_money(Decimal(value)):.2f}"


def _rate(value) -> str:
    return format(Decimal(value).normalize(), "f")


@dataclass
class _VatRow:
    base: Decimal = ZERO
    tax: Decimal = ZERO


def _line_parts(line) -> list[dict]:
    """One order line as invoice lines with one VAT rate each.

    Usually one: goods, markup and item fees at the goods' rate. Item fees taxed at another
    rate become their own line ("Fees on …"), so each line and the Factur-X XML carry a single
    rate. Amounts are the stored per-unit figures times the quantity."""
    qty = line.quantity
    goods_rate = Decimal(line.vat_rate).normalize()
    vat_by_rate = {Decimal(v["rate"]).normalize(): Decimal(v["amount"])
                   for v in (line.price_breakdown or {}).get("vat", [])}
    base_by_rate: dict[Decimal, Decimal] = {
        goods_rate: Decimal(line.unit_producer_price) + Decimal(line.unit_markup)}
    fee_names: dict[Decimal, list[str]] = {}
    for fee in (line.price_breakdown or {}).get("fees", []):
        rate = Decimal(fee.get("vat_rate", line.vat_rate)).normalize()
        base_by_rate[rate] = base_by_rate.get(rate, ZERO) + Decimal(fee["amount"])
        if rate != goods_rate:
            fee_names.setdefault(rate, []).append(fee["name"])
    if not vat_by_rate:  # an order written before breakdowns had VAT rows
        vat_by_rate = {goods_rate: Decimal(line.unit_tax)}
    unit = (line.product.unit_label if line.product_id and line.product else "") or ""
    parts = []
    for rate in sorted(base_by_rate, key=lambda r: (r != goods_rate, r)):
        unit_excl = base_by_rate[rate]
        unit_tax = vat_by_rate.get(rate, ZERO)
        title = line.title if rate == goods_rate else _("Fees on %(product)s (%(fees)s)") % {
            "product": line.title, "fees": ", ".join(fee_names.get(rate, []))}
        parts.append({
            "product": title,
            "producer": line.partner_name,
            "quantity": qty,
            "unit": unit,
            "unit_price_excl_tax": _money(unit_excl),
            "vat_rate": _rate(rate),
            "total_excl_tax": _money(unit_excl * qty),
            "tax": _money(unit_tax * qty),
            "total_incl_tax": _money((unit_excl + unit_tax) * qty),
        })
    return parts


def _seller(hub: Hub) -> dict:
    street = ", ".join(p for p in (hub.street, f"{hub.postcode} {hub.city}".strip()) if p)
    return {
        "name": hub.name,
        "legal_name": hub.legal_name,
        "address": hub.registered_address or street,
        "company_number": hub.company_number,
        "vat_number": hub.vat_number,
        "email": hub.contact_email,
        "phone": hub.phone,
        "vat_exempt": not hub.vat_number,
    }


def _buyer(order) -> dict:
    address = order.customer_address or order.delivery_address
    if order.delivery_postcode and order.delivery_postcode not in address:
        address = f"{address}\n{order.delivery_postcode}".strip()
    return {
        "name": order.customer_name or (order.user.get_full_name() if order.user_id else "")
        or order.email,
        "company": order.customer_company,
        "company_number": order.customer_company_number,
        "vat_number": order.customer_vat_number,
        "address": address,
        "email": order.email,
        "phone": order.contact_phone,
    }


def _delivery(order) -> dict:
    window = order.pickup_window
    place = ""
    if window is not None:
        point = window.pickup_point
        place = f"{point.name}, {point.address}" if point is not None else ""
    if order.fulfilment == order.Fulfilment.DELIVERY:
        place = order.delivery_address
    return {
        "kind": order.fulfilment,
        "date": window.date.isoformat() if window else "",
        "place": place,
        "window": (f"{window.start_time:%H:%M}–{window.end_time:%H:%M}" if window else ""),
    }


def invoice_snapshot(order, *, hub: Hub, issued_at: dt.datetime) -> dict:
    """Everything an invoice of `order` prints, from the amounts stored at checkout."""
    lines = []
    vat: dict[Decimal, _VatRow] = {}
    for line in order.lines.all():
        for part in _line_parts(line):
            lines.append(part)
            row = vat.setdefault(Decimal(part["vat_rate"]), _VatRow())
            row.base += Decimal(part["total_excl_tax"])
            row.tax += Decimal(part["tax"])
    fees = []
    for fee in order.fees_breakdown or []:
        rate = Decimal(fee["vat_rate"]).normalize()
        fees.append({
            "name": fee["name"], "code": fee.get("code", ""), "quantity": 1, "unit": "",
            "unit_price_excl_tax": _money(Decimal(fee["excl_tax"])), "vat_rate": _rate(rate),
            "total_excl_tax": _money(Decimal(fee["excl_tax"])), "tax": _money(Decimal(fee["tax"])),
            "total_incl_tax": _money(Decimal(fee["incl_tax"])),
        })
        row = vat.setdefault(rate, _VatRow())
        row.base += Decimal(fee["excl_tax"])
        row.tax += Decimal(fee["tax"])
    total_excl = sum((r.base for r in vat.values()), ZERO)
    total_tax = sum((r.tax for r in vat.values()), ZERO)
    terms = hub.payment_terms_days if order.is_business else 0
    local = timezone.localtime(issued_at, hub.tz)
    return {
        "seller": _seller(hub),
        "buyer": _buyer(order),
        "currency": order.currency,
        "language": order.language or hub.language,
        "hub": {"slug": hub.slug, "name": hub.name, "time_zone": hub.time_zone},
        "order": {"number": order.number, "placed_at": order.date_placed.isoformat()},
        "cycle": {"id": order.cycle_id, "name": order.cycle.name},
        "delivery": _delivery(order),
        "lines": lines,
        "fees": fees,
        "vat": [{"rate": _rate(rate), "base": _money(row.base), "tax": _money(row.tax)}
                for rate, row in sorted(vat.items())],
        "totals": {"excl_tax": _money(total_excl), "tax": _money(total_tax),
                   "incl_tax": _money(total_excl + total_tax)},
        "payment": {
            "method": order.payment_method_name,
            # kind (at_pickup, bank_transfer), IBAN and BIC: the Factur-X payment means.
            **_payment_means(order),
            "reference": order.payment_reference,
            "instructions": order.payment_instructions,
            "paid": _is_paid(order),
            "terms_days": terms,
            "due_date": (local.date() + dt.timedelta(days=terms)).isoformat(),
        },
    }


def _payment_means(order) -> dict:
    method = order.payment_method
    if method is None:
        return {"kind": "", "iban": "", "bic": ""}
    return {"kind": method.kind, "iban": method.iban, "bic": method.bic}


def _is_paid(order) -> bool:
    return OrderHandover.objects.filter(order=order, paid_at__isnull=False).exists()


def _negated(data: dict, original: Invoice) -> dict:
    def neg(value: str) -> str:
        return _money(-Decimal(value))

    out = {**data}
    money_keys = ("unit_price_excl_tax", "total_excl_tax", "tax", "total_incl_tax")
    out["lines"] = [{**ln, **{k: neg(ln[k]) for k in money_keys}} for ln in data["lines"]]
    out["fees"] = [{**f, **{k: neg(f[k]) for k in money_keys}} for f in data["fees"]]
    out["vat"] = [{**v, "base": neg(v["base"]), "tax": neg(v["tax"])} for v in data["vat"]]
    out["totals"] = {k: neg(v) for k, v in data["totals"].items()}
    out["corrects"] = {"number": original.number, "issued_at": original.issued_at.isoformat()}
    return out


def _create(*, hub: Hub, order, kind: str, revision: int, data: dict, issued_at: dt.datetime,
            corrects: Invoice | None = None) -> Invoice:
    year = timezone.localtime(issued_at, hub.tz).year
    sequence = _next_sequence(hub, year)
    return Invoice.objects.create(
        hub=hub, cycle_id=order.cycle_id, order=order, kind=kind, revision=revision,
        corrects=corrects, year=year, sequence=sequence,
        number=invoice_number(prefix=hub.invoice_number_prefix, year=year, sequence=sequence),
        issued_at=issued_at, is_business=order.is_business,
        customer_name=(data["buyer"]["company"] or data["buyer"]["name"])[:200],
        total_excl_tax=Decimal(data["totals"]["excl_tax"]),
        total_tax=Decimal(data["totals"]["tax"]),
        total_incl_tax=Decimal(data["totals"]["incl_tax"]),
        data=data,
    )


def _order_for_invoice(order_id: int):
    return (Order.objects.select_related("cycle__hub", "pickup_window__pickup_point", "user",
                                         "payment_method")
            .prefetch_related("lines__product").get(pk=order_id))


def current_invoice(order) -> Invoice | None:
    """The order's invoice in force: the latest one that no credit note cancels."""
    return (Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE,
                                   credit_note__isnull=True)
            .order_by("-revision").first())


@transaction.atomic
def invoice_issue(*, order_id: int, now: dt.datetime | None = None) -> Invoice | None:
    """Issue the first invoice of an order; idempotent (returns the one already issued).

    Returns None for an order that is not invoiced: cancelled, or without lines."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        return None
    existing = Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).order_by(
        "revision").first()
    if existing is not None:
        return existing
    order = _order_for_invoice(order_id)
    if order.status == transitions.CANCELLED or not order.lines.exists():
        return None
    hub = Hub.objects.get(pk=order.cycle.hub_id)
    require_invoicing_details(hub)
    issued_at = now or timezone.now()
    data = invoice_snapshot(order, hub=hub, issued_at=issued_at)
    return _create(hub=hub, order=order, kind=Invoice.Kind.INVOICE, revision=1, data=data,
                   issued_at=issued_at)


@transaction.atomic
def invoice_correct(*, invoice: Invoice, now: dt.datetime | None = None
                    ) -> tuple[Invoice, Invoice | None]:
    """Cancel `invoice` with a credit note and, if the order still has lines, issue a new
    invoice from the order as it stands now. Call after changing the order (a service does);
    returns (credit note, new invoice or None)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_credit_note:
        raise ValidationError(_("A credit note cannot itself be corrected."))
    if Invoice.objects.filter(corrects=invoice).exists():
        raise ValidationError(_("This invoice has already been cancelled by a credit note."))
    issued_at = now or timezone.now()
    hub = Hub.objects.get(pk=invoice.hub_id)
    require_invoicing_details(hub)
    order = _order_for_invoice(invoice.order_id)
    credit_data = _negated(invoice.data, invoice)
    credit = _create(hub=hub, order=order, kind=Invoice.Kind.CREDIT_NOTE,
                     revision=invoice.revision, data=credit_data, issued_at=issued_at,
                     corrects=invoice)
    new = None
    if order.status != transitions.CANCELLED and order.lines.exists():
        data = invoice_snapshot(order, hub=hub, issued_at=issued_at)
        new = _create(hub=hub, order=order, kind=Invoice.Kind.INVOICE,
                      revision=invoice.revision + 1, data=data, issued_at=issued_at)
    return credit, new


# --- corrections after processing ------------------------------------------------------------

CORRECTABLE = (transitions.PROCESSED, transitions.COLLECTED)


def _check_corrections(lines: list, current: dict) -> dict:
    """{offer id: new quantity} for the lines that change, or a ValidationError: only lower
    quantities (0 removes the line) of lines the order has, each named once."""
    wanted: dict = {}
    seen: set = set()
    for request in lines:
        quantity = request.quantity
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise ValidationError(_("Quantities are whole numbers."))
        if request.offer_id not in current:
            raise ValidationError(_("This order has no such line: only its own lines can be "
                                    "corrected, and no line can be added after the close."))
        if request.offer_id in seen:
            raise ValidationError(_("Each line can be corrected only once at a time."))
        seen.add(request.offer_id)
        line = current[request.offer_id]
        if quantity < 0:
            raise ValidationError(_("A quantity cannot be negative."))
        if quantity > line.quantity:
            raise ValidationError(
                _("%(title)s: a quantity can only be lowered after the close (at most "
                  "%(n)s).") % {"title": line.title, "n": line.quantity})
        if quantity != line.quantity:
            wanted[request.offer_id] = quantity
    if not wanted:
        raise ValidationError(_("Nothing to correct: no quantity was lowered."))
    return wanted


@transaction.atomic
def order_correct(*, order, lines: list, user, now: dt.datetime | None = None
                  ) -> tuple[Invoice, Invoice | None]:
    """Correct a processed (or collected) order for its hub's manager: lower quantities or
    remove lines (a producer was short), never raise or add. Each line keeps the per-unit
    amounts stored at checkout; the order's totals follow (an order left without lines pays
    no per-order fee). The invoice in force is cancelled by a credit note and, when lines
    are left, a new invoice issued (`invoice_correct`); both are rendered and e-mailed to the
    customer after commit (Celery). An audit note records who changed what.

    `lines`: `services.LineRequest(offer_id, quantity)` for the lines to change (the offer
    names the line; 0 removes it); lines not listed are kept. Stock is not given back: what
    was short never reached the hub. Returns (credit note, new invoice or None)."""
    from hubs.selectors import hubs_for_user

    from . import services

    order = (Order.objects.select_for_update(of=("self",)).select_related("cycle__hub")
             .get(pk=order.pk))
    hub = order.cycle.hub if order.cycle_id else None
    if hub is None or not hubs_for_user(user).filter(pk=hub.pk).exists():
        raise PermissionDenied(_("Only the hub's managers may correct its orders."))
    if order.status not in CORRECTABLE:
        raise ValidationError(_("Only a processed order can be corrected; until the cycle "
                                "is processed, change the order itself."))
    invoice = current_invoice(order)
    if invoice is None:
        raise ValidationError(_("This order has no invoice in force to correct."))
    current = {line.offer_id: line for line in order.lines.all() if line.offer_id}
    wanted = _check_corrections(lines, current)
    changes = []
    for offer_id, quantity in sorted(wanted.items()):
        line = current[offer_id]
        changes.append(f"{line.title}: {line.quantity} → {quantity}")
        if quantity == 0:
            line.delete()
            continue
        line.quantity = quantity
        line.line_price_excl_tax = line.unit_price_excl_tax * quantity
        line.line_price_incl_tax = line.unit_price_incl_tax * quantity
        line.line_price_before_discounts_excl_tax = line.line_price_excl_tax
        line.line_price_before_discounts_incl_tax = line.line_price_incl_tax
        line.save(update_fields=[
            "quantity", "line_price_excl_tax", "line_price_incl_tax",
            "line_price_before_discounts_excl_tax", "line_price_before_discounts_incl_tax"])
    if not order.lines.exists():  # nothing delivered: no per-order fee either
        order.surcharges.all().delete()
        order.fees_breakdown = []
        order.save(update_fields=["fees_breakdown", "updated_at"])
    services._refresh_totals(order)
    credit, new = invoice_correct(invoice=invoice, now=now)
    numbers = credit.number + (f", {new.number}" if new else "")
    services._note(order, user=user, message=_(
        "Corrected by %(who)s after the close: %(changes)s (credit note and invoice: "
        "%(numbers)s)") % {"who": services._who(user, True), "changes": "; ".join(changes),
                           "numbers": numbers})
    ids = [credit.pk] + ([new.pk] if new else [])
    transaction.on_commit(lambda: _enqueue_documents(ids))
    return credit, new


def _enqueue_documents(invoice_ids: list[int]) -> None:
    """Render and e-mail corrected documents (Celery). With the broker down they are rendered
    when first downloaded; the e-mail waits for a rerun of the task."""
    from . import tasks

    try:
        tasks.send_invoice_documents.delay(invoice_ids)
    except Exception:
        logger.exception("could not enqueue the documents of invoices %s", invoice_ids)
