"""`manage.py backup` and `manage.py restore` (issue 12).

What matters runs through the real command line (``manage.py`` in a
subprocess, on a database of its own): the round trip backup → drop every
table → restore must give back every row of every table, on SQLite and on
MariaDB, and a damaged file must be refused before anything changes.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.stub import Stubber
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from ops import backup as ops_backup
from ops.backup import mysql_option_file, mysqldump_command

ROOT = Path(__file__).resolve().parents[2]
MARIADB = ("127.0.0.1", 3306)
ROUND_TRIP_DATABASE = f"staka_backup_rt_{os.getpid()}"  # parallel runs on one server must not drop each other's


def mariadb_reachable():
    try:
        socket.create_connection(MARIADB, timeout=1).close()
    except OSError:
        return False
    return True


needs_mariadb = pytest.mark.skipif(not mariadb_reachable(), reason="serveur MariaDB injoignable sur 127.0.0.1:3306")


# --- Running manage.py ------------------------------------------------------------


def cli_env(workdir, database_url):
    """The environment of a manage.py run on its own database and folders."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(workdir / "media"),
        BACKUP_DIR=str(workdir / "backups"),
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env, *args, expect_success=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=600,
    )
    if expect_success:
        assert result.returncode == 0, f"manage.py {' '.join(args)} a échoué :\n{result.stdout}\n{result.stderr}"
    return result


def backup_files(env):
    return sorted(Path(env["BACKUP_DIR"]).glob("staka-*.sql.gz"))


# --- What a database holds ----------------------------------------------------------


def fingerprint(cursor, tables):
    """{table: (row count, SHA-256 of its rows)}; rows are sorted, so the
    order a dump reloads them in does not matter, their content does."""
    result = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM {table}')
        rows = sorted(repr(row) for row in cursor.fetchall())
        result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def sqlite_fingerprint(path):
    database = sqlite3.connect(path)
    try:
        cursor = database.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        return fingerprint(cursor, [f'"{name}"' for (name,) in cursor.fetchall()])
    finally:
        database.close()


def sqlite_drop_all_tables(path):
    database = sqlite3.connect(path)
    try:
        tables = database.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        for (name,) in tables.fetchall():
            database.execute(f'DROP TABLE "{name}"')
        database.commit()
    finally:
        database.close()


def mariadb(database=None):
    import MySQLdb

    options = {"host": MARIADB[0], "port": MARIADB[1], "user": "root", "charset": "utf8mb4", "autocommit": True}
    return MySQLdb.connect(**options, **({"database": database} if database else {}))


def mariadb_tables(cursor):
    cursor.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
    return [f"`{name}`" for name, _ in cursor.fetchall()]


def file_digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- A seeded SQLite database, built once ---------------------------------------------


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory):
    """A migrated SQLite file filled by seed_demo (with its media), to copy."""
    workdir = tmp_path_factory.mktemp("seeded")
    env = cli_env(workdir, f"sqlite:///{workdir / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")
    return workdir


@pytest.fixture
def sqlite_site(seeded_sqlite, tmp_path):
    """A copy of the seeded site: (env, database path)."""
    shutil.copy(seeded_sqlite / "db.sqlite3", tmp_path / "db.sqlite3")
    shutil.copytree(seeded_sqlite / "media", tmp_path / "media")
    return cli_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}"), tmp_path / "db.sqlite3"


# --- The round trip -----------------------------------------------------------------


def test_sqlite_backup_drop_restore_gives_back_every_row(sqlite_site):
    env, database = sqlite_site
    before = sqlite_fingerprint(database)
    assert before['"accounts_user"'][0] > 0 and before['"orders_order"'][0] > 0

    manage(env, "backup")
    [dump] = backup_files(env)
    sqlite_drop_all_tables(database)
    assert sqlite_fingerprint(database) == {}
    database.chmod(0o640)

    result = manage(env, "restore", str(dump), "--yes")

    assert sqlite_fingerprint(database) == before
    assert stat.S_IMODE(database.stat().st_mode) == 0o640  # a new file, with the old one's rights
    assert "Lignes par table" in result.stdout
    assert "  accounts_user" in result.stdout


@needs_mariadb
def test_mariadb_backup_drop_restore_gives_back_every_row(tmp_path):
    server = mariadb()
    server.cursor().execute(f"DROP DATABASE IF EXISTS {ROUND_TRIP_DATABASE}")
    server.cursor().execute(
        f"CREATE DATABASE {ROUND_TRIP_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    try:
        env = cli_env(tmp_path, f"mysql://root@127.0.0.1:3306/{ROUND_TRIP_DATABASE}")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        database = mariadb(ROUND_TRIP_DATABASE)
        cursor = database.cursor()
        before = fingerprint(cursor, mariadb_tables(cursor))
        assert before["`accounts_user`"][0] > 0 and before["`orders_order`"][0] > 0

        manage(env, "backup")
        [dump] = backup_files(env)
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in mariadb_tables(cursor):
            cursor.execute(f"DROP TABLE {table}")
        assert mariadb_tables(cursor) == []
        database.close()

        result = manage(env, "restore", str(dump), "--yes")

        database = mariadb(ROUND_TRIP_DATABASE)
        cursor = database.cursor()
        assert fingerprint(cursor, mariadb_tables(cursor)) == before
        database.close()
        assert "Lignes par table" in result.stdout
    finally:
        server.cursor().execute(f"DROP DATABASE IF EXISTS {ROUND_TRIP_DATABASE}")
        server.close()


# --- Refusals that change nothing --------------------------------------------------------


def rewrite_sidecar(dump):
    Path(f"{dump}.sha256").write_text(f"{file_digest(dump)}  {dump.name}\n")


def test_truncated_backup_is_refused_before_anything_changes(sqlite_site):
    env, database = sqlite_site
    manage(env, "backup")
    [dump] = backup_files(env)
    content = dump.read_bytes()
    dump.write_bytes(content[: len(content) // 2])
    rewrite_sidecar(dump)  # a matching checksum: only the full decompression can tell
    untouched = file_digest(database)

    result = manage(env, "restore", str(dump), "--yes", expect_success=False)

    assert result.returncode != 0
    assert "corrompu ou tronqué" in result.stderr
    assert "Rien n'a été modifié" in result.stderr
    assert file_digest(database) == untouched


def test_wrong_or_missing_checksum_is_refused_before_anything_changes(sqlite_site):
    env, database = sqlite_site
    manage(env, "backup")
    [dump] = backup_files(env)
    sidecar = Path(f"{dump}.sha256")
    sidecar.write_text(f"{'0' * 64}  {dump.name}\n")
    untouched = file_digest(database)

    wrong = manage(env, "restore", str(dump), "--yes", expect_success=False)
    sidecar.unlink()
    missing = manage(env, "restore", str(dump), "--yes", expect_success=False)

    assert wrong.returncode != 0 and "ne correspond pas" in wrong.stderr
    assert missing.returncode != 0 and "--no-checksum" in missing.stderr
    assert file_digest(database) == untouched
    # The operator who accepts it, knowingly, gets the restore.
    accepted = manage(env, "restore", str(dump), "--yes", "--no-checksum")
    assert "Base restaurée" in accepted.stdout


def write_dump(path, first_line):
    with gzip.open(path, "wt", encoding="utf-8") as dump:
        dump.write(first_line + "\nCREATE TABLE intruder (id int);\n")
    rewrite_sidecar(path)


def test_dump_from_another_engine_or_not_ours_is_refused(sqlite_site, tmp_path):
    env, database = sqlite_site
    untouched = file_digest(database)
    mysql_dump = tmp_path / "staka-20260101-000000.sql.gz"
    write_dump(mysql_dump, '-- staka-backup {"format":1,"engine":"mysql","created":"2026-01-01","migrations":{}}')
    foreign_dump = tmp_path / "other.sql.gz"
    write_dump(foreign_dump, "-- MySQL dump 10.13")

    other_engine = manage(env, "restore", str(mysql_dump), "--yes", expect_success=False)
    not_ours = manage(env, "restore", str(foreign_dump), "--yes", expect_success=False)

    assert other_engine.returncode != 0 and "vient d'une base mysql" in other_engine.stderr
    assert not_ours.returncode != 0 and "pas une sauvegarde Staka Livres" in not_ours.stderr
    assert file_digest(database) == untouched


def test_dump_from_newer_code_is_refused(sqlite_site, tmp_path):
    env, database = sqlite_site
    untouched = file_digest(database)
    newer = tmp_path / "staka-20260101-000000.sql.gz"
    write_dump(newer, '-- staka-backup {"format":1,"engine":"sqlite","created":"2026-01-01",'
                      '"migrations":{"orders":["9999_from_the_future"]}}')

    result = manage(env, "restore", str(newer), "--yes", expect_success=False)

    assert result.returncode != 0 and "orders.9999_from_the_future" in result.stderr
    assert file_digest(database) == untouched


def test_restore_without_a_terminal_asks_for_yes(sqlite_site):
    env, database = sqlite_site
    manage(env, "backup")
    [dump] = backup_files(env)
    untouched = file_digest(database)

    result = manage(env, "restore", str(dump), expect_success=False)

    assert result.returncode != 0 and "--yes" in result.stderr
    assert file_digest(database) == untouched


# --- Media ------------------------------------------------------------------------------


def test_with_media_archives_the_media_files(sqlite_site):
    env, _ = sqlite_site
    media = Path(env["MEDIA_ROOT"])
    (media / "uploads" / "été").mkdir(parents=True)
    (media / "uploads" / "été" / "manuscrit é.txt").write_text("Il était une fois")
    on_disk = {str(path.relative_to(media.parent)) for path in media.rglob("*") if path.is_file()}

    result = manage(env, "backup", "--with-media", "--name", "avant-maj")

    [archive] = Path(env["BACKUP_DIR"]).glob("staka-avant-maj-*-media.tar.gz")
    with tarfile.open(archive) as tar:
        archived = {member.name for member in tar.getmembers() if member.isfile()}
        assert tar.extractfile("media/uploads/été/manuscrit é.txt").read() == "Il était une fois".encode()
    assert archived == on_disk
    assert Path(f"{archive}.sha256").read_text().split() == [file_digest(archive), archive.name]
    assert "Médias archivés" in result.stdout


def test_s3_media_gives_a_manifest_of_every_key(tmp_path):
    storage_settings = {
        "default": {
            "BACKEND": "files.storage.PrivateS3Storage",
            "OPTIONS": {"bucket_name": "staka-test", "region_name": "eu-west-3", "location": "prod",
                        "access_key": "test", "secret_key": "test"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    modified = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    with override_settings(STORAGES=storage_settings, BACKUP_DIR=tmp_path):
        from django.core.files.storage import storages

        client = storages["default"].connection.meta.client
        with Stubber(client) as stubber:
            stubber.add_response(
                "list_objects_v2",
                {"IsTruncated": True, "NextContinuationToken": "page-2", "KeyCount": 2, "Contents": [
                    {"Key": "prod/uploads/a.pdf", "Size": 1200, "ETag": '"e1"', "LastModified": modified},
                    {"Key": "prod/uploads/é.docx", "Size": 34, "ETag": '"e2"', "LastModified": modified},
                ]},
                {"Bucket": "staka-test", "Prefix": "prod/"},
            )
            stubber.add_response(
                "list_objects_v2",
                {"IsTruncated": False, "KeyCount": 1, "Contents": [
                    {"Key": "prod/invoices/f.pdf", "Size": 500, "ETag": '"e3"', "LastModified": modified},
                ]},
                {"Bucket": "staka-test", "Prefix": "prod/", "ContinuationToken": "page-2"},
            )
            summary = ops_backup.backup_media("staka-20261129-120000", tmp_path, timezone.now())
            stubber.assert_no_pending_responses()

    manifest_path = Path(summary["file"])
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest_path.name == "staka-20261129-120000-media.json"
    assert [(item["key"], item["size"]) for item in manifest["objects"]] == [
        ("prod/uploads/a.pdf", 1200), ("prod/uploads/é.docx", 34), ("prod/invoices/f.pdf", 500),
    ]
    assert (manifest["bucket"], manifest["count"], manifest["total_size"]) == ("staka-test", 3, 1734)
    assert ops_backup.checksum_status(manifest_path) == "ok"


# --- MySQL credentials ----------------------------------------------------------------------


def test_credentials_are_in_a_private_option_file_never_on_the_command_line():
    db = {"NAME": "staka", "USER": "staka", "PASSWORD": 's3cret "#; \\ pass', "HOST": "127.0.0.1", "PORT": "3306"}
    with mysql_option_file(db) as option_file:
        command = mysqldump_command(option_file, db)
        mode = stat.S_IMODE(os.stat(option_file).st_mode)
        content = Path(option_file).read_text()

    assert not any("s3cret" in argument for argument in command)
    assert command[:2] == ["/usr/bin/mysqldump", f"--defaults-extra-file={option_file}"]
    assert {"--single-transaction", "--routines", "--triggers", "--default-character-set=utf8mb4"} <= set(command)
    assert mode == 0o600
    assert 'password="s3cret \\"#; \\\\ pass"' in content
    assert not Path(option_file).exists()


@needs_mariadb
def test_an_awkward_password_reaches_the_server_intact():
    """Quotes, #, ; and backslashes survive the option file (a real login and dump)."""
    password = 'p"a\\ss w#rd;x\'y'
    server = mariadb()
    cursor = server.cursor()
    cursor.execute("DROP DATABASE IF EXISTS staka_backup_pw")
    cursor.execute("CREATE DATABASE staka_backup_pw CHARACTER SET utf8mb4")
    cursor.execute("CREATE TABLE staka_backup_pw.livre (id INT PRIMARY KEY, titre VARCHAR(50))")
    cursor.execute("DROP USER IF EXISTS 'staka_backup_pw'@'%'")
    cursor.execute("CREATE USER 'staka_backup_pw'@'%%' IDENTIFIED BY %s", [password])
    cursor.execute("GRANT ALL ON staka_backup_pw.* TO 'staka_backup_pw'@'%'")
    try:
        out = io.BytesIO()
        ops_backup.dump_mysql(
            {"NAME": "staka_backup_pw", "USER": "staka_backup_pw", "PASSWORD": password,
             "HOST": "127.0.0.1", "PORT": 3306},
            out,
        )
        assert b"CREATE TABLE `livre`" in out.getvalue()
    finally:
        cursor.execute("DROP USER IF EXISTS 'staka_backup_pw'@'%'")
        cursor.execute("DROP DATABASE IF EXISTS staka_backup_pw")
        server.close()


@needs_mariadb
def test_a_failed_mysqldump_leaves_nothing_and_says_why(tmp_path, monkeypatch):
    bad_login = {"NAME": "mysql", "USER": "staka_nobody", "PASSWORD": "wrong", "HOST": "127.0.0.1", "PORT": 3306}
    monkeypatch.setattr(ops_backup, "connection", SimpleNamespace(vendor="mysql", settings_dict=bad_login))
    monkeypatch.setattr(ops_backup, "applied_migrations", dict)

    with override_settings(BACKUP_DIR=tmp_path), pytest.raises(CommandError, match="mysqldump a échoué.*Access denied"):
        call_command("backup", stdout=io.StringIO())

    assert list(tmp_path.iterdir()) == []


# --- Names, list and retention ----------------------------------------------------------------


def test_a_backup_name_with_other_characters_is_refused(tmp_path):
    with override_settings(BACKUP_DIR=tmp_path), pytest.raises(CommandError, match="Lettres, chiffres, - et _"):
        call_command("backup", "--name", "../etc", stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def make_backup_file(directory, name, *, sidecar="ok"):
    path = directory / name
    path.write_bytes(b"backup " + name.encode())
    if sidecar == "ok":
        rewrite_sidecar(path)
    elif sidecar == "wrong":
        Path(f"{path}.sha256").write_text(f"{'0' * 64}  {name}\n")
    return path


def stamp(days_ago):
    return timezone.localtime(timezone.now() - timedelta(days=days_ago)).strftime("%Y%m%d-%H%M%S")


def test_list_says_which_backups_are_verified(tmp_path):
    make_backup_file(tmp_path, f"staka-{stamp(1)}.sql.gz")
    make_backup_file(tmp_path, f"staka-manuel-{stamp(2)}.sql.gz", sidecar="wrong")
    make_backup_file(tmp_path, f"staka-{stamp(3)}-media.tar.gz", sidecar=None)
    (tmp_path / "notes.txt").write_text("pas une sauvegarde")

    with override_settings(BACKUP_DIR=tmp_path):
        as_json, as_text = io.StringIO(), io.StringIO()
        call_command("backup", "--list", "--json", stdout=as_json)
        call_command("backup", "--list", stdout=as_text)

    rows = json.loads(as_json.getvalue())
    assert [(row["name"].split("-")[1], row["kind"], row["verified"], row["checksum"]) for row in rows] == [
        (stamp(1)[:8], "base", True, "ok"),
        ("manuel", "base", False, "mismatch"),
        (stamp(3)[:8], "médias", False, "missing"),
    ]
    lines = as_text.getvalue().splitlines()[1:]
    assert [line.split("  ")[-1].strip() for line in lines] == [
        "vérifiée", "SOMME FAUSSE", "non vérifiée (pas de .sha256)",
    ]
    assert "notes.txt" not in as_text.getvalue()


def test_retention_removes_only_old_backups(tmp_path):
    old = [
        make_backup_file(tmp_path, f"staka-{stamp(40)}.sql.gz"),
        make_backup_file(tmp_path, f"staka-{stamp(40)}-media.tar.gz"),
        make_backup_file(tmp_path, f"staka-avant-maj-{stamp(31)}.sql.gz", sidecar=None),
    ]
    recent = [
        make_backup_file(tmp_path, f"staka-{stamp(29)}.sql.gz"),
        make_backup_file(tmp_path, f"staka-{stamp(1)}-media.json"),
    ]
    others = [tmp_path / "notes.txt", tmp_path / "staka-20200101-000000.sql", tmp_path / "db-20200101-000000.sql.gz"]
    for path in others:
        path.write_text("pas à nous")
    everything = set(tmp_path.iterdir())

    with override_settings(BACKUP_DIR=tmp_path):
        simulated = io.StringIO()
        call_command("backup", "--clean", "--keep-days", "30", "--dry-run", stdout=simulated)
        assert set(tmp_path.iterdir()) == everything
        removed = io.StringIO()
        call_command("backup", "--clean", "--keep-days", "30", stdout=removed)

    gone = {*old, *(Path(f"{path}.sha256") for path in old[:2])}
    assert set(tmp_path.iterdir()) == everything - gone
    assert {*recent, *others} <= set(tmp_path.iterdir())
    for path in gone:
        assert str(path) in simulated.getvalue() and str(path) in removed.getvalue()
    assert "5 fichier(s) de plus de 30 jours supprimé(s)" in removed.getvalue()
