"""One cycle status: the stored `state` (draft/published/processed) becomes the facts
`published_at` and `processed_at`; everything else is derived (see hubs.models.cycle_status)."""

from django.db import migrations, models


def state_to_timestamps(apps, schema_editor):
    OrderCycle = apps.get_model("hubs", "OrderCycle")
    for cycle in OrderCycle.objects.exclude(state="draft"):
        cycle.published_at = cycle.created_at
        if cycle.state == "processed":
            cycle.close_handled_at = cycle.close_handled_at or cycle.closes_at
            cycle.processed_at = cycle.close_handled_at
        cycle.save(update_fields=["published_at", "processed_at", "close_handled_at"])


def timestamps_to_state(apps, schema_editor):
    OrderCycle = apps.get_model("hubs", "OrderCycle")
    OrderCycle.objects.filter(published_at__isnull=False).update(state="published")
    OrderCycle.objects.filter(processed_at__isnull=False).update(state="processed")


class Migration(migrations.Migration):

    dependencies = [
        ("hubs", "0005_hub_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="ordercycle",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="published at"),
        ),
        migrations.AddField(
            model_name="ordercycle",
            name="processed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="processed at"),
        ),
        migrations.RunPython(state_to_timestamps, timestamps_to_state),
        migrations.RemoveIndex(
            model_name="ordercycle",
            name="hubs_orderc_state_6c0310_idx",
        ),
        migrations.RemoveField(
            model_name="ordercycle",
            name="state",
        ),
        migrations.AddIndex(
            model_name="ordercycle",
            index=models.Index(fields=["closes_at", "close_handled_at"], name="hubs_cycle_due_idx"),
        ),
        migrations.AddConstraint(
            model_name="ordercycle",
            constraint=models.CheckConstraint(
                condition=models.Q(("processed_at__isnull", True),
                                   models.Q(("close_handled_at__isnull", False),
                                            ("published_at__isnull", False)),
                                   _connector="OR"),
                name="order_cycle_processed_after_close",
            ),
        ),
    ]
