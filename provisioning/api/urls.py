from rest_framework.routers import SimpleRouter

from provisioning.api.views import RouterProvisioningViewSet

router = SimpleRouter()
router.register("routers", RouterProvisioningViewSet, basename="api-router-provisioning")
