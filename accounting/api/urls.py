from rest_framework.routers import SimpleRouter

from accounting.api.kick import SessionKickViewSet
from accounting.api.views import SessionViewSet

router = SimpleRouter()
# Before the sessions' own routes: /sessions/kick/ is the kick, not the session "kick".
router.register("sessions", SessionKickViewSet, basename="api-session-kick")
router.register("sessions", SessionViewSet, basename="api-session")
