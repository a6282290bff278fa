"""Data-migration steps shared by the team apps' migrations (producers, hubs).

Migrations call these by import, so they must keep working on historical models: change
them only in ways that hold for every migration that already uses them.
"""

from __future__ import annotations

from django.db import migrations, models


def role_groups(app_label: str, group_permissions: dict[str, list[tuple[str, str]]]):
    """A RunPython step creating groups with the app's model permissions."""

    def create_groups(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        # Permissions are normally created after all migrations; make them exist now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # the migration state's app stub lacks it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        for name, perms in group_permissions.items():
            group, _ = Group.objects.get_or_create(name=name)
            for perm_app_label, codename in perms:
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label=perm_app_label, codename=codename
                    )
                )

    return migrations.RunPython(create_groups, migrations.RunPython.noop)


def invitations_already_sent(app_label: str, model_name: str):
    """A RunPython step marking existing invitations as e-mailed (they were, when made)."""

    def mark(apps, schema_editor):
        invitation = apps.get_model(app_label, model_name)
        invitation.objects.filter(sent_at=None).update(sent_at=models.F("created_at"))

    return migrations.RunPython(mark, migrations.RunPython.noop)


def group_permissions_cleared(group_name: str):
    """A RunPython step taking every model permission from a group.

    Members of a team never reach the Django admin (they are not staff) and their pages check
    memberships, not model permissions: their role group only marks the role.
    """

    def clear(apps, schema_editor):
        group = apps.get_model("auth", "Group").objects.filter(name=group_name).first()
        if group is not None:
            group.permissions.clear()

    return migrations.RunPython(clear, migrations.RunPython.noop)


def abstract_models_adopted(
    app_label: str, *, membership: str, invitation: str, member_group: str
) -> list:
    """The operations that moved an app's membership and invitation models onto the teams
    abstract models (producers 0005, hubs 0006): invitation language and sent time, role
    choices, the user's reverse name; existing invitations count as sent, and the member
    group loses the model permissions nothing checked."""
    from django.conf import settings

    return [
        migrations.AddField(
            model_name=invitation, name="language",
            field=models.CharField(blank=True, max_length=8, verbose_name="language"),
        ),
        migrations.AddField(
            model_name=invitation, name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name=invitation, name="role",
            field=models.CharField(
                choices=[("owner", "Owner"), ("staff", "Staff")], default="staff",
                max_length=10, verbose_name="role",
            ),
        ),
        migrations.AlterField(
            model_name=membership, name="user",
            field=models.ForeignKey(
                on_delete=models.CASCADE, related_name="%(app_label)s_memberships",
                to=settings.AUTH_USER_MODEL, verbose_name="user",
            ),
        ),
        invitations_already_sent(app_label, invitation),
        group_permissions_cleared(member_group),
    ]
