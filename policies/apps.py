from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_reference_data(
    sender, app_config=None, using="default", apps=None, **kwargs
):
    """Reference data (the VNG safety fields and their themes, the CBS municipality list
    and the safety regions) comes with the migrations. A flush (`manage.py flush`, and
    every transactional test) empties those tables too and then sends post_migrate:
    put the data back, as Django does for content types and permissions. Idempotent and
    cheap when the data is there."""
    from django.apps import apps as global_apps

    from . import reference
    from .reference import safety

    names = set(connections[using].introspection.table_names())
    needed = {"policies_safetyfield", "policies_safetytheme", "policies_municipality"}
    if not needed <= names:
        return  # migrating backwards, or not yet migrated
    get = global_apps.get_model
    if not get("policies", "SafetyField").objects.using(using).exists():
        safety.load_safety_fields(get("policies", "SafetyField"))
    if not get("policies", "SafetyTheme").objects.using(using).exists():
        safety.load_safety_themes(get("policies", "SafetyTheme"))
    if not get("policies", "Municipality").objects.using(using).exists():
        reference.load(
            get("policies", "SafetyRegion"),
            get("policies", "Municipality"),
            get("policies", "Organisation"),
        )


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policy")

    def ready(self):
        from .triggers import install_triggers

        post_migrate.connect(install_triggers, sender=self)
        post_migrate.connect(restore_reference_data, sender=self)
