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
