from django.db import migrations

from teams.migration_ops import role_groups

GROUP_PERMISSIONS = {
    # Members' pages check memberships; only the admin (platform admins) checks permissions.
    "Producer members": [],
    "Platform admins": [
        ("producers", "view_producer"),
        ("producers", "add_producer"),
        ("producers", "change_producer"),
        ("producers", "delete_producer"),
        ("producers", "view_producermembership"),
        ("producers", "add_producermembership"),
        ("producers", "change_producermembership"),
        ("producers", "delete_producermembership"),
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("producers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [role_groups("producers", GROUP_PERMISSIONS)]
