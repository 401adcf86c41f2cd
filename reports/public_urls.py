"""The public site (namespace "public"), without login: reports/public.py."""

from django.urls import path, re_path

from . import public

app_name = "public"

urlpatterns = [
    path("", public.index, name="index"),
    path("<slug:municipality>/", public.municipality, name="municipality"),
    path(
        "<slug:municipality>/veiligheidsveld/<slug:code>/",
        public.safety_field,
        name="field",
    ),
    re_path(
        r"^(?P<municipality>[-\w]+)/(?P<plan>[-\w]+)\.(?P<format>csv|json)$",
        public.plan_data,
        name="plan_data",
    ),
    path("<slug:municipality>/<slug:plan>/", public.plan, name="plan"),
]
