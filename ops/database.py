"""What ``setup`` and ``doctor`` both need to know about the database: how to
name it (never with its password), whether it answers, which migrations are
missing, and MySQL/MariaDB's time-zone tables."""

import shutil
import subprocess

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor

ZONEINFO_DIR = "/usr/share/zoneinfo"
# What an admin runs when our database user may not write the `mysql` schema.
TIMEZONE_LOAD_COMMAND = f"mysql_tzinfo_to_sql {ZONEINFO_DIR} | mysql -u root -p mysql"


def database_label(using=DEFAULT_DB_ALIAS):
    """« mysql 127.0.0.1:3306, base staka » — the password never appears."""
    connection = connections[using]
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite, fichier {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{connection.vendor} {host}{port}, base « {settings_dict['NAME']} »"


def database_error(using=DEFAULT_DB_ALIAS):
    """None when the database answers, else the driver's reason (in which
    the driver never echoes the password)."""
    connection = connections[using]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 — any failure means unreachable
        return str(error) or error.__class__.__name__
    return None


def unapplied_migrations(using=DEFAULT_DB_ALIAS):
    executor = MigrationExecutor(connections[using])
    return [migration for migration, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes())]


def timezone_tables_loaded():
    """CONVERT_TZ returns NULL for a named zone until the tables are loaded;
    asking it needs no privilege on the `mysql` schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONVERT_TZ('2026-01-01 12:00:00', 'UTC', 'Europe/Paris')")
        return cursor.fetchone()[0] is not None


class TimezoneLoadError(Exception):
    """The tables could not be loaded; the message says what to do."""


def load_timezone_tables():
    """Fill MySQL/MariaDB's time-zone tables from the system's zoneinfo, with
    our own credentials, through a separate connection to the `mysql` schema."""
    import MySQLdb

    tool = shutil.which("mysql_tzinfo_to_sql") or shutil.which("mariadb-tzinfo-to-sql")
    if tool is None:
        raise TimezoneLoadError(
            "mysql_tzinfo_to_sql est introuvable (paquet du client MySQL/MariaDB) : installez-le, ou faites "
            f"exécuter par un administrateur, là où il est installé : {TIMEZONE_LOAD_COMMAND}")
    script = subprocess.run(  # noqa: S603 — fixed arguments
        [tool, ZONEINFO_DIR], check=True, capture_output=True, text=True, encoding="utf-8").stdout
    params = {**connection.get_connection_params(), "database": "mysql"}
    try:
        mysql = MySQLdb.connect(**params)
    except MySQLdb.Error as error:
        raise _privileges_missing(error) from error
    try:
        with mysql.cursor() as cursor:
            for statement in _statements(script):
                cursor.execute(statement)  # no arguments: the '%' in the script are not placeholders
        mysql.commit()
    except MySQLdb.Error as error:
        raise _privileges_missing(error) from error
    finally:
        mysql.close()


def _privileges_missing(error):
    return TimezoneLoadError(
        f"chargement impossible avec l'utilisateur de l'application ({error.args[-1]}). "
        f"Un administrateur de la base doit exécuter : {TIMEZONE_LOAD_COMMAND}")


def _statements(script):
    """The script's statements: each one ends with ';' at the end of a line."""
    statement = []
    for line in script.splitlines():
        statement.append(line)
        if line.rstrip().endswith(";"):
            yield "\n".join(statement)
            statement = []
    if any(line.strip() for line in statement):
        yield "\n".join(statement)
