"""The driehoek dashboard pages (namespace "reports"); "/" is the start page."""

from django.urls import path

from . import council, cycle, publication, views, workbook

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("plannen/<int:pk>/", views.plan_dashboard, name="plan"),
    path("plannen/<int:pk>/acties/", views.plan_actions_list, name="plan_actions"),
    path("plannen/<int:pk>/afspraken/", council.plan_results, name="plan_results"),
    path(
        "plannen/<int:pk>/volgend-programma/",
        cycle.next_programme_page,
        name="next_programme",
    ),
    path(
        "plannen/<int:pk>/publicatie/",
        publication.publication_page,
        name="publication",
    ),
    path("plannen/<int:pk>/werkboek/", workbook.plan_workbook, name="plan_workbook"),
    path("overleggen/<int:pk>/", views.meeting_detail, name="meeting"),
    path("organisaties/<int:pk>/", views.organisation_detail, name="organisation"),
    path("acties/", views.actions_list, name="actions"),
    path("acties/<int:pk>/", views.action_detail, name="action"),
]
