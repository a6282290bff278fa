from django.db import migrations

GROUP_PERMISSIONS = {
    "Hub managers": [("hubs", "view_hub"), ("hubs", "change_hub"), ("hubs", "view_hubproducer")],
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


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("hubs")
    app_config.models_module = True  # the migration state's app stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("hubs", "0002_initial"),
        ("producers", "0002_role_groups"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
