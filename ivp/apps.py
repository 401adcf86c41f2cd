from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IvpConfig(AppConfig):
    name = "ivp"
    verbose_name = _("IVP tracker")

    def ready(self):
        from django.contrib import admin

        from . import audit, middleware
        from .admin import history_access_everywhere

        audit.connect()
        middleware.connect()
        # After the admin's autodiscover (django.contrib.admin is the first app).
        history_access_everywhere(admin.site)
