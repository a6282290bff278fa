import factory

from teams.roles import TeamRole


class MembershipFactory(factory.django.DjangoModelFactory):
    """Base of the membership factories: `membership_factory` adds the model and the team."""

    class Meta:
        abstract = True

    user = factory.SubFactory("tests.producers.factories.UserFactory")
    role = TeamRole.OWNER


def membership_factory(model, team_factory) -> type[MembershipFactory]:
    """A factory of `model` memberships (owners by default) in new teams of `team_factory`."""
    attrs = {"Meta": type("Meta", (), {"model": model}),
             model.team_field: factory.SubFactory(team_factory)}
    return type(f"{model.__name__}Factory", (MembershipFactory,), attrs)
