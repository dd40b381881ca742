from rest_framework.routers import SimpleRouter

from billing.api.views import CustomerViewSet, PackageViewSet, PaymentViewSet, SubscriptionViewSet

router = SimpleRouter()
router.register("packages", PackageViewSet, basename="api-package")
router.register("payments", PaymentViewSet, basename="api-payment")
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("subscriptions", SubscriptionViewSet, basename="api-subscription")
