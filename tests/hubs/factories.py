import factory

from hubs.models import Hub, HubMembership, HubProducer
from teams.roles import TeamRole
from tests.producers.factories import ProducerFactory, UserFactory


class HubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hub

    name = factory.Sequence(lambda n: f"Hub {n}")
    slug = factory.Sequence(lambda n: f"hub-{n}")
    city = "Paris"
    time_zone = "Europe/Paris"


class HubMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HubMembership

    hub = factory.SubFactory(HubFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamRole.OWNER


class HubProducerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HubProducer

    hub = factory.SubFactory(HubFactory)
    producer = factory.SubFactory(ProducerFactory)
