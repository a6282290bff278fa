"""The demo's two Site records carry the address it is served on (links in e-mails)."""

import pytest
from django.conf import settings
from django.contrib.sites.models import Site as DjangoSite
from django.test import override_settings
from wagtail.models import Site

from cms import demo

pytestmark = pytest.mark.django_db


@override_settings(FOODHUB_BASE_URL="http://127.0.0.1:8080")
def test_demo_sites_follow_the_port_the_demo_serves_on():
    demo.seed()
    assert DjangoSite.objects.get(pk=settings.SITE_ID).domain == "127.0.0.1:8080"
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8080)
