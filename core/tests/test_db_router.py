"""The read-replica router (DATABASE_REPLICA_URL, core/db_router.py).

The routing rules are checked on the router itself; the whole path (the
settings, the dashboard, `manage.py stats`, the admin's home page, a write
followed by a read) in a process of its own on two real databases that are
not replicated, so a row present in one only shows where each read went:
two SQLite files, or two MariaDB databases when the suite runs on MariaDB.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.signals import request_started
from django.db import connection

from accounts.models import User
from core.db_router import PRIMARY, REPLICA, ReplicaRouter, primary_pin_reset, read_replica

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def router():
    primary_pin_reset()
    yield ReplicaRouter()
    primary_pin_reset()


def test_reads_go_to_the_replica_only_inside_read_replica(router):
    assert router.db_for_read(User) == PRIMARY
    with read_replica():
        assert router.db_for_read(User) == REPLICA
        with read_replica():
            assert router.db_for_read(User) == REPLICA
        assert router.db_for_read(User) == REPLICA
    assert router.db_for_read(User) == PRIMARY


@pytest.mark.django_db  # request_started also closes old database connections
def test_after_a_write_the_request_reads_the_primary_until_the_next_request(router):
    assert router.db_for_write(User) == PRIMARY
    with read_replica():
        assert router.db_for_read(User) == PRIMARY
    request_started.send(sender=None)
    with read_replica():
        assert router.db_for_read(User) == REPLICA
        router.db_for_write(User)  # a write inside the block counts too
        assert router.db_for_read(User) == PRIMARY


def test_migrations_run_on_the_primary_only(router):
    assert router.allow_migrate(PRIMARY, "accounts", "user") is True
    assert router.allow_migrate(REPLICA, "accounts", "user") is False


def test_objects_of_both_aliases_may_be_related(router):
    primary, replica, elsewhere = User(), User(), User()
    primary._state.db, replica._state.db, elsewhere._state.db = PRIMARY, REPLICA, "archive"
    assert router.allow_relation(primary, replica) is True
    assert router.allow_relation(replica, replica) is True
    assert router.allow_relation(primary, elsewhere) is None


@pytest.mark.skipif(bool(os.environ.get("DATABASE_REPLICA_URL")), reason="the suite runs with a replica")
def test_without_a_replica_url_there_is_one_database_and_no_router(settings):
    assert list(settings.DATABASES) == ["default"]
    assert settings.DATABASE_ROUTERS == []


# --- Two real databases ------------------------------------------------------

def run(args, env, timeout=300):
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def child_env(**variables):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DATABASE_REPLICA_URL")}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.test", **variables}


@pytest.fixture
def two_databases(tmp_path):
    """(primary URL, replica URL): the primary migrated, the replica a copy
    of it — the schema replication would have brought — then left alone."""
    if connection.vendor == "mysql":
        yield from mariadb_pair()
        return
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], child_env(DATABASE_URL=f"sqlite:///{primary}"))
    shutil.copyfile(primary, replica)
    yield f"sqlite:///{primary}", f"sqlite:///{replica}"


def mariadb_pair():
    if not shutil.which("mysql") or not shutil.which("mysqldump"):
        pytest.skip("needs the mysql client and mysqldump")
    config = connection.settings_dict
    host, port, user = config["HOST"] or "127.0.0.1", config["PORT"] or 3306, config["USER"]
    client = [f"--host={host}", f"--port={port}", f"--user={user}"]
    env = {**os.environ, "MYSQL_PWD": config["PASSWORD"] or ""}
    # Per-process names: parallel runs on one server must not drop each other's.
    names = [f"{config['NAME']}_router_primary_{os.getpid()}", f"{config['NAME']}_router_replica_{os.getpid()}"]
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    urls = [f"mysql://{user}{password}@{host}:{port}/{name}" for name in names]

    def drop():
        statements = "".join(f"DROP DATABASE IF EXISTS `{name}`;" for name in names)
        subprocess.run(["mysql", *client, "-e", statements], check=True, env=env)

    drop()
    subprocess.run(["mysql", *client, "-e", "".join(
        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" for name in names)],
        check=True, env=env)
    try:
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], child_env(DATABASE_URL=urls[0]), timeout=600)
        dump = subprocess.run(["mysqldump", *client, names[0]], check=True, env=env, capture_output=True).stdout
        subprocess.run(["mysql", *client, names[1]], input=dump, check=True, env=env)
        yield urls[0], urls[1]
    finally:
        drop()


def test_opted_in_reads_use_the_replica_and_writes_and_later_reads_the_primary(two_databases):
    primary_url, replica_url = two_databases
    seen = json.loads(run([sys.executable, "core/tests/replica_scenario.py"],
                          child_env(DATABASE_URL=primary_url, DATABASE_REPLICA_URL=replica_url)).splitlines()[-1])

    assert seen["routers"] == ["core.db_router.ReplicaRouter"] and seen["aliases"] == ["default", "replica"]
    # 2 clients on the primary, 5 only on the replica.
    assert seen["count_outside"] == 2
    # The dashboard and `manage.py stats` read the replica, and only it.
    assert seen["dashboard_clients"] == seen["stats_clients"] == 5
    assert seen["dashboard_replica_queries"] >= 4 and seen["dashboard_primary_queries"] == 0
    # In a request: the replica until the first write, then the primary (which
    # has the new row), also after the block; the next request starts afresh.
    assert seen["before_write"] == [5, 0, 1]
    assert seen["after_write"] == [3, 1, 0]
    assert seen["after_the_block"] == [3, 1, 0]
    assert seen["next_request"] == [5, 0, 1]
    # The admin's home page: the user (and the session, without Redis) from
    # the primary, the figures from the replica.
    assert seen["admin_status"] == 200 and seen["admin_clients"] == 5
    assert seen["admin_replica_queries"] == seen["dashboard_replica_queries"]
    assert seen["admin_primary_queries"] >= 1
    # The audit log's list: its rows and its filters from the replica.
    assert seen["audit_status"] == 200 and seen["audit_shows_the_replica_row"]
    # On the primary nothing more than the home page read (the user is cached by now, and so is the
    # session with Redis).
    assert seen["audit_primary_queries"] <= seen["admin_primary_queries"] and seen["audit_replica_queries"] >= 2


def doctor_replica_line(env):
    done = subprocess.run([sys.executable, "manage.py", "doctor", "--json"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return next(check for check in json.loads(done.stdout)["checks"] if check["check"] == "Réplique de lecture")


def test_doctor_checks_the_replica_answers_and_has_the_schema(two_databases):
    primary_url, replica_url = two_databases
    env = child_env(DATABASE_URL=primary_url, DATABASE_REPLICA_URL=replica_url)
    assert doctor_replica_line(env)["status"] == "ok"

    # A replica that stopped replicating misses the latest migration.
    run([sys.executable, "manage.py", "shell", "-c",
         "from django.db import connections; connections['replica'].cursor().execute("
         "\"DELETE FROM django_migrations WHERE app = 'core'\")"], env)
    behind = doctor_replica_line(env)
    assert behind["status"] == "error" and "migration(s) de retard" in behind["message"]

    down = doctor_replica_line(child_env(DATABASE_URL=primary_url,
                                         DATABASE_REPLICA_URL="mysql://root:s3cret-pw@127.0.0.1:1/nope"))
    assert down["status"] == "error" and "injoignable" in down["message"] and "s3cret-pw" not in down["message"]
