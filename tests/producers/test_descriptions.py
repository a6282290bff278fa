"""Product descriptions: plain text as typed, rich text through the allow-list (nh3)."""

from decimal import Decimal

import pytest

from producers.descriptions import clean_description, description_html, is_rich_text
from producers.product_input import ProductInput, VariantInput, validate_product

SAMPLES = [
    "Plain text, 5 < 6 & <3",
    "<p>Sweet <strong>carrots</strong></p><ul><li>washed</li></ul>",
    '<img src=x onerror=alert(document.domain)>',
    '"><img src=x onerror=alert(1)>',
    "<script>alert(1)</script>Carrots",
    '<a href="javascript:alert(1)">x</a><a href="https://farm.example">farm</a>',
    '<p style="position:fixed" onclick="x()">styled</p><iframe src="//evil"></iframe>',
    "<svg onload=alert(1)>",
    "<!-- comment --><b>bold</b>",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_cleaning_leaves_no_script_and_is_idempotent(text):
    cleaned = clean_description(text)
    for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "<img", "<iframe",
                "style=", "<svg"):
        assert bad not in cleaned
    assert clean_description(cleaned) == cleaned
    for shown in (description_html(text), description_html(cleaned)):
        assert "<script" not in shown and "onerror" not in shown and "<img" not in shown


def test_a_description_whose_tags_were_all_removed_stays_rich_text():
    assert clean_description("<script>alert(1)</script>Fish & chips") == "<p>Fish &amp; chips</p>"
    assert description_html("<p>Fish &amp; chips</p>") == "<p>Fish &amp; chips</p>"


def test_allowed_rich_text_is_kept_and_links_are_marked():
    assert clean_description(SAMPLES[1]) == SAMPLES[1]
    assert clean_description(SAMPLES[5]) == (
        '<a rel="noopener noreferrer nofollow">x</a>'
        '<a href="https://farm.example" rel="noopener noreferrer nofollow">farm</a>'
    )


def test_plain_text_is_stored_as_typed_and_shown_escaped():
    assert not is_rich_text(SAMPLES[0])
    assert clean_description(SAMPLES[0]) == SAMPLES[0]
    assert description_html("a & b\n\nc") == "<p>a &amp; b</p>\n\n<p>c</p>"


def test_the_validator_cleans_the_description():
    product = ProductInput(
        name="Carrots", description='Fresh<img src=x onerror=alert(1)>', category_id=1,
        variants=(VariantInput(sku="C1", units=Decimal("1"), unit_type="kg",
                               price=Decimal("2"), on_hand=1),),
    )
    check = validate_product(product, producer_id=1)
    assert check.is_valid
    assert check.rows[0].description == "<p>Fresh</p>"
