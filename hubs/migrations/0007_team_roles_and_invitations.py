# Hub memberships and invitations on the teams abstract models.

from django.conf import settings
from django.db import migrations

from teams.migration_ops import abstract_models_adopted


class Migration(migrations.Migration):
    dependencies = [
        ("hubs", "0006_cycle_status_timestamps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = abstract_models_adopted(
        "hubs", membership="hubmembership", invitation="hubinvitation",
        member_group="Hub managers",
    )
