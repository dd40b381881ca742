from rest_framework.routers import SimpleRouter

from vouchers.api.views import VoucherBatchViewSet, VoucherProfileViewSet, VoucherViewSet

router = SimpleRouter()
router.register("voucher-profiles", VoucherProfileViewSet, basename="api-voucher-profile")
router.register("voucher-batches", VoucherBatchViewSet, basename="api-voucher-batch")
router.register("vouchers", VoucherViewSet, basename="api-voucher")
