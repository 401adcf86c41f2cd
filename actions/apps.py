from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Implementation")

    def ready(self):
        from .triggers import drop_sqlite_triggers, install_data_version_triggers

        pre_migrate.connect(drop_sqlite_triggers, sender=self)
        post_migrate.connect(install_data_version_triggers, sender=self)
