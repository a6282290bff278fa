"""`{{ data.dropoff.date|iso_date }}`: a date a document stored as ISO text (purchase orders
keep their data as JSON), shown in the reader's language like any other date."""

import datetime as dt

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def iso_date(value, format_name: str = "DATE_FORMAT") -> str:
    """2026-12-03 as "3 décembre 2026" in French, "3 December 2026" in English; text that is
    not an ISO date is shown as it is."""
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return date_format(day, format_name)
