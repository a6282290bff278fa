"""Start-up guard: a bad environment variable ends the process with one clear line."""

import contextlib
import sys


@contextlib.contextmanager
def exit_on_bad_environment():
    from foodhub.settings.env import EnvError

    try:
        yield
    except EnvError as exc:
        sys.stderr.write(f"foodhub: configuration error: {exc}\n")
        sys.exit(2)


def check_environment() -> None:
    """Load the settings now, so WSGI/Celery start-up fails with one line, not a traceback."""
    with exit_on_bad_environment():
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - touching settings loads and validates them
