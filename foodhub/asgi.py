import os

from django.core.asgi import get_asgi_application

from foodhub.startup import check_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodhub.settings.production")
check_environment()
application = get_asgi_application()
