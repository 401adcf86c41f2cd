"""The REST API: /api/v1/<resource>/, OpenAPI schema, documentation, token page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from actions.api.urls import router as actions_router
from ivp.api_docs import api_docs
from policies.api.tokens import token_page
from policies.api.urls import router as policies_router

router = DefaultRouter()
router.registry.extend(policies_router.registry)
router.registry.extend(actions_router.registry)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The schema as a page in the product's look, without a script (ivp/api_docs.py).
    path("docs/", api_docs, name="api-docs"),
    path("token/", token_page, name="api-token"),
]
