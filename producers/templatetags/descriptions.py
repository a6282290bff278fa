from django import template

from producers.descriptions import description_html as _description_html

register = template.Library()


@register.filter
def description_html(text):
    """`{{ product.description|description_html }}`: plain text escaped with its line breaks,
    rich text through the allow-list (see producers.descriptions)."""
    return _description_html(text)
