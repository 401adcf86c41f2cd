"""The database keeps each plan's data version (`PlanDataVersion`, issue 19).

Triggers on every table whose rows a plan shows give the plan's version a fresh random
number on every INSERT, UPDATE and DELETE, so no write path can forget it: the admin,
our pages, the API, imports, a history revert, a bare QuerySet.update(), raw SQL. An
UPDATE that moves a row (an action to another plan's priority) changes both plans.

What a plan shows, and how a row finds its plan:
- the plan row, its municipalities, partners, coordinators, its priorities (and their
  safety fields, themes and the agenda priorities they cite), indicators and agenda
  priorities: the row's plan;
- agreements, actions, results through their priority; agreement and action owners and
  partners, an action's meetings and progress through the agreement or the action;
  targets and measurements through their indicator;
- a meeting and its municipalities: the meeting's plans (`actions_meeting_plans`, whose
  own rows change the plan they name); a meeting without plans changes SHARED;
- reference rows every plan shows (organisations, municipalities, safety regions,
  fields and themes, people's names) and figures from public sources, which other
  municipalities' dashboards average per safety region: SHARED.

An IVP shows its programmes and a programme names its IVP: `data_version()` reads the
versions of the plans asked for, their programmes, their IVPs and SHARED, so a write to
a programme changes its IVP's pages without the trigger following the parent link.

PostgreSQL: statement-level triggers with transition tables, one upsert per statement
however many rows it writes (a workbook import, a bulk update), the plans in id order so
two transactions lock their version rows in the same order. Writers of one plan wait for
each other's commit on its version row; they write the same plan's rows anyway. SQLite
(development): row-level triggers doing the same per row. Both are (re)installed after
every migrate, as policies/triggers.py is: SQLite drops a table's triggers whenever a
migration rebuilds it.
"""

from django.db import connections

from .models.dataversion import SHARED

VERSIONS = "actions_plandataversion"
PUBLIC_SOURCES = "('politie', 'cbs', 'veiligheidsmonitor')"

# Per table: the columns a row contributes (alias: column) and a query, over `{rows}`
# (those columns of the written rows), of the plan ids whose version changes.
_PLAN = ({"plan_id": "plan_id"}, "SELECT r.plan_id FROM {rows} r")
_PRIORITY = (
    {"priority_id": "priority_id"},
    "SELECT p.plan_id FROM {rows} r JOIN policies_priority p ON p.id = r.priority_id",
)
_AGREEMENT = (
    {"agreement_id": "agreement_id"},
    "SELECT p.plan_id FROM {rows} r"
    " JOIN policies_agreement g ON g.id = r.agreement_id"
    " JOIN policies_priority p ON p.id = g.priority_id",
)
_ACTION = (
    {"action_id": "action_id"},
    "SELECT p.plan_id FROM {rows} r"
    " JOIN actions_action a ON a.id = r.action_id"
    " JOIN policies_priority p ON p.id = a.priority_id",
)
_INDICATOR = (
    {"indicator_id": "indicator_id"},
    "SELECT i.plan_id FROM {rows} r JOIN policies_indicator i ON i.id = r.indicator_id",
)


def _meeting(column: str):
    return (
        {"meeting_id": column},
        "SELECT m.plan_id FROM {rows} r"
        " JOIN actions_meeting_plans m ON m.meeting_id = r.meeting_id"
        f" UNION ALL SELECT {SHARED} FROM {{rows}} r WHERE NOT EXISTS ("
        "SELECT 1 FROM actions_meeting_plans m WHERE m.meeting_id = r.meeting_id)",
    )


PLAN_TABLES = {
    "policies_plan": ({"plan_id": "id"}, "SELECT r.plan_id FROM {rows} r"),
    "policies_plan_municipalities": _PLAN,
    "policies_plan_partners": _PLAN,
    "policies_plan_coordinators": _PLAN,
    "policies_priority": _PLAN,
    "policies_priority_safety_fields": _PRIORITY,
    "policies_priority_safety_themes": _PRIORITY,
    "policies_agendapriority": _PLAN,
    "policies_priority_agenda_priorities": _PRIORITY,
    "policies_agreement": _PRIORITY,
    "policies_agreement_owners": _AGREEMENT,
    "policies_agreement_partners": _AGREEMENT,
    "policies_result": (
        {"priority_id": "priority_id", "agreement_id": "agreement_id"},
        _PRIORITY[1] + " UNION ALL " + _AGREEMENT[1],
    ),
    "actions_action": _PRIORITY,
    "actions_action_owners": _ACTION,
    "actions_action_partners": _ACTION,
    "actions_action_meetings": _ACTION,
    "actions_progressupdate": _ACTION,
    "actions_meeting": _meeting("id"),
    "actions_meeting_plans": _PLAN,
    "actions_meeting_municipalities": _meeting("meeting_id"),
    "policies_indicator": (
        {"plan_id": "plan_id", "source": "source"},
        "SELECT r.plan_id FROM {rows} r"
        f" UNION ALL SELECT {SHARED} FROM {{rows}} r"
        f" WHERE r.source IN {PUBLIC_SOURCES}",
    ),
    "policies_measurement": (
        _INDICATOR[0],
        _INDICATOR[1] + f" UNION ALL SELECT {SHARED} FROM {{rows}} r"
        " JOIN policies_indicator i ON i.id = r.indicator_id"
        f" WHERE i.source IN {PUBLIC_SOURCES}",
    ),
    "policies_target": _INDICATOR,
}
SHARED_TABLES = [
    "policies_organisation",
    "policies_municipality",
    "policies_safetyregion",
    "policies_safetyfield",
    "policies_safetytheme",
]
# Tables of the two domain apps no page shows as a plan's content, each with why; a test
# (tests/test_data_version.py) holds every table of the apps to one of the three lists,
# so a new model is classified when it is added.
NOT_SHOWN = {
    "policies_membership": "who may see what: part of the user's rights in every key",
    "actions_plandataversion": "the versions themselves",
    "actions_remindersettings": "a user's own settings, on no shared page",
    "actions_remindermail": "mails sent, on no page",
    "actions_reminderitem": "mails sent, on no page",
    "actions_progressround": "the progress round page, not cached",
    "actions_importjob": "an upload waiting for its import, whose writes bump the plan",
}
# People's names, not their logins: last_login is written on every sign-in.
USER_COLUMNS = ["first_name", "last_name", "username", "email"]


def _projection(columns: dict[str, str], source: str) -> str:
    return ", ".join(
        f"{source}{column} AS {alias}" for alias, column in columns.items()
    )


# --- PostgreSQL ----------------------------------------------------------------------

POSTGRES_BUMP = f"""
CREATE OR REPLACE FUNCTION ivp_bump_data_versions(ids bigint[]) RETURNS void AS $$
    INSERT INTO {VERSIONS} (plan_id, version)
    SELECT id, (random() * 4611686018427387903)::bigint
    FROM (SELECT DISTINCT unnest(ids) AS id) u
    WHERE id IS NOT NULL
    ORDER BY id
    ON CONFLICT (plan_id) DO UPDATE SET version = EXCLUDED.version;
$$ LANGUAGE sql;
CREATE OR REPLACE FUNCTION ivp_bump_shared_data_version() RETURNS trigger AS $$
BEGIN
    PERFORM ivp_bump_data_versions(ARRAY[{SHARED}::bigint]);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_plan_table(table: str, columns: dict[str, str], query: str) -> list[str]:
    def plans(transition: str) -> str:
        rows = f"(SELECT {_projection(columns, '')} FROM {transition})"
        return query.format(rows=rows)

    function = f"ivp_dv_{table}"
    return [
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                PERFORM ivp_bump_data_versions(ARRAY({plans("new_rows")}));
            ELSIF TG_OP = 'DELETE' THEN
                PERFORM ivp_bump_data_versions(ARRAY({plans("old_rows")}));
            ELSE
                PERFORM ivp_bump_data_versions(ARRAY(
                    {plans("new_rows")} UNION {plans("old_rows")}));
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"DROP TRIGGER IF EXISTS ivp_dv_insert ON {table};",
        f"DROP TRIGGER IF EXISTS ivp_dv_update ON {table};",
        f"DROP TRIGGER IF EXISTS ivp_dv_delete ON {table};",
        f"CREATE TRIGGER ivp_dv_insert AFTER INSERT ON {table}"
        f" REFERENCING NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER ivp_dv_update AFTER UPDATE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER ivp_dv_delete AFTER DELETE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
    ]


def _postgres(tables: set[str]) -> list[str]:
    statements = [POSTGRES_BUMP]
    for table, (columns, query) in PLAN_TABLES.items():
        if table in tables:
            statements += _postgres_plan_table(table, columns, query)
    for table in SHARED_TABLES:
        if table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS ivp_dv_shared ON {table};",
                f"CREATE TRIGGER ivp_dv_shared AFTER INSERT OR UPDATE OR DELETE"
                f" ON {table} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION ivp_bump_shared_data_version();",
            ]
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in USER_COLUMNS)
    statements += [
        "DROP TRIGGER IF EXISTS ivp_dv_shared ON auth_user;",
        f"CREATE TRIGGER ivp_dv_shared AFTER UPDATE OF {', '.join(USER_COLUMNS)}"
        f" ON auth_user FOR EACH ROW WHEN ({changed})"
        f" EXECUTE FUNCTION ivp_bump_shared_data_version();",
    ]
    return statements


# --- SQLite --------------------------------------------------------------------------


def _sqlite_bump(query: str) -> str:
    # SQLite's upsert needs a WHERE in its SELECT (a parsing ambiguity with ON).
    return (
        f"INSERT INTO {VERSIONS} (plan_id, version)"
        f" SELECT plan_id, random() FROM ({query}) WHERE plan_id IS NOT NULL"
        " GROUP BY plan_id"
        " ON CONFLICT (plan_id) DO UPDATE SET version = excluded.version;"
    )


def _sqlite_trigger(name: str, when: str, body: str) -> list[str]:
    # Dropped first, so a changed definition replaces the one a database has.
    return [
        f"DROP TRIGGER IF EXISTS {name};",
        f"CREATE TRIGGER {name} {when} BEGIN {body} END;",
    ]


def _sqlite(tables: set[str]) -> list[str]:
    statements = []
    for table, (columns, query) in PLAN_TABLES.items():
        if table not in tables:
            continue
        # Every query's first column is called plan_id (SQLite names a compound
        # select's columns after its first), as the upsert reads it.
        new_plans = query.format(rows=f"(SELECT {_projection(columns, 'NEW.')})")
        old_plans = query.format(rows=f"(SELECT {_projection(columns, 'OLD.')})")
        for event, plans in (
            ("INSERT", new_plans),
            ("UPDATE", f"{new_plans} UNION {old_plans}"),
            ("DELETE", old_plans),
        ):
            statements += _sqlite_trigger(
                f"ivp_dv_{table}_{event.lower()}",
                f"AFTER {event} ON {table}",
                _sqlite_bump(plans),
            )
    shared = _sqlite_bump(f"SELECT {SHARED} AS plan_id")
    for table in SHARED_TABLES:
        if table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                statements += _sqlite_trigger(
                    f"ivp_dv_{table}_{event.lower()}",
                    f"AFTER {event} ON {table}",
                    shared,
                )
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in USER_COLUMNS)
    statements += _sqlite_trigger(
        "ivp_dv_auth_user_names",
        f"AFTER UPDATE OF {', '.join(USER_COLUMNS)} ON auth_user WHEN {changed}",
        shared,
    )
    return statements


def drop_sqlite_triggers(using: str = "default", **kwargs) -> None:
    """Before a migrate on SQLite: drop the triggers, put back by the post_migrate.

    SQLite changes a table by making a new one and dropping the old; a trigger on
    another table that reads it (the priority an action's plan is found through) then
    names a table that is gone, and the rebuild fails its integrity check. PostgreSQL
    alters tables in place and resolves the names when a trigger runs: its triggers stay,
    so a data migration changes the versions there too.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ivp_dv%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install_data_version_triggers(using: str = "default", **kwargs) -> None:
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if VERSIONS not in tables:
        return  # migrating backwards, or not yet migrated
    make = {"postgresql": _postgres, "sqlite": _sqlite}.get(connection.vendor)
    if make is None:
        raise NotImplementedError(
            f"No data version triggers for database vendor {connection.vendor!r}"
        )
    with connection.cursor() as cursor:
        for statement in make(tables):
            cursor.execute(statement)
