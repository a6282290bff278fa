# Import files become private: stored in STORAGES["private"] under random names, checked by a
# Celery task ("checking"). Files already uploaded move out of MEDIA_ROOT (where /media/
# served them to anyone); an import whose file is missing keeps its report, without a file.

import uuid

from django.db import migrations, models

import producers.private_files


def move_import_files(apps, schema_editor):
    from django.core.files.storage import storages

    ProductImport = apps.get_model("producers", "ProductImport")
    public, private = storages["default"], storages["private"]
    for pk, name in ProductImport.objects.exclude(file="").values_list("pk", "file"):
        if name.startswith("imports/") and private.exists(name) and not public.exists(name):
            continue  # already moved (the migration is re-run after a partial failure)
        new_name = ""
        if public.exists(name):
            with public.open(name, "rb") as source:
                new_name = private.save(f"imports/{uuid.uuid4().hex}", source)
        ProductImport.objects.filter(pk=pk).update(file=new_name)
        if new_name:
            public.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("producers", "0006_badinput_country_iso3166"),
    ]

    operations = [
        migrations.AlterField(
            model_name="productimport",
            name="file",
            field=models.FileField(
                blank=True,
                max_length=255,
                storage=producers.private_files.private_storage,
                upload_to=producers.private_files.RandomName("imports"),
            ),
        ),
        migrations.AlterField(
            model_name="productimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("checking", "Checking the file"),
                    ("invalid", "Has errors"),
                    ("ready", "Ready to import"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(move_import_files, migrations.RunPython.noop, elidable=True),
    ]
