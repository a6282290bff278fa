"""Mounted at /shop/accounts/orders/, before Oscar's URLs: these replace Oscar's order history
(`customer:order-list` and `customer:order` still reverse to the same addresses). An order's
invoices download at `<number>/invoices/<invoice id>/` (`orders_account:invoice`).
`business_urls`: the shopper's business details page (`account-business`)."""

from django.urls import path

from . import account_views

app_name = "orders_account"
urlpatterns = [
    path("", account_views.order_list, name="list"),
    path("<str:number>/", account_views.order_detail, name="detail"),
    path("<str:number>/amend/", account_views.order_amend, name="amend"),
    path("<str:number>/cancel/", account_views.order_cancel, name="cancel"),
    path("<str:number>/<int:line_id>/", account_views.order_line, name="line"),
    path("<str:number>/invoices/<int:invoice_id>/", account_views.order_invoice,
         name="invoice"),
]

# Mounted at /shop/accounts/business/ (foodhub.urls), before Oscar's URLs.
business_urls = [
    path("", account_views.business_details, name="account-business"),
]
