"""Database-held invariant: a priority's parent belongs to the same plan.

A CHECK constraint cannot look at another row, so a trigger holds it, on PostgreSQL
(production, CI) and SQLite (development). Also loads the five VNG Kernbeleid
Veiligheid fields, which are fixed reference data.
"""

from django.db import migrations

MESSAGE = "priority_parent_same_plan: the parent priority must belong to the same plan"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION policies_priority_parent_same_plan() RETURNS trigger AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM policies_priority p WHERE p.id = NEW.parent_id AND p.plan_id = NEW.plan_id
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.plan_id <> OLD.plan_id AND EXISTS (
        SELECT 1 FROM policies_priority c WHERE c.parent_id = NEW.id AND c.plan_id <> NEW.plan_id
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER priority_parent_same_plan
    BEFORE INSERT OR UPDATE OF parent_id, plan_id ON policies_priority
    FOR EACH ROW EXECUTE FUNCTION policies_priority_parent_same_plan();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS priority_parent_same_plan ON policies_priority;
DROP FUNCTION IF EXISTS policies_priority_parent_same_plan();
"""

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER priority_parent_same_plan_insert BEFORE INSERT ON policies_priority
    WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM policies_priority p WHERE p.id = NEW.parent_id AND p.plan_id = NEW.plan_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
    f"""
    CREATE TRIGGER priority_parent_same_plan_update
    BEFORE UPDATE OF parent_id, plan_id ON policies_priority
    WHEN (NEW.parent_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM policies_priority p WHERE p.id = NEW.parent_id AND p.plan_id = NEW.plan_id))
      OR EXISTS (
        SELECT 1 FROM policies_priority c WHERE c.parent_id = NEW.id AND c.plan_id <> NEW.plan_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS priority_parent_same_plan_insert;",
    "DROP TRIGGER IF EXISTS priority_parent_same_plan_update;",
]

SAFETY_FIELDS = [
    ("woon_leefomgeving", "Veilige woon- en leefomgeving"),
    ("bedrijvigheid", "Bedrijvigheid en veiligheid"),
    ("jeugd", "Jeugd en veiligheid"),
    ("fysiek", "Fysieke veiligheid"),
    ("integriteit", "Integriteit en veiligheid"),
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def add_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [POSTGRES_FORWARD])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)
    else:  # pragma: no cover - only PostgreSQL and SQLite are supported
        raise NotImplementedError(f"No trigger for database vendor {vendor!r}")


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, [POSTGRES_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE)


def add_safety_fields(apps, schema_editor):
    SafetyField = apps.get_model("policies", "SafetyField")
    for position, (code, name) in enumerate(SAFETY_FIELDS, start=1):
        SafetyField.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )


def remove_safety_fields(apps, schema_editor):
    apps.get_model("policies", "SafetyField").objects.filter(
        code__in=[code for code, _ in SAFETY_FIELDS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial_policy_model")]

    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
        migrations.RunPython(add_safety_fields, remove_safety_fields),
    ]
