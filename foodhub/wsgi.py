import os

from django.core.wsgi import get_wsgi_application

from foodhub.startup import check_environment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodhub.settings.production")
check_environment()
application = get_wsgi_application()
