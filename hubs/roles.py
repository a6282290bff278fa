"""The four roles of the platform, derived from memberships and groups."""

from enum import StrEnum


class Role(StrEnum):
    SHOPPER = "shopper"
    PRODUCER = "producer"
    HUB_MANAGER = "hub_manager"
    PLATFORM_ADMIN = "platform_admin"
