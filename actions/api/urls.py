"""Routes of the actions resources; ivp/api_urls.py combines them under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("actions", views.ActionViewSet, basename="action")
router.register(
    "progress-updates", views.ProgressUpdateViewSet, basename="progressupdate"
)
router.register("meetings", views.MeetingViewSet, basename="meeting")
