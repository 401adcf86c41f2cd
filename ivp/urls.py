"""URL configuration: the admin for data entry; our own pages follow per app."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = admin.site.site_title = _("IVP tracker")
admin.site.index_title = _("Integral safety policy")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("actions.urls")),
    path("api/", include("ivp.api_urls")),
    path("rapportages/", include("reports.pdf_urls")),
    # The public site: published plans, without login (reports/public.py).
    path("openbaar/", include("reports.public_urls")),
    # The officer's forms: /plannen/<pk>/acties/nieuw/, /acties/<pk>/bewerken/, ...
    path("", include("actions.entry_urls")),
    # The driehoek dashboard; "/" is its start page (anonymous users go to the login).
    path("", include("reports.urls")),
]

# Dutch error pages in the product's look, JSON under /api/, 503 when the database is
# unreachable (ivp/errors.py). With DEBUG on, Django shows its technical pages for 400,
# 404 and 500 instead.
handler400 = "ivp.errors.bad_request"
handler403 = "ivp.errors.permission_denied"
handler404 = "ivp.errors.page_not_found"
handler500 = "ivp.errors.server_error"
