from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Implementation")

    def ready(self):
        from .triggers import install_data_version_triggers

        post_migrate.connect(install_data_version_triggers, sender=self)
