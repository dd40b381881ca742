from rest_framework.routers import SimpleRouter

from radius.api.views import RadiusServerViewSet

router = SimpleRouter()
router.register("radius-servers", RadiusServerViewSet, basename="api-radius-server")
