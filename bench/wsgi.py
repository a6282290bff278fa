"""The site as production serves it, for the browser benchmarks: gunicorn runs Django (static
files by WhiteNoise, compressed and cached) and public media are served beside it with the
7-day cache deploy/nginx.conf gives them. Django serves no media with DEBUG off, so without
this the pages' photos would not load and Lighthouse would measure pages without images.
Never deploy this: in production the proxy serves /media/."""

from django.conf import settings
from whitenoise import WhiteNoise

from foodhub.wsgi import application as django_application

# autorefresh: thumbnails are made while the pages are first rendered, after start-up.
application = WhiteNoise(
    django_application, root=settings.MEDIA_ROOT, prefix="media/", autorefresh=True,
    max_age=7 * 24 * 3600,
)
