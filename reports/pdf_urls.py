"""The PDF reports: quarterly progress report, annual council report, meeting agenda."""

from django.urls import path

from . import pdf_views

app_name = "pdf"

urlpatterns = [
    path("plan/<int:plan_pk>/kwartaal/", pdf_views.quarterly, name="quarterly"),
    path("plan/<int:plan_pk>/jaar/<int:year>/", pdf_views.annual, name="annual"),
    path("overleg/<int:meeting_pk>/agenda/", pdf_views.agenda, name="agenda"),
]
