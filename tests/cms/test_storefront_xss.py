"""What hub managers and producers write is escaped on the storefront pages; rich text goes
through Wagtail's converter, which keeps only the features the block allows."""

import json

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cms.models import HubStorefrontPage
from cms.services import producer_page_ensure, storefront_ensure
from hubs.models import Hub, PickupPoint
from hubs.services import hub_manager_add
from producers.models import Producer
from tests.foodhub.test_xss import assert_escaped
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '"><img src=x onerror=alert(1)><script>alert(1)</script>'


def contentstate(text: str, url: str) -> str:
    """Draftail's own format, as a browser posts it: a paragraph whose first word links."""
    return json.dumps({
        "blocks": [{"key": "a1b2c", "type": "unstyled", "depth": 0, "text": text,
                    "inlineStyleRanges": [], "entityRanges": [{"offset": 0, "length": 4,
                                                               "key": 0}], "data": {}}],
        "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}},
    })


@pytest.fixture
def written(home, hub, supplier):
    """A hub, its supplier and pickup point with markup in every text they show."""
    Hub.objects.filter(pk=hub.pk).update(
        name="H" + PAYLOAD, description="D" + PAYLOAD, city="C" + PAYLOAD[:70],
        street="S" + PAYLOAD, postcode='"><b>', contact_email=f'"{PAYLOAD}"@example.com',
        phone='"><svg onload=1>',
    )
    Producer.objects.filter(pk=supplier.pk).update(name="P" + PAYLOAD, city="c" + PAYLOAD[:70],
                                                   description="d" + PAYLOAD,
                                                   practices="p" + PAYLOAD)
    PickupPoint.objects.create(hub=hub, name="N" + PAYLOAD, address="A" + PAYLOAD,
                               opening_hours="O" + PAYLOAD)
    hub.refresh_from_db()
    supplier.refresh_from_db()
    storefront_ensure(hub=hub)
    producer_page_ensure(producer=supplier)
    return hub, supplier


def test_hub_and_producer_texts_are_escaped(written, client):
    hub, supplier = written
    for url in ("/", f"/{hub.slug}/", f"/producers/{supplier.slug}/", "/producers/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url, {"payload": PAYLOAD})


def test_a_managers_blocks_are_escaped_and_rich_text_filtered(written, client):
    hub, supplier = written
    manager = UserFactory(email="manager@example.com")
    hub_manager_add(hub=hub, user=manager, role="owner")
    page = HubStorefrontPage.objects.get(hub=hub)
    rich = contentstate("Read <script>alert(1)</script> more", "javascript:alert(1)")
    data = nested_form_data({
        "title": "T" + PAYLOAD, "slug": hub.slug, "comments": inline_formset([]),
        "action-publish": "action-publish",
        "body": streamfield([
            ("text", rich),
            ("faq", {"title": "F" + PAYLOAD[:100], "questions": streamfield([
                ("item", {"question": "Q" + PAYLOAD, "answer": rich})])}),
            ("opening_hours", {"title": "T" + PAYLOAD[:100], "note": "N" + PAYLOAD,
                               "rows": streamfield([("item", {"days": '"><b>Mon',
                                                              "hours": '"><svg onload=1>'})])}),
            ("producer_spotlight", {"producer": str(supplier.pk), "text": rich}),
        ]),
    })
    client.force_login(manager)
    response = client.post(f"/cms/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page.refresh_from_db()
    assert [block.block_type for block in page.body] == [
        "text", "faq", "opening_hours", "producer_spotlight"]
    client.logout()
    html = client.get(f"/{hub.slug}/").content.decode()
    assert_escaped(html, "storefront", {"payload": PAYLOAD})
    # The javascript: link lost its address; the typed tag is text.
    assert "<a>Read</a> &lt;script&gt;alert(1)&lt;/script&gt; more" in html
    assert "&quot;&gt;&lt;b&gt;Mon" in html and "Q&quot;&gt;&lt;img" in html
