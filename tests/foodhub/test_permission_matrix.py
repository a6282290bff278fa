"""The permission matrix: every page and API operation of ours, for every role, aimed at the
objects of one tenant (producer A, hub H, see tests/foodhub/tenants.py) -> the status each
role gets. Writes refused to a role must also leave the database as it was.

The rows are checked against the URL conf (walked from the root) and the API schema: a new
page or API operation without a row fails the suite, and so does a row for a route that is
gone. The walk descends into every tree: third-party views inside the trees of
SKIPPED_TREES are skipped with the tree's reason, every view of OUR_PACKAGES has a row
wherever it is mounted (Oscar's forked checkout and basket under shop/ included).

Columns, in order: anonymous, shopper, producer (a staff member of A), other producer
(owner of B), manager (an owner of H), other manager (owner of G), platform admin.
A cell is a status code, `login` (302 to the login page), `2xx` (any success) or `-` (any
answer but a server error: a write that may succeed for that role). A status followed by `=`
(`302=`) is that status and nothing written: a refusal that answers like a success (a form
error, a redirect with a message).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.foodhub.tenants import ROLES, World, api_token, build_world

pytestmark = pytest.mark.django_db

# --- what is not ours ------------------------------------------------------------------------

# Top-level trees whose third-party views (Oscar's, Wagtail's, Django's) are skipped, with the
# reason; a view of ours inside them still needs a row.
SKIPPED_TREES = {
    "django-admin/": "Django admin: staff only, its permissions are model permissions held by "
                     "platform admins (tests/teams/test_admin.py)",
    "cms/": "Wagtail admin: its own login and page permissions",
    "documents/": "Wagtail documents: served by Wagtail with its own privacy rules",
    "shop/": "Oscar's storefront, accounts and staff dashboard: Oscar's views and permissions "
             "(the dashboard is Django staff's: test_oscars_staff_dashboard_is_closed_to_every_"
             "role); our forks mounted there (basket, checkout, catalogue) have rows",
    "i18n/": "Django's set_language: a redirect that stores a cookie, no tenant data",
    "media/<path:path>": "public media (photos, logos); private files are served by their own "
                         "view (issue 8, finding 3)",
    "": "Wagtail's page tree (public CMS pages) and its password-protection helpers; our page "
        "models' serve() runs behind Wagtail's one view (tests/cms/test_storefront_pages.py, "
        "tests/cms/test_producer_pages.py)",
}
# Views defined in these packages have a row wherever they are mounted, inside SKIPPED_TREES
# too (Oscar's apps load our forks' views through get_class).
OUR_PACKAGES = ("foodhub", "teams", "producers", "hubs", "orders", "cms")
API_PREFIX = "api/v1/"

# --- the matrix ------------------------------------------------------------------------------

MEMBER_A = "login 404 200 404 404 404 200"  # producer A's member pages
MANAGER_H = "login 404 404 404 200 404 200"  # hub H's manager pages
SIGNED_IN = "login 200 200 200 200 200 200"
PUBLIC = "200 200 200 200 200 200 200"
POST_ONLY = "login 405 405 405 405 405 405"
# A write to A's or H's pages: refused (404) to every other role, nothing written.
WRITE_A = "login 404 - 404 404 404 -"
WRITE_H = "login 404 404 404 - 404 -"
# The shopper's own order (account pages): nobody else sees it, not even a platform admin.
SHOPPER_OWN = "login 200 404 404 404 404 404"
WRITE_SHOPPER = "login - 404 404 404 404 404"


@dataclass(frozen=True)
class Page:
    url: str  # formatted with World.params()
    get: str
    post: str | None = None  # a page that writes: what a POST gets
    data: tuple = ()


PAGES = {
    # foodhub
    "healthz": Page("/healthz", PUBLIC),
    "robots.txt": Page("/robots.txt", PUBLIC),
    "jsi18n/": Page("/jsi18n/", PUBLIC),
    "api/schema/": Page("/api/schema/", PUBLIC),
    "api/docs/": Page("/api/docs/", PUBLIC),
    # Any other URL under /api/ (an id that is not a number): a JSON 404, for every method.
    "^api/": Page("/api/v1/producers/not-a-number/", "404 404 404 404 404 404 404",
                  post="404 404 404 404 404 404 404"),
    "me/": Page("/me/", "login 302 302 302 302 302 302"),
    # producers (A)
    "producer/": Page("/producer/", SIGNED_IN),
    "producer/invitations/<str:token>/": Page(
        "/producer/invitations/{producer_token}/", SIGNED_IN,
        # The invitation is for invitee@example.com: nobody else joins with it.
        post="login 302 302 302 302 302 302",
    ),
    "producer/<slug:slug>/": Page("/producer/{producer_slug}/", MEMBER_A, WRITE_A),
    "producer/<slug:slug>/products/new/": Page(
        "/producer/{producer_slug}/products/new/", MEMBER_A, WRITE_A
    ),
    "producer/<slug:slug>/products/<int:product_id>/": Page(
        "/producer/{producer_slug}/products/{product_id}/", MEMBER_A, WRITE_A
    ),
    "producer/<slug:slug>/products/<int:product_id>/archive/": Page(
        "/producer/{producer_slug}/products/{product_id}/archive/", POST_ONLY, WRITE_A
    ),
    "producer/<slug:slug>/history/": Page("/producer/{producer_slug}/history/", MEMBER_A),
    "producer/<slug:slug>/import/": Page(
        "/producer/{producer_slug}/import/", MEMBER_A, WRITE_A
    ),
    "producer/<slug:slug>/imports/<int:import_id>/": Page(
        "/producer/{producer_slug}/imports/{import_id}/", MEMBER_A, WRITE_A
    ),
    # The uploaded file: 404 even to anonymous visitors (no login page hints that it exists).
    "producer/<slug:slug>/imports/<int:import_id>/file/": Page(
        "/producer/{producer_slug}/imports/{import_id}/file/", "404 404 200 404 404 404 200"
    ),
    "producer/<slug:slug>/imports/<int:import_id>/progress/": Page(
        "/producer/{producer_slug}/imports/{import_id}/progress/", MEMBER_A
    ),
    "producer/<slug:slug>/export.<str:fmt>": Page(
        "/producer/{producer_slug}/export.csv", MEMBER_A
    ),
    "producer/<slug:slug>/profile/": Page(
        "/producer/{producer_slug}/profile/", MEMBER_A, WRITE_A,
        data=(("action", "profile"), ("name", "Taken over")),
    ),
    "producer/<slug:slug>/team/": Page(
        "/producer/{producer_slug}/team/", MEMBER_A, WRITE_A,
        data=(("action", "invite"), ("email", "intruder@example.com"), ("role", "owner")),
    ),
    "producer/<slug:slug>/hubs/": Page("/producer/{producer_slug}/hubs/", MEMBER_A, WRITE_A),
    "producer/<slug:slug>/cycles/": Page("/producer/{producer_slug}/cycles/", MEMBER_A),
    "producer/<slug:slug>/sales/": Page("/producer/{producer_slug}/sales/", MEMBER_A),
    "producer/<slug:slug>/prepare/": Page("/producer/{producer_slug}/prepare/", MEMBER_A),
    # orders: a producer's own supplier totals
    "producer/<slug:slug>/reports/": Page("/producer/{producer_slug}/reports/", MEMBER_A),
    # orders: A's purchase orders (H's processed cycle), and their files (404 to anyone else,
    # anonymous visitors included).
    "producer/<slug:slug>/purchase-orders/": Page(
        "/producer/{producer_slug}/purchase-orders/", MEMBER_A
    ),
    "producer/<slug:slug>/purchase-orders/<int:purchase_order_id>/<str:fmt>/": Page(
        "/producer/{producer_slug}/purchase-orders/{purchase_order_id}/pdf/",
        "404 404 200 404 404 404 200",
    ),
    # hubs (H)
    "hub/": Page("/hub/", SIGNED_IN),
    "hub/invitations/<str:token>/": Page(
        "/hub/invitations/{hub_token}/", SIGNED_IN, post="login 302 302 302 302 302 302"
    ),
    "hub/<slug:slug>/": Page("/hub/{hub_slug}/", MANAGER_H),
    "hub/<slug:slug>/settings/": Page(
        "/hub/{hub_slug}/settings/", MANAGER_H, WRITE_H,
        data=(("action", "profile"), ("name", "Taken over")),
    ),
    "hub/<slug:slug>/team/": Page(
        "/hub/{hub_slug}/team/", MANAGER_H, WRITE_H,
        data=(("action", "invite"), ("email", "intruder@example.com"), ("role", "owner")),
    ),
    "hub/<slug:slug>/producers/": Page("/hub/{hub_slug}/producers/", MANAGER_H, WRITE_H),
    "hub/<slug:slug>/cycles/new/": Page("/hub/{hub_slug}/cycles/new/", MANAGER_H, WRITE_H),
    "hub/<slug:slug>/cycles/<int:cycle_id>/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/", MANAGER_H, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/<str:action>/do/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/close/do/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/producers/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/producers/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/suppliers/<int:supplier_id>/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/suppliers/{supplier_id}/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/offers/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/offers/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/fees/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/fees/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/windows/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/windows/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/preview/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/preview/", MANAGER_H
    ),
    # orders: a cycle's orders for its hub's managers
    "hub/<slug:slug>/cycles/<int:cycle_id>/orders/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/orders/", MANAGER_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/orders/{order_number}/", MANAGER_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/amend/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/orders/{order_number}/amend/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/cancel/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/orders/{order_number}/cancel/", POST_ONLY, WRITE_H
    ),
    # a processed order's correction (credit note + new invoice) and its invoices' PDFs
    "hub/<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/correct/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/orders/{order_number}/correct/", POST_ONLY, WRITE_H
    ),
    (
        "hub/<slug:slug>/cycles/<int:cycle_id>/orders/<str:number>/invoices/<int:invoice_id>/"
    ): Page("/hub/{hub_slug}/cycles/{cycle_id}/orders/{order_number}/invoices/{invoice_id}/",
            MANAGER_H),
    # orders: packing lists and pickup sheets (the cycle is open: a message, nothing ticked)
    "hub/<slug:slug>/cycles/<int:cycle_id>/packing/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/packing/?by=product", MANAGER_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/pickup/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/pickup/", MANAGER_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/pickup/mark/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/pickup/mark/", POST_ONLY, WRITE_H,
        data=(("paid", "yes"), ("collected", "yes")),
    ),
    # orders: the hub's reports (figures of its cycles)
    "hub/<slug:slug>/reports/": Page("/hub/{hub_slug}/reports/", MANAGER_H),
    # orders: H's processed cycle, its processing and documents (files: 404 to anyone else)
    "hub/<slug:slug>/cycles/<int:cycle_id>/processing/": Page(
        "/hub/{hub_slug}/cycles/{processed_cycle_id}/processing/", MANAGER_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/processing/status/": Page(
        "/hub/{hub_slug}/cycles/{processed_cycle_id}/processing/status/", MANAGER_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/processing/retry/": Page(
        "/hub/{hub_slug}/cycles/{processed_cycle_id}/processing/retry/", POST_ONLY, WRITE_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/invoices/<int:invoice_id>/pdf/": Page(
        "/hub/{hub_slug}/cycles/{processed_cycle_id}/invoices/{processed_invoice_id}/pdf/",
        "404 404 404 404 200 404 200",
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/purchase-orders/<int:purchase_order_id>/<str:fmt>/":
        Page("/hub/{hub_slug}/cycles/{processed_cycle_id}/purchase-orders/{purchase_order_id}"
             "/csv/", "404 404 404 404 200 404 200"),
    # orders: a cycle's invoices as one file (H's cycle has a ready bundle)
    "hub/<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/invoices/bundles/", MANAGER_H, WRITE_H,
        data=(("format", "pdf"),),
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/<int:bundle_id>/status/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/invoices/bundles/{bundle_id}/status/", MANAGER_H
    ),
    "hub/<slug:slug>/cycles/<int:cycle_id>/invoices/bundles/<int:bundle_id>/download/": Page(
        "/hub/{hub_slug}/cycles/{cycle_id}/invoices/bundles/{bundle_id}/download/", MANAGER_H
    ),
    # foodhub: a user's own API tokens (the tenant's: the producer's token)
    "shop/accounts/api-tokens/": Page("/shop/accounts/api-tokens/", SIGNED_IN),
    "shop/accounts/api-tokens/<int:pk>/revoke/": Page(
        "/shop/accounts/api-tokens/{producer_token_id}/revoke/", POST_ONLY,
        post="login 404 302 404 404 404 404",
    ),
    "shop/accounts/api-tokens/revoke-all/": Page(
        "/shop/accounts/api-tokens/revoke-all/", POST_ONLY, post="login 302 302 302 302 302 302"
    ),
    # orders: the shopper's own orders (over Oscar's order history)
    "shop/accounts/orders/": Page("/shop/accounts/orders/", SIGNED_IN),
    "shop/accounts/orders/<str:number>/": Page(
        "/shop/accounts/orders/{order_number}/", SHOPPER_OWN
    ),
    "shop/accounts/orders/<str:number>/amend/": Page(
        "/shop/accounts/orders/{order_number}/amend/", POST_ONLY, WRITE_SHOPPER
    ),
    "shop/accounts/orders/<str:number>/cancel/": Page(
        "/shop/accounts/orders/{order_number}/cancel/", POST_ONLY, WRITE_SHOPPER
    ),
    # An invoice of the shopper's order: its PDF, to the shopper alone (account pages).
    "shop/accounts/orders/<str:number>/invoices/<int:invoice_id>/": Page(
        "/shop/accounts/orders/{invoiced_order_number}/invoices/{invoice_id}/", SHOPPER_OWN
    ),
    # Each user's own business details (saving writes only theirs).
    "shop/accounts/business/": Page(
        "/shop/accounts/business/", SIGNED_IN, post="login 302 302 302 302 302 302",
        data=(("company_name", "Coop SARL"), ("billing_address", "3 place du Marché")),
    ),
    # Oscar's line page (and its "buy again"): back to the order.
    "shop/accounts/orders/<str:number>/<int:line_id>/": Page(
        "/shop/accounts/orders/{order_number}/{order_line_id}/",
        "login 302 404 404 404 404 404",
    ),
    # orders: anyone may shop in an open cycle (the old entry now leads to the cycle's shop)
    "shop-in/cycles/<int:cycle_id>/shop/": Page(
        "/shop-in/cycles/{cycle_id}/shop/", "405 405 405 405 405 405 405",
        post="302 302 302 302 302 302 302",
    ),
    # A hub's shop: public; adding to the basket is open to anyone (a cookie basket for
    # visitors); an empty form goes back to the shop with a message.
    "<slug:hub_slug>/shop/": Page("/{hub_slug}/shop/", PUBLIC),
    "<slug:hub_slug>/shop/add/": Page(
        "/{hub_slug}/shop/add/", "405 405 405 405 405 405 405",
        post="302 302 302 302 302 302 302",
    ),
    # Oscar's platform-wide catalogue index: a redirect to the basket's cycle or the hubs.
    "shop/catalogue/": Page("/shop/catalogue/", "302 302 302 302 302 302 302"),
    # Oscar's category page, browsed from the database (producers.catalogue.views): public.
    "shop/catalogue/^category/(?P<category_slug>[\\w-]+(/[\\w-]+)*)_(?P<pk>\\d+)/$": Page(
        "{category_url}", PUBLIC
    ),
    # orders.basket: each role's own basket (every signed-in role holds one line of H's open
    # cycle, see `world`). The formset posted names the shopper's line: only the shopper
    # changes it; for anyone else it is not a line of their basket, nothing is written.
    "shop/basket/": Page(
        "/shop/basket/", PUBLIC, post="302= 302 302= 302= 302= 302= 302=",
        data=(("form-TOTAL_FORMS", "1"), ("form-INITIAL_FORMS", "1"),
              ("form-MIN_NUM_FORMS", "0"), ("form-MAX_NUM_FORMS", "1000"),
              ("form-0-id", "{basket_line_id}"), ("form-0-quantity", "2")),
    ),
    # Adding one of B's products (not sold in any cycle of H): refused, nothing written.
    "shop/basket/add/<int:pk>/": Page(
        "/shop/basket/add/{other_variant_id}/", "405 405 405 405 405 405 405",
        post="302= 302= 302= 302= 302= 302= 302=",
        data=(("quantity", "1"),),
    ),
    # orders.checkout: the steps of each role's own basket (anonymous visitors' is empty:
    # back to the basket). A pickup window of G's cycle is not a choice of H's cycle: a form
    # error, nothing recorded. The later steps stop at their pre-condition (no fulfilment
    # chosen) and place nothing; a method of another hub posted at the payment step is
    # refused in tests/orders/test_checkout.py (a window of another cycle or a method of
    # another hub is refused).
    "shop/checkout/": Page("/shop/checkout/", "302 302 302 302 302 302 302",
                           post="302= 302= 302= 302= 302= 302= 302=",
                           data=(("email", "guest@example.com"),)),
    "shop/checkout/fulfilment/": Page(
        "/shop/checkout/fulfilment/", "302 200 200 200 200 200 200",
        post="302= 200= 200= 200= 200= 200= 200=",
        data=(("fulfilment", "pickup-{other_window_id}"), ("name", "Intruder")),
    ),
    "shop/checkout/payment-method/": Page(
        "/shop/checkout/payment-method/", "302 302 302 302 302 302 302",
        post="302= 302= 302= 302= 302= 302= 302=",
        data=(("payment_method", "{other_payment_method_id}"),),
    ),
    "shop/checkout/preview/": Page("/shop/checkout/preview/", "302 302 302 302 302 302 302",
                                   post="302= 302= 302= 302= 302= 302= 302=",
                                   data=(("action", "place_order"),)),
    # The confirmation of the order this session placed; the shopper's order number in the
    # query shows it to nobody (Oscar's look-up by number is for superusers only).
    "shop/checkout/thank-you/": Page("/shop/checkout/thank-you/?order_number={order_number}",
                                     "302 302 302 302 302 302 302"),
}

# API operations as the schema names them. `body` is sent as JSON (a write that succeeds for
# the roles allowed to make it); the URL's ids are the tenant's (A, H, H's open cycle...).
CSV_HEADER = (
    "producer,sku,name,display_name,category,description,units,unit_type,variant_unit_name,"
    "price,on_hand,available_on,on_demand,shipping_category,tax_category\n"
)


@dataclass(frozen=True)
class Api:
    expect: str
    body: object = None
    url: str | None = None  # default: the schema path with the tenant's ids


API = {
    "POST /api/v1/auth/token/": Api(
        "400 400 400 400 400 400 400", {"email": "producer@example.com", "password": "wrong"}
    ),
    "DELETE /api/v1/auth/token/": Api("401 204 204 204 204 204 204"),
    "GET /api/v1/auth/tokens/": Api("401 200 200 200 200 200 200"),
    "DELETE /api/v1/auth/tokens/{id}/": Api(
        "401 404 204 404 404 404 404", url="/api/v1/auth/tokens/{producer_token_id}/"
    ),
    "GET /api/v1/me/": Api("401 200 200 200 200 200 200"),
    "GET /api/v1/producers/": Api(PUBLIC),
    "GET /api/v1/producers/{producer_id}/": Api(PUBLIC),
    "PATCH /api/v1/producers/{producer_id}/": Api(
        "401 404 200 404 404 404 200", {"phone": "04 00 00 00 00"}
    ),
    "GET /api/v1/producers/{producer_id}/products/": Api(PUBLIC),
    "POST /api/v1/producers/{producer_id}/products/": Api(
        "401 404 201 404 404 404 201", "product"
    ),
    "GET /api/v1/producers/{producer_id}/products/{product_id}/": Api(PUBLIC),
    "PUT /api/v1/producers/{producer_id}/products/{product_id}/": Api(
        "401 404 200 404 404 404 200", "product"
    ),
    "PATCH /api/v1/producers/{producer_id}/products/{product_id}/": Api(
        "401 404 200 404 404 404 200", {"name": "Renamed"}
    ),
    "DELETE /api/v1/producers/{producer_id}/products/{product_id}/": Api(
        "401 404 200 404 404 404 200"
    ),
    "POST /api/v1/producers/{producer_id}/stock/": Api(
        "401 404 200 404 404 404 200", [{"sku": "SKU-0", "price": "2.50", "on_hand": 5}]
    ),
    "POST /api/v1/producers/{producer_id}/imports/": Api("401 404 2xx 404 404 404 2xx", "file"),
    "GET /api/v1/producers/{producer_id}/imports/{import_id}/": Api(
        "401 404 200 404 404 404 200"
    ),
    "POST /api/v1/producers/{producer_id}/imports/{import_id}/confirm/": Api(
        # The import has errors: nobody confirms it.
        "401 404 400 404 404 404 400"
    ),
    "GET /api/v1/producers/{team_id}/team/": Api("401 404 200 404 404 404 200"),
    "POST /api/v1/producers/{team_id}/team/invitations/": Api(
        # Staff invite staff, not owners.
        "401 404 403 404 404 404 201", {"email": "new@example.com", "role": "owner"}
    ),
    "PATCH /api/v1/producers/{team_id}/team/members/{member_id}/": Api(
        # Only owners change roles.
        "401 404 403 404 404 404 200", {"role": "owner"}
    ),
    "DELETE /api/v1/producers/{team_id}/team/members/{member_id}/": Api(
        # Only owners remove others.
        "401 404 403 404 404 404 204"
    ),
    "GET /api/v1/hubs/": Api(PUBLIC),
    "GET /api/v1/hubs/{hub_id}/": Api(PUBLIC),
    "PATCH /api/v1/hubs/{hub_id}/": Api(
        "401 404 404 404 200 404 200", {"phone": "04 00 00 00 00"}
    ),
    "GET /api/v1/hubs/{team_id}/team/": Api("401 404 404 404 200 404 200"),
    "POST /api/v1/hubs/{team_id}/team/invitations/": Api(
        "401 404 404 404 201 404 201", {"email": "new@example.com", "role": "owner"}
    ),
    "PATCH /api/v1/hubs/{team_id}/team/members/{member_id}/": Api(
        "401 404 404 404 200 404 200", {"role": "owner"}
    ),
    "DELETE /api/v1/hubs/{team_id}/team/members/{member_id}/": Api(
        "401 404 404 404 204 404 204"
    ),
    "GET /api/v1/order-cycles/": Api(PUBLIC),
    "POST /api/v1/order-cycles/": Api("401 404 404 404 201 404 201", "cycle"),
    # H's draft cycle: only its managers read it.
    "GET /api/v1/order-cycles/{cycle_id}/": Api(
        "404 404 404 404 200 404 200", url="/api/v1/order-cycles/{draft_cycle_id}/"
    ),
    "PATCH /api/v1/order-cycles/{cycle_id}/": Api(
        "401 404 404 404 200 404 200", {"name": "Renamed"}
    ),
    "POST /api/v1/order-cycles/{cycle_id}/clone/": Api(
        "401 404 404 404 201 404 201", "clone"
    ),
    "POST /api/v1/order-cycles/{cycle_id}/close/": Api("401 404 404 404 200 404 200"),
    "POST /api/v1/order-cycles/{cycle_id}/reopen/": Api(
        # The cycle is open: there is nothing to reopen.
        "401 404 404 404 400 404 400", "reopen"
    ),
    "GET /api/v1/order-cycles/{cycle_id}/products/": Api(PUBLIC),
    "GET /api/v1/relationships/": Api("401 200 200 200 200 200 200"),
    "POST /api/v1/relationships/": Api(
        # H and A already work together: either side may ask, the answer is "already".
        "401 404 400 404 400 404 400", "link"
    ),
    "POST /api/v1/relationships/{link_id}/accept/": Api("401 404 400 404 400 404 400"),
    "POST /api/v1/relationships/{link_id}/end/": Api("401 404 200 404 200 404 200"),
    # orders: anyone signed in orders for themselves; the order of the URL is the shopper's
    # (another user's order is a 404, platform admins included); a cycle's orders are its
    # hub's managers'.
    "GET /api/v1/orders/": Api("401 200 200 200 200 200 200"),
    "POST /api/v1/orders/": Api("401 201 201 201 201 201 201", "order"),
    "GET /api/v1/orders/{order_id}/": Api("401 200 404 404 404 404 404"),
    "PATCH /api/v1/orders/{order_id}/": Api("401 200 404 404 404 404 404", "amend"),
    "POST /api/v1/orders/{order_id}/cancel/": Api("401 200 404 404 404 404 404"),
    "GET /api/v1/order-cycles/{cycle_id}/orders/": Api("401 404 404 404 200 404 200"),
    # invoices: a cycle's for its hub's managers; a PDF for them and the order's shopper.
    "GET /api/v1/order-cycles/{cycle_id}/invoices/": Api("401 404 404 404 200 404 200"),
    "GET /api/v1/invoices/{invoice_id}/pdf/": Api("401 200 404 404 200 404 200"),
    # a cycle's reports: its hub's managers only (JSON here; files are the same view)
    "GET /api/v1/order-cycles/{cycle_id}/reports/supplier-totals/": Api(
        "401 404 404 404 200 404 200"),
    "GET /api/v1/order-cycles/{cycle_id}/reports/customer-totals/": Api(
        "401 404 404 404 200 404 200"),
    "GET /api/v1/order-cycles/{cycle_id}/reports/fees/": Api("401 404 404 404 200 404 200"),
    "GET /api/v1/order-cycles/{cycle_id}/reports/vat/": Api("401 404 404 404 200 404 200"),
    # orders: H's processed cycle: its progress for its managers; its purchase orders for
    # them and for A's members (A's own; B does not supply H: 404).
    "GET /api/v1/order-cycles/{cycle_id}/processing/": Api(
        "401 404 404 404 200 404 200", url="/api/v1/order-cycles/{processed_cycle_id}/processing/"
    ),
    "GET /api/v1/order-cycles/{cycle_id}/purchase-orders/": Api(
        "401 404 200 404 200 404 200",
        url="/api/v1/order-cycles/{processed_cycle_id}/purchase-orders/",
    ),
    "GET /api/v1/purchase-orders/{purchase_order_id}/pdf/": Api("401 404 200 404 200 404 200"),
    "GET /api/v1/purchase-orders/{purchase_order_id}/csv/": Api("401 404 200 404 200 404 200"),
}


# --- helpers ---------------------------------------------------------------------------------


def params(world: World) -> dict:
    return {
        "producer_slug": world.producer.slug, "hub_slug": world.hub.slug,
        "producer_id": world.producer.id, "hub_id": world.hub.id,
        "product_id": world.product_id, "import_id": world.import_id,
        "cycle_id": world.cycle.id, "draft_cycle_id": world.draft_cycle.id,
        "link_id": world.link.id, "supplier_id": world.ids["supplier_id"],
        "producer_token": world.tokens["producer"], "hub_token": world.tokens["hub"],
        "producer_token_id": world.ids["producer_token_id"],
        "order_id": world.ids["order_id"], "bundle_id": world.ids["bundle_id"],
        "order_number": world.order.number, "order_line_id": world.order.lines.get().id,
        "invoice_id": world.ids["invoice_id"],
        "invoiced_order_number": world.invoice.order.number,
        "processed_cycle_id": world.ids["processed_cycle_id"],
        "processed_invoice_id": world.ids["processed_invoice_id"],
        "purchase_order_id": world.ids["purchase_order_id"],
        "category_url": world.ids["category_url"],
        "basket_line_id": world.ids["basket_line_id"],
        "other_variant_id": world.ids["other_variant_id"],
        "other_window_id": world.ids["other_window_id"],
        "other_payment_method_id": world.ids["other_payment_method_id"],
    }


def api_url(world: World, operation: str, row: Api) -> str:
    path = operation.split(" ", 1)[1]
    values = params(world)
    team_is_hub = path.startswith("/api/v1/hubs/")
    values["team_id"] = world.hub.id if team_is_hub else world.producer.id
    values["member_id"] = world.hub_staff.id if team_is_hub else world.producer_staff.id
    return (row.url or path).format(**values)


def api_body(world: World, body):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from oscar.core.loading import get_model

    soon = timezone.now() + dt.timedelta(days=40)
    category = get_model("catalogue", "Category").objects.get(name="Pantry")
    named = {
        "product": {"name": "Honey", "category": category.id, "variants": [
            {"sku": "H-250", "units": "250", "unit_type": "g", "price": "4.60", "on_hand": "12"},
        ]},
        "cycle": {"hub": world.hub.id, "name": "Christmas", "opens_at": soon.isoformat(),
                  "closes_at": (soon + dt.timedelta(days=3)).isoformat()},
        "clone": {"opens_at": soon.isoformat()},
        "reopen": {"closes_at": soon.isoformat()},
        "link": {"hub": world.hub.id, "producer": world.producer.id},
        "order": {"order_cycle": world.cycle.id,
                  "lines": [{"offer": world.ids["offer_id"], "quantity": 2}],
                  "pickup_window": world.ids["window_id"],
                  "payment_method": world.ids["payment_method_id"]},
        "amend": {"lines": [{"offer": world.ids["offer_id"], "quantity": 3}]},
        "file": {"file": SimpleUploadedFile(
            "products.csv", (CSV_HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n").encode(),
            content_type="text/csv")},
    }
    return named.get(body, body) if isinstance(body, str) else body


def cells(row: str) -> dict[str, str]:
    values = row.split()
    assert len(values) == len(ROLES), row
    return dict(zip(ROLES, values, strict=True))


def matches(cell: str, response) -> bool:
    cell = cell.removesuffix("=")
    if cell == "-":
        return response.status_code < 500
    if cell == "login":
        return response.status_code == 302 and response["Location"].startswith(
            resolve_url(settings.LOGIN_URL)
        )
    if cell == "2xx":
        return 200 <= response.status_code < 300
    return response.status_code == int(cell)


def refused(cell: str) -> bool:
    """A cell whose request must write nothing."""
    return cell == "login" or cell.endswith("=") or (cell.isnumeric() and int(cell) >= 400)


DOMAIN_APPS = ("producers", "catalogue", "partner", "hubs", "orders", "basket")


def fingerprint() -> str:
    """A digest of every row of the domain tables (teams, catalogue, cycles, orders,
    baskets...)."""
    digest = hashlib.sha256()
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            for row in model._base_manager.order_by("pk").values_list():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def client_for(world: World, role: str, *, api: bool):
    """A client signed in as the role: by session for pages, by token for the API."""
    client = APIClient()
    user = world.user(role)
    if user is not None:
        if api:
            body = api_token(user, lambda path, data: APIClient().post(
                path, data, format="json").json())
            client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
        else:
            client.force_login(user)
    return client


def attempt(send, cell: str, baseline: str | None):
    """Send a request in a savepoint rolled back afterwards; return (response, wrote)."""
    with transaction.atomic():
        response = send()
        wrote = baseline is not None and refused(cell) and fingerprint() != baseline
        transaction.set_rollback(True)
    return response, wrote


# --- the URL conf and the schema -------------------------------------------------------------


def view_modules(callback) -> set[str]:
    """The modules that define a URL pattern's view: its class (Django's `view_class`, DRF's
    `cls`: for Oscar's apps, the class `get_class` loaded, so a fork of ours shows) and every
    function along its decorators' `__wrapped__` chain."""
    modules = set()
    view = callback
    while view is not None:
        modules.add(getattr(view, "__module__", None) or "")
        for name in ("view_class", "cls"):
            cls = getattr(view, name, None)
            if cls is not None:
                modules.add(cls.__module__)
        view = getattr(view, "__wrapped__", None) or getattr(view, "func", None)
    return modules - {""}


def is_ours(callback) -> bool:
    return any(module.split(".", 1)[0] in OUR_PACKAGES for module in view_modules(callback))


def our_routes(patterns=None) -> set[str]:
    """Every route of ours: the URL conf walked from the root through every tree. Outside
    SKIPPED_TREES every route is ours to answer for; inside them, a route whose view is
    defined in one of OUR_PACKAGES is ours too (a fork of Oscar's checkout under shop/, a
    page of ours added to Wagtail's tree), the others are third-party's, skipped with the
    tree's reason. API routes are the API matrix's (through the schema)."""
    routes: set[str] = set()

    def walk(patterns, prefix: str, skipped: bool):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            inside = skipped or (not prefix and route in SKIPPED_TREES)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, inside)
            elif not inside or is_ours(pattern.callback):
                routes.add(route)

    walk(get_resolver().url_patterns if patterns is None else patterns, "", False)
    return routes


def api_routes_as_paths(routes: set[str]) -> set[str]:
    import re

    paths = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        for route in routes if route.startswith(API_PREFIX)
    }
    # drf-spectacular names a `pk` path parameter `id` (SCHEMA_COERCE_PATH_PK).
    return {path.replace("{pk}", "{id}") for path in paths}


def schema_operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item if method in ("get", "post", "put", "patch", "delete")
    }


# --- tests -----------------------------------------------------------------------------------


@pytest.fixture
def world(db) -> World:
    world = build_world()
    # The producer's own API token: others may not revoke it.
    world.ids["producer_token_id"] = api_token(world.user("producer"), lambda path, data: (
        APIClient().post(path, data, format="json").json()))["id"]
    shopping(world)
    return world


def shopping(world: World) -> None:
    """What the basket and checkout rows aim at: every signed-in role's basket holds one of
    A's products in H's open cycle; G has a pickup window and a payment method of its own;
    one of B's variants; a public category's page."""
    import datetime as dt

    from oscar.core.loading import get_model

    from hubs.cycle_services import cycle_window_save
    from hubs.models import CycleOffer, OrderCycle, PaymentMethod, PickupPoint
    from orders.basket_services import basket_add

    offer = CycleOffer.objects.select_related("cycle__hub", "stockrecord__product").get(
        pk=world.ids["offer_id"])
    basket_model = get_model("basket", "Basket")
    for role in ROLES[1:]:
        basket_add(basket=basket_model.objects.create(owner=world.user(role)), offer=offer,
                   quantity=1)
    world.ids["basket_line_id"] = basket_model.objects.get(
        owner=world.user("shopper")).lines.get().id
    other_cycle = OrderCycle.objects.get(pk=world.ids["other_cycle_id"])
    point = PickupPoint.objects.create(hub=world.other_hub, name="G's barn", address="G")
    world.ids["other_window_id"] = cycle_window_save(
        cycle=other_cycle, pickup_point=point, date=other_cycle.closes_at.date()
        + dt.timedelta(days=1), start_time=dt.time(9), end_time=dt.time(11)).id
    world.ids["other_payment_method_id"] = PaymentMethod.objects.create(
        hub=world.other_hub, kind="at_pickup", name="G's till").id
    world.ids["other_variant_id"] = world.other_producer.partner.stockrecords.order_by(
        "id").first().product_id
    world.ids["category_url"] = get_model("catalogue", "Category").objects.get(
        name="Pantry").get_absolute_url()


def test_every_page_and_api_operation_has_a_row_and_every_row_a_route():
    routes = our_routes()
    pages = {route for route in routes if not route.startswith(API_PREFIX)}
    missing = sorted(pages - set(PAGES))
    assert not missing, f"pages without a row in PAGES (or a reason in SKIPPED_TREES): {missing}"
    stale = sorted(set(PAGES) - pages)
    assert not stale, f"rows of PAGES for routes that are gone: {stale}"
    operations = schema_operations()
    missing = sorted(operations - set(API))
    assert not missing, f"API operations without a row in API: {missing}"
    stale = sorted(set(API) - operations)
    assert not stale, f"rows of API for operations that are gone: {stale}"
    undocumented = sorted(api_routes_as_paths(routes) - {op.split(" ", 1)[1] for op in operations})
    assert not undocumented, f"API routes missing from the schema: {undocumented}"


def test_a_view_of_ours_inside_a_third_party_tree_needs_a_row():
    """The walk sees through Oscar's and Wagtail's trees: a view of ours mounted inside them
    (decorated or not, a function or a class) is a route of ours; theirs are skipped."""
    from django.contrib.auth.decorators import login_required
    from django.urls import include, path
    from wagtail import urls as wagtail_urls

    from foodhub import views
    from orders.checkout.views import ThankYouView

    oscar_urls = apps.get_app_config("oscar").urls[0]
    patterns = [
        path("shop/", include([path("ours/", login_required(views.healthz)),
                               path("", include(oscar_urls))])),
        path("", include([path("ours/<int:pk>/", ThankYouView.as_view()),
                          path("", include(wagtail_urls))])),
    ]
    routes = our_routes(patterns)
    assert {"shop/ours/", "ours/<int:pk>/"} <= routes
    # Oscar's apps load our forks' views through get_class: ours; its own views are skipped.
    assert {"shop/basket/", "shop/checkout/preview/"} <= routes
    assert "shop/basket/saved/" not in routes
    assert not [route for route in routes if route.startswith("shop/dashboard/")]


def test_oscars_staff_dashboard_is_closed_to_every_role(world):
    """shop/ is skipped as Oscar's, whose dashboard lists every tenant's orders and products:
    only Django staff (`is_staff`) enter it, and being in a team or in the platform admins'
    group does not make anyone staff."""
    for role in ROLES:
        client = client_for(world, role, api=False)
        for url in ("/shop/dashboard/", "/shop/dashboard/orders/",
                    f"/shop/dashboard/orders/{world.order.number}/"):
            response = client.get(url)
            if role == "anonymous":  # to Oscar's dashboard login
                assert response.status_code == 302, (role, url, response.status_code)
                assert response["Location"].startswith("/shop/dashboard/login/"), url
            else:
                assert response.status_code == 403, (role, url, response.status_code)


def test_our_packages_are_every_app_of_the_project():
    """A new package of ours joins OUR_PACKAGES, or its views inside third-party trees would
    escape the matrix."""
    from pathlib import Path

    local = {
        config.name.split(".", 1)[0] for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR)
        and "site-packages" not in Path(config.path).parts
    }
    assert local and local <= set(OUR_PACKAGES), local - set(OUR_PACKAGES)


@pytest.mark.parametrize("role", ROLES)
def test_pages_answer_each_role_as_the_matrix_says(world, role):
    client = client_for(world, role, api=False)
    values = params(world)
    baseline = fingerprint()
    wrong = []
    for route, page in PAGES.items():
        url = page.url.format(**values)
        cell = cells(page.get)[role]
        response, _wrote = attempt(lambda url=url: client.get(url), cell, None)
        if not matches(cell, response):
            wrong.append(f"GET {url} ({route}): expected {cell}, got {response.status_code}")
        if page.post is None:
            continue
        cell = cells(page.post)[role]
        response, wrote = attempt(
            lambda url=url, page=page: client.post(
                url, {key: value.format(**values) for key, value in page.data}),
            cell, baseline
        )
        if not matches(cell, response):
            wrong.append(f"POST {url} ({route}): expected {cell}, got {response.status_code}")
        if wrote:
            wrong.append(f"POST {url} ({route}): refused ({response.status_code}) but wrote")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_api_answers_each_role_as_the_matrix_says(world, role):
    client = client_for(world, role, api=True)
    baseline = fingerprint()
    wrong = []
    for operation, row in API.items():
        method = operation.split(" ", 1)[0].lower()
        url = api_url(world, operation, row)
        cell = cells(row.expect)[role]
        body = api_body(world, row.body)
        kwargs = {"format": "multipart"} if row.body == "file" else {"format": "json"}

        def send(method=method, url=url, body=body, kwargs=kwargs):
            if body is None:
                return getattr(client, method)(url)
            return getattr(client, method)(url, body, **kwargs)

        response, wrote = attempt(send, cell, baseline if method != "get" else None)
        if not matches(cell, response):
            detail = response.content[:200].decode(errors="replace")
            wrong.append(f"{operation} ({url}): expected {cell}, got {response.status_code} "
                         f"{detail}")
        if wrote:
            wrong.append(f"{operation} ({url}): refused ({response.status_code}) but wrote")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


# --- private files: the caller's own team in the URL, another tenant's file id ----------------


def mixed_downloads(world: World) -> list[tuple[str, str]]:
    """(role, url): every view that sends a private file, with the slug (and cycle, order)
    of the caller's own team and the id of a file of tenant A/H. The matrix above aims whole
    URLs at one tenant; these check that the file is looked up inside the caller's scope."""
    v = params(world)
    g, b = world.other_hub.slug, world.other_producer.slug
    own_cycle = world.ids["other_cycle_id"]  # G's cycle
    own_number = world.order.__class__.objects.get(pk=world.ids["producer_order_id"]).number
    return [
        ("other_manager", f"/hub/{g}/cycles/{own_cycle}/invoices/{v['processed_invoice_id']}"
                          "/pdf/"),
        ("other_manager", f"/hub/{g}/cycles/{own_cycle}/purchase-orders/"
                          f"{v['purchase_order_id']}/pdf/"),
        ("other_manager", f"/hub/{g}/cycles/{own_cycle}/purchase-orders/"
                          f"{v['purchase_order_id']}/csv/"),
        ("other_manager", f"/hub/{g}/cycles/{own_cycle}/orders/{v['invoiced_order_number']}"
                          f"/invoices/{v['invoice_id']}/"),
        ("other_manager", f"/hub/{g}/cycles/{own_cycle}/invoices/bundles/{v['bundle_id']}"
                          "/download/"),
        ("other_producer", f"/producer/{b}/purchase-orders/{v['purchase_order_id']}/pdf/"),
        ("other_producer", f"/producer/{b}/purchase-orders/{v['purchase_order_id']}/csv/"),
        ("other_producer", f"/producer/{b}/imports/{v['import_id']}/file/"),
        # The producer member has an order of their own in H's cycle: their number, the
        # shopper's invoice.
        ("producer", f"/shop/accounts/orders/{own_number}/invoices/{v['invoice_id']}/"),
    ]


def test_a_file_of_another_tenant_is_404_through_the_callers_own_urls(world):
    served = []
    for role, url in mixed_downloads(world):
        client = client_for(world, role, api=False)
        response = client.get(url)
        if response.status_code != 404:
            served.append(f"{role} {url}: {response.status_code}")
    assert served == []
    # The same URLs with the caller's own ids would have reached a view (not a 404 of the
    # URL conf): the tenants' own pages answer.
    assert client_for(world, "other_manager", api=False).get(
        f"/hub/{world.other_hub.slug}/cycles/{world.ids['other_cycle_id']}/").status_code == 200
    number = world.order.__class__.objects.get(pk=world.ids["producer_order_id"]).number
    assert client_for(world, "producer", api=False).get(
        f"/shop/accounts/orders/{number}/").status_code == 200
