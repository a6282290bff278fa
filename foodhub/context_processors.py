from django.utils.functional import SimpleLazyObject

from teams.roles import Role
from teams.selectors import user_areas


def navigation(request):
    """The areas (producer, hub) the navigation links to, computed only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": {}}

    def areas():
        held = user_areas(user)
        return {"producer": held[Role.PRODUCER], "hub": held[Role.HUB_MANAGER]}

    return {"nav_areas": SimpleLazyObject(areas)}
