"""Billing pages (operator pages and the public captive portal), plus the two API paths that
must not depend on a trailing slash or DRF: Daraja's callback and the documented initiate."""

from django.urls import path, re_path

from billing import views
from billing.api.views import PaymentViewSet

urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("portal/logo/", views.portal_logo, name="portal-logo"),
    path("portal/voucher/", views.portal_voucher, name="portal-voucher"),
    path("portal/renew/", views.portal_renew, name="portal-renew"),
    path("portal/p/<str:token>/", views.portal_payment, name="portal-payment"),
    path("api/payments/mpesa/callback/<str:secret>/", views.mpesa_callback, name="mpesa-callback"),
    re_path(
        r"^api/payments/initiate$",
        PaymentViewSet.as_view({"post": "initiate"}, **PaymentViewSet.initiate.kwargs),
        name="api-payment-initiate-noslash",
    ),
    path("billing/payments/", views.payment_list, name="billing-payments"),
    path("billing/payments/reconciled/", views.reconciled_list, name="billing-reconciled"),
    path("billing/payments/reconcile/", views.reconcile_now, name="billing-reconcile"),
    path("billing/callbacks/", views.callback_list, name="billing-callbacks"),
    path("billing/callbacks/<int:pk>/retry/", views.callback_retry, name="billing-callback-retry"),
    path("billing/customers/", views.customer_list, name="billing-customers"),
    path("billing/subscriptions/", views.subscription_list, name="billing-subscriptions"),
    path("billing/settings/", views.daraja_settings_page, name="billing-settings"),
    path("billing/portal/", views.portal_settings_page, name="portal-settings"),
    path("billing/packages/", views.package_list, name="billing-packages"),
    path("billing/packages/new/", views.package_new, name="billing-package-create"),
    path("billing/packages/<int:pk>/", views.package_edit, name="billing-package"),
    path("billing/packages/<int:pk>/delete/", views.package_remove, name="billing-package-delete"),
]
