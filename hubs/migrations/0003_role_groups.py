from django.db import migrations

from teams.migration_ops import role_groups

GROUP_PERMISSIONS = {
    # Managers' pages check memberships; only the admin (platform admins) checks permissions.
    "Hub managers": [],
    "Platform admins": [
        ("hubs", "view_hub"),
        ("hubs", "add_hub"),
        ("hubs", "change_hub"),
        ("hubs", "delete_hub"),
        ("hubs", "view_hubmembership"),
        ("hubs", "add_hubmembership"),
        ("hubs", "change_hubmembership"),
        ("hubs", "delete_hubmembership"),
        ("hubs", "view_hubproducer"),
        ("hubs", "add_hubproducer"),
        ("hubs", "change_hubproducer"),
        ("hubs", "delete_hubproducer"),
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("hubs", "0002_initial"),
        ("producers", "0002_role_groups"),
    ]
    operations = [role_groups("hubs", GROUP_PERMISSIONS)]
