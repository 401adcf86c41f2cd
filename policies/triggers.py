"""Database-held invariant: a priority's parent belongs to the same plan.

A CHECK constraint cannot look at another row and Django has no composite foreign key,
so a trigger holds it, on PostgreSQL (production, CI) and SQLite (development). It is
(re)installed after every migrate: SQLite silently drops a table's triggers whenever a
migration rebuilds the table, so a one-off migration would not keep it in place.
"""

from django.db import connections

MESSAGE = "priority_parent_same_plan: the parent priority must belong to the same plan"

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION policies_priority_parent_same_plan() RETURNS trigger AS $$
    BEGIN
        IF NEW.parent_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM policies_priority p
            WHERE p.id = NEW.parent_id AND p.plan_id = NEW.plan_id
        ) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.plan_id <> OLD.plan_id AND EXISTS (
            SELECT 1 FROM policies_priority c
            WHERE c.parent_id = NEW.id AND c.plan_id <> NEW.plan_id
        ) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "DROP TRIGGER IF EXISTS priority_parent_same_plan ON policies_priority;",
    """
    CREATE TRIGGER priority_parent_same_plan
        BEFORE INSERT OR UPDATE OF parent_id, plan_id ON policies_priority
        FOR EACH ROW EXECUTE FUNCTION policies_priority_parent_same_plan();
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS priority_parent_same_plan_insert
    BEFORE INSERT ON policies_priority
    WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM policies_priority p WHERE p.id = NEW.parent_id AND p.plan_id = NEW.plan_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS priority_parent_same_plan_update
    BEFORE UPDATE OF parent_id, plan_id ON policies_priority
    WHEN (NEW.parent_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM policies_priority p WHERE p.id = NEW.parent_id AND p.plan_id = NEW.plan_id))
      OR EXISTS (
        SELECT 1 FROM policies_priority c WHERE c.parent_id = NEW.id AND c.plan_id <> NEW.plan_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]


def install_triggers(using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if "policies_priority" not in connection.introspection.table_names():
        return
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(connection.vendor)
    if statements is None:
        raise NotImplementedError(
            f"No trigger for database vendor {connection.vendor!r}"
        )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
