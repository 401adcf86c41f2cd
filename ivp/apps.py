from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IvpConfig(AppConfig):
    name = "ivp"
    verbose_name = _("IVP tracker")

    def ready(self):
        from . import audit, middleware

        audit.connect()
        middleware.connect()
