"""Factur-X for business customers: a PDF/A-3 with the EN 16931 CII XML embedded, read back
and validated with the factur-x library; the XML's figures are the invoice's, and its sums
hold (lines = LineTotalAmount, each rate's basis and tax = the header's)."""

import io
from decimal import Decimal

import facturx
import pytest
from lxml import etree
from oscar.core.loading import get_model
from pypdf import PdfReader

from hubs.models import Hub
from orders import invoice_documents, invoicing
from orders.facturx import NS, split_address
from orders.models import Invoice, OrderHandover

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")


def embedded_xml(pdf: bytes):
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return etree.fromstring(xml)


def one(tree, path: str) -> str:
    found = tree.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, found)
    return found[0] if isinstance(found[0], str) else found[0].text


def amounts(tree, path: str) -> list[Decimal]:
    return [Decimal(e.text) for e in tree.xpath(path, namespaces=NS)]


SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def check_sums(tree) -> None:
    """The EN 16931 arithmetic (BR-CO-10, BR-S-08, BR-CO-13/14/15/16)."""
    line_total = Decimal(one(tree, f"{SUMMATION}/ram:LineTotalAmount"))
    assert sum(amounts(tree, "//ram:SpecifiedTradeSettlementLineMonetarySummation/"
                             "ram:LineTotalAmount")) == line_total
    per_rate: dict[Decimal, Decimal] = {}
    for item in tree.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS):
        rate = Decimal(one(item, ".//ram:ApplicableTradeTax/ram:RateApplicablePercent"))
        amount = Decimal(one(item, ".//ram:LineTotalAmount"))
        quantity = Decimal(one(item, ".//ram:BilledQuantity"))
        price = Decimal(one(item, ".//ram:NetPriceProductTradePrice/ram:ChargeAmount"))
        assert quantity * price == amount
        per_rate[rate] = per_rate.get(rate, Decimal(0)) + amount
    header = {Decimal(one(t, "ram:RateApplicablePercent")): t
              for t in tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)}
    assert set(header) == set(per_rate)
    for rate, tax in header.items():
        basis = Decimal(one(tax, "ram:BasisAmount"))
        assert basis == per_rate[rate]
        assert abs(Decimal(one(tax, "ram:CalculatedAmount")) - basis * rate / 100) < 1
    tax_total = Decimal(one(tree, f"{SUMMATION}/ram:TaxTotalAmount"))
    assert tax_total == sum(amounts(tree, f"{SETTLEMENT}/ram:ApplicableTradeTax/"
                                          "ram:CalculatedAmount"))
    assert Decimal(one(tree, f"{SUMMATION}/ram:TaxBasisTotalAmount")) == line_total
    grand = Decimal(one(tree, f"{SUMMATION}/ram:GrandTotalAmount"))
    assert grand == line_total + tax_total
    prepaid = sum(amounts(tree, f"{SUMMATION}/ram:TotalPrepaidAmount"), Decimal(0))
    assert Decimal(one(tree, f"{SUMMATION}/ram:DuePayableAmount")) == grand - prepaid


def test_a_business_invoice_is_factur_x(processed_cycle):
    carol = Invoice.objects.get(order=processed_cycle.orders.carol)
    assert carol.is_business
    with carol.pdf.open("rb") as handle:
        pdf = handle.read()
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.xmp_metadata is not None
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
    assert "Invoice LPB-" in reader.pages[0].extract_text()  # still a readable invoice

    tree = embedded_xml(pdf)
    assert one(tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == \
        "urn:cen.eu:en16931:2017"
    assert one(tree, "//rsm:ExchangedDocument/ram:ID") == carol.number
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    issued = carol.issued_at.astimezone(processed_cycle.shop.hub.tz)
    assert one(tree, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == \
        f"{issued:%Y%m%d}"
    seller = "//ram:SellerTradeParty"
    assert one(tree, f"{seller}/ram:Name") == "Le Panier SCIC SAS"
    assert one(tree, f"{seller}/ram:GlobalID[@schemeID='0009']") == "73282932000074"
    assert one(tree, f"{seller}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']") == \
        "732829320"
    assert one(tree, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == \
        "FR44732829320"
    assert one(tree, f"{seller}/ram:PostalTradeAddress/ram:PostcodeCode") == "75019"
    assert one(tree, f"{seller}/ram:PostalTradeAddress/ram:CityName") == "Paris"
    buyer = "//ram:BuyerTradeParty"
    assert one(tree, f"{buyer}/ram:Name") == "Coop SARL"
    assert one(tree, f"{buyer}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']") == \
        "732829320"
    assert one(tree, f"{buyer}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == \
        "FR44732829320"
    assert one(tree, "//ram:SellerOrderReferencedDocument/ram:IssuerAssignedID") == \
        processed_cycle.orders.carol.number
    # The invoice's own figures: totals and VAT per rate.
    assert Decimal(one(tree, f"{SUMMATION}/ram:TaxBasisTotalAmount")) == carol.total_excl_tax
    assert Decimal(one(tree, f"{SUMMATION}/ram:TaxTotalAmount")) == carol.total_tax
    assert Decimal(one(tree, f"{SUMMATION}/ram:GrandTotalAmount")) == carol.total_incl_tax
    assert Decimal(one(tree, f"{SUMMATION}/ram:DuePayableAmount")) == carol.total_incl_tax
    vat = {one(t, "ram:RateApplicablePercent"): (one(t, "ram:BasisAmount"),
                                                 one(t, "ram:CalculatedAmount"))
           for t in tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)}
    assert vat == {row["rate"]: (row["base"], row["tax"]) for row in carol.data["vat"]}
    assert set(tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode/text()",
                          namespaces=NS)) == {"S"}
    # Goods, the item fee at its own rate and the per-order fee: one line each.
    names = tree.xpath("//ram:SpecifiedTradeProduct/ram:Name/text()", namespaces=NS)
    assert len(names) == len(carol.data["lines"]) + len(carol.data["fees"])
    assert "Running costs" in names
    # The French notes of a business invoice.
    notes = set(tree.xpath("//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode/text()",
                           namespaces=NS))
    assert {"PMT", "PMD", "AAB"} <= notes
    check_sums(tree)


def test_private_customers_get_a_plain_pdf(processed_cycle):
    alice = Invoice.objects.get(order=processed_cycle.orders.alice)
    with alice.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert not reader.attachments


def test_a_credit_note_is_type_381_with_positive_amounts(processed_cycle):
    carol = Invoice.objects.get(order=processed_cycle.orders.carol)
    credit, new = invoicing.invoice_correct(invoice=carol)
    assert credit.total_incl_tax == -carol.total_incl_tax
    tree = embedded_xml(invoice_documents.invoice_pdf_bytes(credit))
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert one(tree, "//rsm:ExchangedDocument/ram:ID") == credit.number
    assert one(tree, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == carol.number
    issued = carol.issued_at.astimezone(processed_cycle.shop.hub.tz)
    assert one(tree, "//ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/"
                     "qdt:DateTimeString") == f"{issued:%Y%m%d}"
    assert Decimal(one(tree, f"{SUMMATION}/ram:GrandTotalAmount")) == carol.total_incl_tax
    assert all(a >= 0 for a in amounts(tree, "//ram:LineTotalAmount | //ram:ChargeAmount | "
                                             "//ram:BasisAmount | //ram:CalculatedAmount"))
    check_sums(tree)
    new_tree = embedded_xml(invoice_documents.invoice_pdf_bytes(new))
    assert one(new_tree, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    check_sums(new_tree)


def test_a_hub_without_vat_number_invoices_exempt_from_vat(cycle_orders):
    Hub.objects.filter(pk=cycle_orders.carol.cycle.hub_id).update(vat_number="")
    invoice = invoicing.invoice_issue(order_id=cycle_orders.carol.pk)
    tree = embedded_xml(invoice_documents.invoice_pdf_bytes(invoice))
    taxes = tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)
    assert len(taxes) == 1
    assert one(taxes[0], "ram:CategoryCode") == "E"
    assert one(taxes[0], "ram:ExemptionReason") == "TVA non applicable, art. 293 B du CGI"
    assert one(taxes[0], "ram:ExemptionReasonCode") == "VATEX-FR-FRANCHISE"
    assert one(taxes[0], "ram:RateApplicablePercent") == "0"
    assert Decimal(one(taxes[0], "ram:CalculatedAmount")) == 0
    assert set(tree.xpath("//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/"
                          "ram:CategoryCode/text()", namespaces=NS)) == {"E"}
    # What the customer pays is unchanged; the seller gives its SIREN as tax registration.
    assert Decimal(one(tree, f"{SUMMATION}/ram:GrandTotalAmount")) == invoice.total_incl_tax
    assert one(tree, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"
                     "[@schemeID='FC']") == "732829320"
    assert not tree.xpath("//ram:SellerTradeParty//ram:ID[@schemeID='VA']", namespaces=NS)
    check_sums(tree)


def test_a_paid_bank_transfer_invoice(cycle_orders, shop):
    """Bob, a business paying by transfer, had paid before the invoice: SEPA transfer with
    the hub's IBAN, the amount prepaid and nothing due."""
    Order.objects.filter(pk=cycle_orders.bob.pk).update(
        customer_company="Bistrot Bob", customer_company_number="73282932000074")
    OrderHandover.objects.create(order=cycle_orders.bob, paid_at=cycle_orders.bob.date_placed)
    invoice = invoicing.invoice_issue(order_id=cycle_orders.bob.pk)
    assert invoice.is_business
    tree = embedded_xml(invoice_documents.invoice_pdf_bytes(invoice))
    means = "//ram:SpecifiedTradeSettlementPaymentMeans"
    assert one(tree, f"{means}/ram:TypeCode") == "58"
    assert one(tree, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == \
        shop.transfer.iban
    assert one(tree, f"{SETTLEMENT}/ram:PaymentReference") == f"FH-{cycle_orders.bob.number}"
    assert Decimal(one(tree, f"{SUMMATION}/ram:TotalPrepaidAmount")) == invoice.total_incl_tax
    assert Decimal(one(tree, f"{SUMMATION}/ram:DuePayableAmount")) == 0
    assert one(tree, "//ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']") == \
        "73282932000074"
    # The delivery fee is a line of its own.
    assert "Paris 11-12" in tree.xpath("//ram:SpecifiedTradeProduct/ram:Name/text()",
                                       namespaces=NS)
    check_sums(tree)


@pytest.mark.parametrize(("address", "expected"), [
    ("12 rue des Lilas\n75019 Paris", (["12 rue des Lilas"], "75019", "Paris")),
    ("3 place du Marché, 75011 Paris", (["3 place du Marché"], "75011", "Paris")),
    ("Ferme du Bois\nLieu-dit Haut\n2 chemin\nBât. B\n24200 Sarlat",
     (["Ferme du Bois", "Lieu-dit Haut", "2 chemin, Bât. B"], "24200", "Sarlat")),
    ("5 rue Oberkampf", (["5 rue Oberkampf"], "", "")),
    ("", ([], "", "")),
])
def test_free_text_addresses_are_split_for_the_xml(address, expected):
    split = split_address(address)
    assert (split["lines"], split["postcode"], split["city"]) == expected
