import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite, with the reason shown in the summary."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session", autouse=True)
def _keep_migration_data(django_db_setup, django_db_blocker):
    """Keep data made by migrations (Wagtail root page, role groups) across --reuse-db runs.

    Transactional tests flush the database when they end; the next session would then reuse
    an empty database. Tests that commit are marked serialized_rollback, and the database is
    put back as it was once the session ends.
    """
    from django.db import connections
    from wagtail.models import Page

    with django_db_blocker.unblock():
        if not Page.objects.exists():
            pytest.exit(
                "The reused test database lost its migration data (an interrupted run?): "
                "run again with --create-db.",
                returncode=3,
            )
    yield
    from django.core.management import call_command

    with django_db_blocker.unblock():
        if not Page.objects.exists():
            for conn in connections.all():
                contents = getattr(conn, "_test_serialized_contents", None)
                if contents:
                    # Empty every table (content types included) before restoring them.
                    call_command(
                        "flush", database=conn.alias, interactive=False,
                        inhibit_post_migrate=True, verbosity=0,
                    )
                    conn.creation.deserialize_db_from_string(contents)
