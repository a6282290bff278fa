import datetime as dt

import factory

from hubs.models import Hub, HubMembership, HubProducer
from tests.producers.factories import ProducerFactory
from tests.teams.factories import membership_factory


class HubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hub

    name = factory.Sequence(lambda n: f"Hub {n}")
    slug = factory.Sequence(lambda n: f"hub-{n}")
    city = "Paris"
    time_zone = "Europe/Paris"


HubMembershipFactory = membership_factory(HubMembership, HubFactory)


class HubProducerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HubProducer

    hub = factory.SubFactory(HubFactory)
    producer = factory.SubFactory(ProducerFactory)


def past_cycle(hub, *, opens_at, closes_at, name="Past week", **fields):
    """A cycle that was published before it opened and whose closing time has passed (the
    publish transition refuses to publish a cycle that is already over, so history is
    published as of the day before it opened)."""
    from hubs import transitions
    from hubs.cycle_services import cycle_create

    cycle = cycle_create(hub=hub, name=name, opens_at=opens_at, closes_at=closes_at, **fields)
    return transitions.cycle_publish(cycle=cycle, now=opens_at - dt.timedelta(days=1))
