from django import template

from producers.units import unit_price

register = template.Library()


@register.simple_tag
def price_per_unit(product, price):
    """`{% price_per_unit product price as per %}` -> (amount, "kg"|"L"|"item") or None."""
    if price is None or not product.unit_value:
        return None
    return unit_price(price=price, unit_type=product.unit_type, unit_value=product.unit_value)
