from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from foodhub import account_views, api, views
from orders import account_urls as orders_account_urls
from orders import shop_views

api_v1 = [
    path("auth/token/", api.TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", api.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<int:pk>/", api.TokenDetailView.as_view(), name="auth-token-detail"),
    path("me/", api.MeView.as_view(), name="me"),
    path("", include("producers.api_urls")),
    path("", include("hubs.api_urls")),
    path("", include("orders.api_urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", views.api_not_found, name="api-not-found"),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("me/", views.role_home, name="role-home"),
    # Producer pages that need hubs live in hubs (producers must not import hubs).
    path("producer/", include("hubs.producer_urls")),
    path("producer/", include("orders.producer_urls")),
    path("producer/", include("producers.urls")),
    path("hub/", include("orders.hub_urls")),
    path("hub/", include("hubs.urls")),
    path("shop-in/", include("orders.urls")),
    # Shoppers buy in a hub's cycle: the platform-wide catalogue index sends them there.
    path("shop/catalogue/", shop_views.catalogue_index, name="catalogue-index"),
    # Our page in Oscar's account area (before Oscar's URLs, which would not match it anyway).
    path("shop/accounts/api-tokens/", include(account_views.urls)),
    # The shopper's orders replace Oscar's order history at the same addresses.
    path("shop/accounts/orders/", include("orders.account_urls")),
    # The shopper's business details (their invoices' company), offered at checkout.
    path("shop/accounts/business/", include(orders_account_urls.business_urls)),
    # Oscar claims "" for a redirect named "home", so it lives under /shop/.
    path("shop/", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Public media (photos, logos) for the demo and runserver only. In production the proxy
    # serves MEDIA_ROOT under /media/ (docker-compose.yml: the `proxy` service). Private files
    # (imports, later invoices) live elsewhere (STORAGES["private"]) and are never under a URL:
    # views that check the user's right send them (producers.private_files).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A hub's shop, before Wagtail's catch-all (an unknown hub falls through to Wagtail's pages).
urlpatterns += [
    path("<slug:hub_slug>/shop/", shop_views.shop_page, name="orders-shop"),
    path("<slug:hub_slug>/shop/", include("orders.shop_urls")),
]

# Wagtail's page catch-all must come last.
urlpatterns += [path("", include(wagtail_urls))]
