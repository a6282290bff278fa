"""Oscar's checkout session data, with what a cycle's checkout asks: how the order is
fulfilled (a pickup window, or delivery to an address) with the shopper's contact details,
the hub's payment method, and a business customer's details. Only ids and typed text are
kept; every step re-checks them against the basket's cycle, and
`orders.services.order_place` checks them once more."""

from oscar.apps.checkout import utils


class CheckoutSessionData(utils.CheckoutSessionData):
    FULFILMENT = "fulfilment"

    def set_fulfilment(self, *, cycle_id: int, window_id: int | None = None,
                       zone_id: int | None = None, address: str = "", postcode: str = "",
                       name: str = "", phone: str = "", note: str = "") -> None:
        self._flush_namespace(self.FULFILMENT)
        values = {"cycle_id": cycle_id, "window_id": window_id, "zone_id": zone_id,
                  "address": address, "postcode": postcode, "name": name, "phone": phone,
                  "note": note}
        for key, value in values.items():
            self._set(self.FULFILMENT, key, value)

    def fulfilment(self) -> dict:
        self._check_namespace(self.FULFILMENT)
        return dict(self.request.session[self.SESSION_KEY][self.FULFILMENT])

    def reset_fulfilment(self) -> None:
        self._flush_namespace(self.FULFILMENT)

    def reset_payment(self) -> None:
        self._flush_namespace("payment")

    BUSINESS = "business"

    def set_business(self, details: dict[str, str] | None, *, save: bool = False) -> None:
        """A business customer's details (`orders.business.FIELDS`, already checked), and
        whether to save them to the account once the order is placed; None: a private
        customer."""
        self._flush_namespace(self.BUSINESS)
        if details is None:  # remembered, so the account's details are not offered again
            self._set(self.BUSINESS, "private", True)
            return
        for key, value in details.items():
            self._set(self.BUSINESS, key, value)
        self._set(self.BUSINESS, "save", bool(save))

    def business(self) -> dict:
        """What `set_business` stored (`{"private": True}` for a private customer, {} when
        the payment step was not passed yet)."""
        self._check_namespace(self.BUSINESS)
        return dict(self.request.session[self.SESSION_KEY][self.BUSINESS])
