import pytest


@pytest.fixture
def home(db):
    """The storefront's home page, root of the default site (as the demo makes it)."""
    from wagtail.models import Page, Site

    from cms.models import HomePage

    home = HomePage(title="Foodhub", slug="foodhub-home")
    Page.get_first_root_node().add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Foodhub"},
    )
    return home


@pytest.fixture
def storefront(home, hub):
    """The storefront page of the `hub` fixture (made by a factory, not by hub_create)."""
    from cms.services import storefront_ensure

    return storefront_ensure(hub=hub)
