"""Reading ids, whole numbers and times typed by users, within what the database holds.

Typed input reaches the database only through Django form fields or DRF serializer fields,
never through `int()` or `Decimal()` on raw text (`"²"` passes `str.isdigit`, `int("²")`
fails; `Decimal("sNaN")` raises on any comparison). These are the shared fields the stock
ones do not cover: a row id, a list of ids, a posted id read outside a form, finite decimals,
relations and RFC 3339 times for the API. Numbers are bounded by their column (`MAX_INT` for
integer columns, `max_digits` for decimals), so a value the column cannot hold is a form
error, not a database error. Hubs and producers both use this module; it imports no model.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# IntegerField and PositiveIntegerField hold 32 bits on PostgreSQL (SQLite would take more).
MAX_INT = 2_147_483_647
# BigAutoField, the primary key of every model.
MAX_ID = 9_223_372_036_854_775_807


class IdField(forms.IntegerField):
    """The id of a row: a whole number from 1 to what the id column holds."""

    default_error_messages = {"invalid": _("Not a valid id.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class DecimalField(forms.DecimalField):
    """Django's DecimalField, refusing NaN and infinities as soon as it reads them.

    Django refuses them only when validating, but a formset first asks each row whether it
    changed, comparing the typed value with the initial one, and `Decimal("sNaN")` raises on
    any comparison."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def finite_decimals(model_field, **kwargs):
    """A ModelForm's `Meta.formfield_callback`: decimal columns read by `DecimalField`."""
    if isinstance(model_field, models.DecimalField):
        kwargs.setdefault("form_class", DecimalField)
    return model_field.formfield(**kwargs)


class IdListField(forms.CharField):
    """Ids separated by commas ("12,15"), at most `limit` of them; empty gives []."""

    default_error_messages = {
        "invalid": _("Give ids as whole numbers, separated by commas."),
        "too_many": _("Give at most %(limit)s ids."),
    }

    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        text = super().to_python(value)
        if not text:
            return []
        parts = text.split(",")
        if len(parts) > self.limit:
            raise ValidationError(self.error_messages["too_many"], code="too_many",
                                  params={"limit": self.limit})
        one = IdField()
        try:
            return [one.clean(part.strip()) for part in parts]
        except ValidationError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class _PostedId(forms.Form):
    id = IdField()


def posted_id(data, name: str) -> int | None:
    """The id sent as `name` (a button's or a hidden field's value), or None when it is
    missing or not an id: for pages that act on one row named outside a form."""
    form = _PostedId({"id": data.get(name)})
    return form.cleaned_data["id"] if form.is_valid() else None


# --- API ---------------------------------------------------------------------------------------


class ApiIdField(serializers.IntegerField):
    """An id in a query parameter or a body, bounded like `IdField`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's, answering 400 for an id the query cannot take: a JSON `1e999999` is a float
    infinity, which DRF hands to the query as is."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except OverflowError:
            self.fail("does_not_exist", pk_value=data)


class Rfc3339DateTimeField(serializers.DateTimeField):
    """Times as RFC 3339 allows them: an offset in whole minutes.

    Zones had offsets in seconds before about 1900 (Paris: +00:09:21), which `isoformat()`
    writes as is; such a time is given in UTC instead. Input out of Python's range (year 1 with
    a positive offset, year 9999 with a negative one) is a 400, as DRF already does."""

    def enforce_timezone(self, value):
        value = super().enforce_timezone(value)
        offset = value.utcoffset()
        if offset is not None and offset.total_seconds() % 60:
            value = value.astimezone(dt.UTC)
        return value


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer with every model time written by `Rfc3339DateTimeField` and
    relations read by our `PrimaryKeyRelatedField`."""

    serializer_related_field = PrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: Rfc3339DateTimeField,
    }
