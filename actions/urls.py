from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path(
        "overleggen/<int:pk>/voortgangsronde/",
        views.progress_round,
        name="progress-round",
    ),
    path("mijn-acties/", views.my_actions, name="my-actions"),
    path("mijn-acties/<int:pk>/voortgang/", views.quick_update, name="quick-update"),
    path("herinneringen/", views.reminder_settings, name="reminder-settings"),
    path("herinneringen/nieuw-agenda-adres/", views.reset_feed, name="reset-feed"),
    path("agenda/<str:token>.ics", views.agenda, name="agenda-feed"),
]
