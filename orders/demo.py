"""Demo data for orders: the shopper account (orders come with the order-cycle issues)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from producers.demo import demo_user

SHOPPER_EMAIL = "shopper@example.org"


@transaction.atomic
def seed(*, stdout=None) -> dict:
    shopper = demo_user(SHOPPER_EMAIL, first_name="Sam", last_name="Shopper")
    if stdout:
        stdout.write("  orders: 1 shopper")
    return {"shopper": shopper}


@transaction.atomic
def reset() -> None:
    get_user_model().objects.filter(email=SHOPPER_EMAIL).delete()
