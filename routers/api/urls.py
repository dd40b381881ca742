from rest_framework.routers import SimpleRouter

from routers.api.views import IPPoolViewSet, PPPProfileViewSet, PPPSecretViewSet, RouterViewSet

router = SimpleRouter()
router.register("routers", RouterViewSet, basename="api-router")
router.register("ip-pools", IPPoolViewSet, basename="api-ip-pool")
router.register("ppp-profiles", PPPProfileViewSet, basename="api-ppp-profile")
router.register("ppp-secrets", PPPSecretViewSet, basename="api-ppp-secret")
