"""Teams: who belongs to a producer or a hub, with which role, and what that role may do.

The bottom layer: it knows no concrete team. Producers and hubs subclass its abstract models
and call its services, selectors and permission checks with their own team objects.
"""
