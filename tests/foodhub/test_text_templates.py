"""*.txt templates (e-mail subjects and bodies) are plain text: rendered without HTML
escaping, whoever renders them (our services, Oscar, Wagtail); HTML templates still escape."""

from decimal import Decimal
from types import SimpleNamespace

from django.template import engines
from django.template.loader import render_to_string


def test_our_text_e_mails_are_not_html_escaped():
    body = render_to_string("hubs/email/relationship_requested_body.txt", {
        "hub": SimpleNamespace(name="Marché d'Été"),
        "producer": SimpleNamespace(name="L'Atelier <Anne> & fils"),
    })
    assert body.startswith("L'Atelier <Anne> & fils asks to supply Marché d'Été.")


def test_oscar_order_confirmation_text_is_not_html_escaped():
    line = SimpleNamespace(title="Confiture d'abricots", quantity=2,
                           line_price_incl_tax=Decimal("9.00"))
    order = SimpleNamespace(
        number="100042", currency="EUR", lines=SimpleNamespace(all=lambda: [line]),
        basket_total_incl_tax=Decimal("9.00"), shipping_incl_tax=Decimal("0"),
        total_incl_tax=Decimal("9.00"),
        shipping_address=SimpleNamespace(active_address_fields=["Marché d'Été"]),
    )
    body = render_to_string("oscar/communication/emails/commtype_order_placed_body.txt",
                            {"order": order})
    assert "* Confiture d'abricots - quantity: 2" in body
    assert "&#x27;" not in body


def test_html_templates_still_escape():
    html = render_to_string("cms/email/welcome_body.html", {
        "user": SimpleNamespace(email="<script>o'neil@example.com"), "hubs": [],
    })
    assert "&lt;script&gt;o&#x27;neil@example.com" in html
    assert engines["django"].from_string("{{ x }}").render({"x": "<b>"}) == "&lt;b&gt;"
