"""Benchmark settings: production's DEBUG and static storage, on the embedded services.

`make bench` runs with no database or broker server, which production settings refuse; the
security headers and cookies that production adds do not change what is measured.
Never deploy with these.
"""

from foodhub.settings.base import *  # noqa: F403
from foodhub.settings.env import env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", required=True)
