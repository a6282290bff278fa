"""Every team test runs for both kinds of team: a producer's and a hub's."""

from dataclasses import dataclass

import pytest

from hubs.models import HubInvitation
from producers.models import ProducerInvitation
from teams.services import member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory


@dataclass
class Kind:
    name: str
    factory: type
    invitation_model: type
    prefix: str  # URL prefix of the team's pages
    group: str

    def page(self, team) -> str:
        return f"/{self.prefix}/{team.slug}/team/"

    def accept(self, invitation) -> str:
        return f"/{self.prefix}/invitations/{invitation.token}/"


KINDS = {
    "producer": Kind("producer", ProducerFactory, ProducerInvitation, "producer",
                     "Producer members"),
    "hub": Kind("hub", HubFactory, HubInvitation, "hub", "Hub managers"),
}


@pytest.fixture(params=list(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


@pytest.fixture
def team(kind):
    return kind.factory()


@pytest.fixture
def owner(team):
    user = UserFactory(email="owner@example.com")
    member_add(team=team, user=user, role="owner")
    return user


@pytest.fixture
def staff(team, owner):
    user = UserFactory(email="staff@example.com")
    member_add(team=team, user=user, role="staff")
    return user
