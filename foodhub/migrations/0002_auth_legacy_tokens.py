"""Move DRF's plain-text tokens (rest_framework.authtoken, no longer installed) to ApiToken.

Each old key keeps working, now stored as its SHA-256, until FOODHUB_API_TOKEN_TTL_HOURS after
this migration (like a token issued at that moment), or until its owner revokes it or changes
their password. The old table is emptied so no plain key stays in the database; it is left in
place (its app's migration records still name it).
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

LEGACY_TABLE = "authtoken_token"


def import_legacy_tokens(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if LEGACY_TABLE not in connection.introspection.table_names(cursor):
            return
        cursor.execute(f"SELECT key, user_id, created FROM {LEGACY_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    ApiToken = apps.get_model("foodhub", "ApiToken")
    expires_at = timezone.now() + dt.timedelta(hours=settings.FOODHUB_API_TOKEN_TTL_HOURS)
    for key, user_id, created in rows:
        token = ApiToken.objects.create(
            user_id=user_id,
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            name="Issued before tokens expired",
            expires_at=expires_at,
        )
        if isinstance(created, str):
            created = parse_datetime(created)
        if created is not None:
            if timezone.is_naive(created):  # SQLite keeps UTC without an offset
                created = timezone.make_aware(created, dt.timezone.utc)
            ApiToken.objects.filter(pk=token.pk).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LEGACY_TABLE}")  # noqa: S608


class Migration(migrations.Migration):

    dependencies = [("foodhub", "0001_auth_api_tokens")]

    operations = [migrations.RunPython(import_legacy_tokens, migrations.RunPython.noop)]
