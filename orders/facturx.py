"""Factur-X for business customers: the EN 16931 CII XML of an invoice or credit note, built
from its snapshot (`Invoice.data`) alone, and embedded in a PDF/A-3 by the `factur-x` library.

Profile `urn:cen.eu:en16931:2017` (Factur-X "EN 16931", the French e-invoicing reform's
reference). Choices, so the XML passes the EN 16931 business rules:
- type code 380 (invoice) or 381 (credit note); a credit note's amounts are positive (the
  snapshot stores them negative) and it names the invoice it cancels (BT-25, BT-26);
- every line (goods, and each fee or delivery as its own line) has one VAT rate: category S
  (Z at 0 %), or, for a hub without a VAT number, E at 0 % with the reason "TVA non
  applicable, art. 293 B du CGI" (VATEX-FR-FRANCHISE) and the price paid as the net amount;
- the VAT breakdown and the totals are summed here from the lines written, so line totals =
  LineTotalAmount and each rate's basis = its lines (BR-CO-10, BR-S-08); the VAT per rate is
  the stored one (per unit times quantity, within the rules' one-unit tolerance of BR-S-09);
- seller and buyer carry their SIREN (scheme 0002, the first 9 digits of a SIRET) as legal
  registration and a SIRET (scheme 0009) as identifier; VAT numbers as `VA`. A seller with no
  VAT number gives its SIREN as tax registration (`FC`), which BR-E-02 asks for;
- the French reform's rules (BR-FR) are met too: business process B1 (goods; B2 when already
  paid) and an electronic address for each party (SIREN in scheme 0225, else the e-mail);
- addresses are free text in the snapshot: a last line "75019 Paris" gives the postcode and
  the city; the country is the VAT number's prefix, France otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import facturx
from django.utils import timezone
from lxml import etree

from . import pdf

PROFILE = "urn:cen.eu:en16931:2017"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
INVOICE, CREDIT_NOTE = "380", "381"
EXEMPTION_REASON = "TVA non applicable, art. 293 B du CGI"
EXEMPTION_CODE = "VATEX-FR-FRANCHISE"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# ISO 3166 codes of the VAT prefixes that differ (Greece writes EL).
VAT_COUNTRY = {"EL": "GR", "XI": "GB"}
# French mentions on a business invoice, by UNTDID 4451 subject (as French CII invoices do).
LATE_PAYMENT = ("PMD", "En cas de retard de paiement, pénalités au taux de trois fois le taux "
                       "d'intérêt légal, exigibles dès le lendemain de l'échéance.")
RECOVERY_INDEMNITY = ("PMT", "Indemnité forfaitaire pour frais de recouvrement en cas de "
                             "retard de paiement : 40 €.")
NO_DISCOUNT = ("AAB", "Pas d'escompte pour paiement anticipé.")


class _Builder:
    """`E.ram("Name", "text")`: elements in the CII namespaces, skipping empty children."""

    def __call__(self, prefix: str, tag: str, *children, **attrs):
        element = etree.Element(f"{{{NS[prefix]}}}{tag}", **attrs)
        for child in children:
            if child is None:
                continue
            if isinstance(child, (str, int, Decimal)):
                element.text = str(child)
            else:
                element.append(child)
        return element

    def ram(self, tag: str, *children, **attrs):
        return self("ram", tag, *children, **attrs)

    def date(self, prefix: str, value: dt.date):
        return self(prefix, "DateTimeString", value.strftime("%Y%m%d"), format="102")


E = _Builder()


@dataclass
class _Line:
    name: str
    quantity: Decimal
    net_price: Decimal
    net_amount: Decimal
    tax: Decimal
    rate: Decimal
    producer: str = ""
    unit: str = ""


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _rate(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _siren(company_number: str) -> str:
    digits = _digits(company_number)
    return digits[:9] if len(digits) in (9, 14) else ""


def _country(vat_number: str) -> str:
    prefix = (vat_number or "")[:2].upper()
    if len(prefix) == 2 and prefix.isalpha():
        return VAT_COUNTRY.get(prefix, prefix)
    return "FR"


def split_address(address: str) -> dict:
    """Free-text address -> {lines (at most 3), postcode, city}: a line (the last one, or the
    last comma-separated part of a one-line address) "75019 Paris" gives postcode and city."""
    parts = [p.strip() for p in (address or "").splitlines() if p.strip()]
    if len(parts) == 1:
        parts = [p.strip() for p in parts[0].split(",") if p.strip()]
    postcode = city = ""
    if parts:
        match = re.fullmatch(r"(\d{4,5}|[A-Z0-9]{2,4} ?[A-Z0-9]{3})\s+(.+)", parts[-1])
        if match:
            postcode, city = match.group(1), match.group(2)
            parts = parts[:-1]
    if len(parts) > 3:
        parts = [*parts[:2], ", ".join(parts[2:])]
    return {"lines": parts, "postcode": postcode, "city": city}


def _address(address: str, country: str):
    split = split_address(address)
    tags = ("LineOne", "LineTwo", "LineThree")
    return E.ram(
        "PostalTradeAddress",
        E.ram("PostcodeCode", split["postcode"]) if split["postcode"] else None,
        *[E.ram(tag, line[:255]) for tag, line in zip(tags, split["lines"], strict=False)],
        E.ram("CityName", split["city"]) if split["city"] else None,
        E.ram("CountryID", country),
    )


def _electronic_address(siren: str, email: str):
    """BT-34 / BT-49: the SIREN in the French directory's scheme (0225), else the e-mail."""
    if siren:
        return E.ram("URIUniversalCommunication", E.ram("URIID", siren, schemeID="0225"))
    if email:
        return E.ram("URIUniversalCommunication", E.ram("URIID", email, schemeID="EM"))
    return None


def _party(tag: str, *, name: str, company_number: str, vat_number: str, address: str,
           trading_name: str = "", contact: dict | None = None, email: str = "",
           tax_registration_fallback: bool = False):
    digits = _digits(company_number)
    siren = _siren(company_number)
    tax_ids = []
    if vat_number:
        tax_ids.append(E.ram("SpecifiedTaxRegistration", E.ram("ID", vat_number, schemeID="VA")))
    elif tax_registration_fallback and siren:
        tax_ids.append(E.ram("SpecifiedTaxRegistration", E.ram("ID", siren, schemeID="FC")))
    legal = None
    if siren or trading_name:
        legal = E.ram(
            "SpecifiedLegalOrganization",
            E.ram("ID", siren, schemeID="0002") if siren else None,
            E.ram("TradingBusinessName", trading_name[:200]) if trading_name else None,
        )
    person = None
    if contact and any(contact.values()):
        person = E.ram(
            "DefinedTradeContact",
            E.ram("PersonName", contact["name"][:200]) if contact.get("name") else None,
            E.ram("TelephoneUniversalCommunication", E.ram("CompleteNumber", contact["phone"]))
            if contact.get("phone") else None,
            E.ram("EmailURIUniversalCommunication", E.ram("URIID", contact["email"]))
            if contact.get("email") else None,
        )
    return E.ram(
        tag,
        E.ram("GlobalID", digits, schemeID="0009") if len(digits) == 14 else None,
        E.ram("Name", name[:200]),
        legal,
        person,
        _address(address, _country(vat_number)),
        _electronic_address(siren, email),
        *tax_ids,
    )


def _lines(data: dict, *, sign: int, exempt: bool) -> list[_Line]:
    """Goods lines then fees, positive for a credit note. For an exempt seller the price
    paid (excl. + VAT) is the net amount, at 0 %."""
    lines = []
    for item, producer in [(ln, ln.get("producer", "")) for ln in data["lines"]] + [
            (fee, "") for fee in data["fees"]]:
        quantity = Decimal(item.get("quantity") or 1)
        excl = Decimal(item["total_excl_tax"]) * sign
        tax = Decimal(item["tax"]) * sign
        rate = Decimal(item["vat_rate"])
        if exempt:
            excl, tax, rate = excl + tax, ZERO, ZERO
        lines.append(_Line(
            name=item.get("product") or item.get("name") or "", quantity=quantity,
            net_price=(excl / quantity).quantize(CENT) if exempt else
            Decimal(item["unit_price_excl_tax"]) * sign,
            net_amount=excl, tax=tax, rate=rate, producer=producer,
            unit=item.get("unit") or "",
        ))
    return lines


def _category(rate: Decimal, exempt: bool) -> str:
    if exempt:
        return "E"
    return "S" if rate else "Z"


def _line_item(number: int, line: _Line, exempt: bool):
    characteristics = [
        E.ram("ApplicableProductCharacteristic", E.ram("Description", label),
              E.ram("Value", value[:200]))
        for label, value in (("Producer", line.producer), ("Unit", line.unit)) if value
    ]
    return E.ram(
        "IncludedSupplyChainTradeLineItem",
        E.ram("AssociatedDocumentLineDocument", E.ram("LineID", str(number))),
        E.ram("SpecifiedTradeProduct", E.ram("Name", line.name[:255]), *characteristics),
        E.ram("SpecifiedLineTradeAgreement",
              E.ram("NetPriceProductTradePrice", E.ram("ChargeAmount", _money(line.net_price)))),
        E.ram("SpecifiedLineTradeDelivery",
              E.ram("BilledQuantity", str(line.quantity), unitCode="C62")),
        E.ram(
            "SpecifiedLineTradeSettlement",
            E.ram("ApplicableTradeTax", E.ram("TypeCode", "VAT"),
                  E.ram("CategoryCode", _category(line.rate, exempt)),
                  E.ram("RateApplicablePercent", _rate(line.rate))),
            E.ram("SpecifiedTradeSettlementLineMonetarySummation",
                  E.ram("LineTotalAmount", _money(line.net_amount))),
        ),
    )


def vat_breakdown(lines: list[_Line]) -> list[dict]:
    """{rate, base, tax} per rate, summed from the lines (sorted by rate)."""
    rows: dict[Decimal, dict] = {}
    for line in lines:
        row = rows.setdefault(line.rate.normalize(), {"base": ZERO, "tax": ZERO})
        row["base"] += line.net_amount
        row["tax"] += line.tax
    return [{"rate": rate, **row} for rate, row in sorted(rows.items())]


def _notes(data: dict, *, is_business: bool, exempt: bool) -> list:
    notes = []
    if exempt:
        notes.append(("REG", EXEMPTION_REASON))
    if is_business:
        notes += [NO_DISCOUNT, LATE_PAYMENT, RECOVERY_INDEMNITY]
    return [E.ram("IncludedNote", E.ram("Content", text), E.ram("SubjectCode", code))
            for code, text in notes]


def _payment_means(payment: dict):
    if payment.get("kind") == "bank_transfer" and payment.get("iban"):
        return E.ram(
            "SpecifiedTradeSettlementPaymentMeans",
            E.ram("TypeCode", "58"),
            E.ram("Information", payment.get("method") or "SEPA credit transfer"),
            E.ram("PayeePartyCreditorFinancialAccount",
                  E.ram("IBANID", re.sub(r"\s", "", payment["iban"]))),
            E.ram("PayeeSpecifiedCreditorFinancialInstitution", E.ram("BICID", payment["bic"]))
            if payment.get("bic") else None,
        )
    return E.ram("SpecifiedTradeSettlementPaymentMeans", E.ram("TypeCode", "1"),
                 E.ram("Information", payment.get("method") or "—"))


def invoice_xml(invoice) -> bytes:
    """The CII XML (UTF-8 bytes) of an issued invoice or credit note, from its snapshot."""
    data = invoice.data
    credit = invoice.is_credit_note
    sign = -1 if credit else 1
    seller, buyer, payment = data["seller"], data["buyer"], data["payment"]
    exempt = bool(seller.get("vat_exempt"))
    currency = data.get("currency") or "EUR"
    tz = zoneinfo.ZoneInfo((data.get("hub") or {}).get("time_zone") or invoice.hub.time_zone)
    issued_on = timezone.localtime(invoice.issued_at, tz).date()

    lines = _lines(data, sign=sign, exempt=exempt)
    breakdown = vat_breakdown(lines)
    line_total = sum((ln.net_amount for ln in lines), ZERO)
    tax_total = sum((row["tax"] for row in breakdown), ZERO)
    grand_total = line_total + tax_total
    prepaid = grand_total if payment.get("paid") and not credit else ZERO

    taxes = [
        E.ram("ApplicableTradeTax",
              E.ram("CalculatedAmount", _money(row["tax"])),
              E.ram("TypeCode", "VAT"),
              E.ram("ExemptionReason", EXEMPTION_REASON) if exempt else None,
              E.ram("BasisAmount", _money(row["base"])),
              E.ram("CategoryCode", _category(row["rate"], exempt)),
              E.ram("ExemptionReasonCode", EXEMPTION_CODE) if exempt else None,
              E.ram("RateApplicablePercent", _rate(row["rate"])))
        for row in breakdown
    ]
    due = payment.get("due_date")
    terms_text = (
        "Avoir : montant crédité au client." if credit else
        ("Payé." if payment.get("paid") else
         (f"Paiement à {payment['terms_days']} jours." if payment.get("terms_days")
          else "Paiement à réception."))
    )
    terms = E.ram(
        "SpecifiedTradePaymentTerms", E.ram("Description", terms_text),
        E.ram("DueDateDateTime", E.date("udt", dt.date.fromisoformat(due)))
        if due and not credit else None,
    )
    corrects = data.get("corrects") or {}
    delivery_date = (data.get("delivery") or {}).get("date")

    root = E(
        "rsm", "CrossIndustryInvoice",
        E("rsm", "ExchangedDocumentContext",
          E.ram("BusinessProcessSpecifiedDocumentContextParameter",
                E.ram("ID", "B2" if payment.get("paid") and not credit else "B1")),
          E.ram("GuidelineSpecifiedDocumentContextParameter", E.ram("ID", PROFILE))),
        E("rsm", "ExchangedDocument",
          E.ram("ID", invoice.number),
          E.ram("TypeCode", CREDIT_NOTE if credit else INVOICE),
          E.ram("IssueDateTime", E.date("udt", issued_on)),
          *_notes(data, is_business=invoice.is_business, exempt=exempt)),
        E("rsm", "SupplyChainTradeTransaction",
          *[_line_item(n, line, exempt) for n, line in enumerate(lines, 1)],
          E.ram("ApplicableHeaderTradeAgreement",
                _party("SellerTradeParty", name=seller.get("legal_name") or seller["name"],
                       trading_name=seller["name"], company_number=seller["company_number"],
                       vat_number=seller.get("vat_number", ""), address=seller["address"],
                       email=seller.get("email", ""), tax_registration_fallback=True),
                _party("BuyerTradeParty", name=buyer.get("company") or buyer["name"],
                       company_number=buyer.get("company_number", ""),
                       vat_number=buyer.get("vat_number", ""), address=buyer.get("address", ""),
                       contact={"name": buyer["name"] if buyer.get("company") else "",
                                "phone": buyer.get("phone", ""),
                                "email": buyer.get("email", "")},
                       email=buyer.get("email", "")),
                E.ram("SellerOrderReferencedDocument",
                      E.ram("IssuerAssignedID", data["order"]["number"]))),
          E.ram("ApplicableHeaderTradeDelivery",
                E.ram("ActualDeliverySupplyChainEvent", E.ram(
                    "OccurrenceDateTime", E.date("udt", dt.date.fromisoformat(delivery_date))))
                if delivery_date else None),
          E.ram("ApplicableHeaderTradeSettlement",
                E.ram("PaymentReference", payment["reference"][:140])
                if payment.get("reference") else None,
                E.ram("InvoiceCurrencyCode", currency),
                None if credit else _payment_means(payment),
                *taxes,
                terms,
                E.ram("SpecifiedTradeSettlementHeaderMonetarySummation",
                      E.ram("LineTotalAmount", _money(line_total)),
                      E.ram("TaxBasisTotalAmount", _money(line_total)),
                      E.ram("TaxTotalAmount", _money(tax_total), currencyID=currency),
                      E.ram("GrandTotalAmount", _money(grand_total)),
                      E.ram("TotalPrepaidAmount", _money(prepaid)) if prepaid else None,
                      E.ram("DuePayableAmount", _money(grand_total - prepaid))),
                E.ram("InvoiceReferencedDocument",
                      E.ram("IssuerAssignedID", corrects["number"]),
                      E.ram("FormattedIssueDateTime", E.date("qdt", timezone.localtime(
                          dt.datetime.fromisoformat(corrects["issued_at"]), tz).date())))
                if credit and corrects else None),
          ),
        nsmap=NS,
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def facturx_pdf(invoice, html: str) -> bytes:
    """The invoice's HTML as a PDF/A-3b with its CII XML embedded (checked against the
    Factur-X EN 16931 schema by the library; an invalid XML raises instead of being sent)."""
    base = pdf.html_to_pdf(html, pdf_variant="pdf/a-3b")
    seller = invoice.data["seller"]
    title = f"{'Avoir' if invoice.is_credit_note else 'Facture'} {invoice.number}"
    language = invoice.data.get("language") or "fr"
    return facturx.generate_from_binary(
        base, invoice_xml(invoice), flavor="factur-x", level="en16931", check_xsd=True,
        pdf_metadata={
            "author": seller.get("legal_name") or seller["name"],
            "keywords": "Factur-X, Invoice",
            "title": title,
            "subject": f"Factur-X {title}",
        },
        lang="fr-FR" if language.startswith("fr") else "en-GB",
    )
