#!/usr/bin/env python
"""Django's command-line utility for Foodhub."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodhub.settings.dev")
    from foodhub.startup import exit_on_bad_environment

    with exit_on_bad_environment():
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
