"""Business customers: the details a shopper buying for a business gives (in their account or
at checkout), checked once here for the account page, the checkout, the API and
`orders.services.order_place` alike.

A company name makes an order a business order (`Order.is_business`): its invoice names the
company, its SIREN/SIRET and VAT number and its billing address, with the payment terms and
late-payment mentions (and, later, as Factur-X). The billing address is required (an invoice
to a business carries it; a pickup order has no other address); the SIREN/SIRET and the VAT
number are optional (a foreign or a small business may have neither) but must be valid when
given, and are stored compact (`73282932000074`, `FR44732829320`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.fr import siret

from producers.models import validate_company_number, validate_vat_number

from .models import CustomerProfile

# Sizes of the columns the details go to (Order.customer_* and CustomerProfile).
COMPANY_MAX = 200
NUMBER_MAX = 20
ADDRESS_MAX = 300

# The fields' names, as forms, the API and the service's errors name them.
FIELDS = ("company_name", "company_number", "vat_number", "billing_address")


@dataclass(frozen=True)
class Business:
    """A business customer's details, as given (`business_clean` checks and tidies them)."""

    company_name: str
    company_number: str = ""
    vat_number: str = ""
    billing_address: str = ""

    @classmethod
    def from_profile(cls, profile: CustomerProfile | None) -> Business | None:
        if profile is None or not profile.company_name:
            return None
        return cls(company_name=profile.company_name, company_number=profile.company_number,
                   vat_number=profile.vat_number, billing_address=profile.billing_address)

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check(errors: dict, field: str, value: str, limit: int) -> None:
    if "\x00" in value:
        errors[field] = _("This text contains a character that is not allowed.")
    elif len(value) > limit:
        errors[field] = _("At most %(limit)d characters.") % {"limit": limit}


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


def business_clean(business: Business) -> Business:
    """The details checked and tidied, or a ValidationError naming each wrong field.

    Company name and billing address are required; a SIREN (9 digits) or SIRET (14) and an
    EU VAT number with its country prefix are checked (python-stdnum) when given."""
    company = " ".join(_text(business.company_name).split())
    number = _text(business.company_number)
    vat = _text(business.vat_number)
    address = "\n".join(line.strip() for line in _text(business.billing_address).splitlines()
                        if line.strip())
    errors: dict[str, str] = {}
    if not company:
        errors["company_name"] = _("Enter the company name.")
    _check(errors, "company_name", company, COMPANY_MAX)
    if not address:
        errors["billing_address"] = _("Enter the billing address (it goes on the invoice).")
    _check(errors, "billing_address", address, ADDRESS_MAX)
    _check(errors, "company_number", number, 40)
    _check(errors, "vat_number", vat, 40)
    if number and "company_number" not in errors:
        try:
            validate_company_number(number)
            number = siret.compact(number)
        except ValidationError as error:
            errors["company_number"] = _message(error)
    if vat and "vat_number" not in errors:
        try:
            validate_vat_number(vat)
            vat = eu_vat.compact(vat)
        except ValidationError as error:
            errors["vat_number"] = _message(error)
    if errors:
        raise ValidationError(errors)
    return Business(company_name=company, company_number=number, vat_number=vat,
                    billing_address=address)


def order_business_fields(business: Business | None) -> dict[str, str]:
    """The Order columns a (checked) business fills; all empty for a private customer."""
    if business is None:
        return {"customer_company": "", "customer_company_number": "",
                "customer_vat_number": "", "customer_address": ""}
    return {"customer_company": business.company_name,
            "customer_company_number": business.company_number,
            "customer_vat_number": business.vat_number,
            "customer_address": business.billing_address}


@transaction.atomic
def customer_profile_save(*, user, business: Business | None) -> CustomerProfile | None:
    """Save (or, with None, clear) a signed-in user's business details; returns the profile
    (None when there was none to clear). Raises ValidationError naming each wrong field."""
    if not getattr(user, "is_authenticated", False):
        raise ValidationError(_("Sign in to save business details in your account."))
    if business is None:
        profile = CustomerProfile.objects.filter(user=user).first()
        if profile is not None:
            profile.company_name = profile.company_number = ""
            profile.vat_number = profile.billing_address = ""
            profile.save()
        return profile
    business = business_clean(business)
    profile, _created = CustomerProfile.objects.update_or_create(
        user=user, defaults=business.as_dict())
    return profile
