"""The officer's screens outside the admin (namespace "entry", actions/entry.py)."""

from django.urls import path

from . import entry

app_name = "entry"

urlpatterns = [
    path("plannen/<int:pk>/acties/nieuw/", entry.action_add, name="action-add"),
    path("acties/<int:pk>/bewerken/", entry.action_edit, name="action-edit"),
    path("acties/<int:pk>/voortgang/", entry.progress_add, name="progress"),
    path("afspraken/<int:pk>/resultaat/", entry.result_edit, name="result"),
]
