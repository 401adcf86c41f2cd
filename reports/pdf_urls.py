"""The PDF reports: quarterly progress report, annual council report, meeting agenda."""

from django.urls import path

from . import pdf_views

app_name = "pdf"

urlpatterns = [
    path("plan/<int:plan_pk>/kwartaal/", pdf_views.quarterly, name="quarterly"),
    path("plan/<int:plan_pk>/jaar/<int:year>/", pdf_views.annual, name="annual"),
    path("overleg/<int:meeting_pk>/agenda/", pdf_views.agenda, name="agenda"),
    # How the making of a report stands, for the waiting page's script.
    path(
        "plan/<int:plan_pk>/kwartaal/stand/",
        pdf_views.quarterly_status,
        name="quarterly-status",
    ),
    path(
        "plan/<int:plan_pk>/jaar/<int:year>/stand/",
        pdf_views.annual_status,
        name="annual-status",
    ),
    path(
        "overleg/<int:meeting_pk>/agenda/stand/",
        pdf_views.agenda_status,
        name="agenda-status",
    ),
]
