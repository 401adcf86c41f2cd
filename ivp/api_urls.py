"""The REST API: /api/v1/<resource>/, OpenAPI schema, documentation, token page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from actions.api.urls import router as actions_router
from policies.api.tokens import token_page
from policies.api.urls import router as policies_router

router = DefaultRouter()
router.registry.extend(policies_router.registry)
router.registry.extend(actions_router.registry)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script, so the
    # Content-Security-Policy (script-src 'self') holds; Swagger UI is the sidecar's.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("token/", token_page, name="api-token"),
]
