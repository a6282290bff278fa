# Producer memberships and invitations on the teams abstract models.

from django.conf import settings
from django.db import migrations

from teams.migration_ops import abstract_models_adopted


class Migration(migrations.Migration):
    dependencies = [
        ("producers", "0004_food_taxonomy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = abstract_models_adopted(
        "producers", membership="producermembership", invitation="producerinvitation",
        member_group="Producer members",
    )
