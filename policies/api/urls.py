"""Routes of the policies resources; ivp/api_urls.py combines them under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("priorities", views.PriorityViewSet, basename="priority")
router.register(
    "agenda-priorities", views.AgendaPriorityViewSet, basename="agendapriority"
)
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("measurements", views.MeasurementViewSet, basename="measurement")
router.register("targets", views.TargetViewSet, basename="target")
router.register("results", views.ResultViewSet, basename="result")
