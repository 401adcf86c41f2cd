from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policy")

    def ready(self):
        from .triggers import install_triggers

        post_migrate.connect(install_triggers, sender=self)
