from rest_framework.routers import SimpleRouter

from billing.api.views import (
    CustomerViewSet,
    PackageViewSet,
    PaymentCallbackViewSet,
    PaymentViewSet,
    SubscriptionViewSet,
)

router = SimpleRouter()
router.register("packages", PackageViewSet, basename="api-package")
# Before "payments": its detail route would take "callbacks" for a payment's id.
router.register("payments/callbacks", PaymentCallbackViewSet, basename="api-payment-callback")
router.register("payments", PaymentViewSet, basename="api-payment")
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("subscriptions", SubscriptionViewSet, basename="api-subscription")
