from django.utils.functional import SimpleLazyObject

from hubs.selectors import user_areas


def navigation(request):
    """The areas (producer, hub) the navigation links to, computed only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": {}}
    return {"nav_areas": SimpleLazyObject(lambda: user_areas(user))}
