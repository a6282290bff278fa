from django.db import migrations

GROUP_PERMISSIONS = {
    "Producer members": [("producers", "view_producer"), ("producers", "change_producer")],
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


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make them exist now.
    app_config = apps.get_app_config("producers")
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
        ("producers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
