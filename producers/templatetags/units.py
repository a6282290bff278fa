from django import template

from producers.units import per_label, unit_price

register = template.Library()


@register.simple_tag
def price_per_unit(product, price):
    """`{% price_per_unit product price as per %}` -> (amount, "kg"|"L"|"item") or None.

    The unit is translated ("pièce" in French); the API keeps the codes.
    """
    if price is None or not product.unit_value:
        return None
    amount, per = unit_price(
        price=price, unit_type=product.unit_type, unit_value=product.unit_value
    )
    return amount, per_label(per)
