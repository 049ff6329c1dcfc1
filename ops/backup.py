"""Database and media backups behind `manage.py backup` and `manage.py restore`.

A backup is one gzip file of SQL, ``staka[-NAME]-YYYYmmdd-HHMMSS.sql.gz`` in
``settings.BACKUP_DIR``, with a ``.sha256`` sidecar in sha256sum's format (so
``sha256sum -c`` checks it as well). Its first line is a SQL comment recording
the engine and the applied migrations: a restore refuses a dump it could not
load. Everything streams; a dump never sits in memory, and a backup is written
under a temporary name and renamed at the end, so a failure leaves no half file.

MySQL/MariaDB go through mysqldump and mysql with the credentials in a
temporary option file, never on the command line where ``ps`` shows them.
SQLite goes through its online backup API (a consistent copy while the site
runs), then ``iterdump()``.
"""

import gzip
import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from storages.backends.s3 import S3Storage

MYSQLDUMP = "/usr/bin/mysqldump"
MYSQL = "/usr/bin/mysql"
CHUNK = 1024 * 1024
HEADER_PREFIX = "-- staka-backup "
STAMP_FORMAT = "%Y%m%d-%H%M%S"
LABEL_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Every file a backup writes (the sidecars are named after them). Anything
# else in the folder is not ours: listing and retention never touch it.
ARTIFACT_RE = re.compile(
    r"^staka-(?:(?P<label>[A-Za-z0-9_-]+)-)?(?P<stamp>\d{8}-\d{6})"
    r"(?P<kind>\.sql\.gz|-media\.tar\.gz|-media\.json)$"
)
KIND_LABELS = {".sql.gz": "base", "-media.tar.gz": "médias", "-media.json": "médias (S3)"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (French)."""


# --- Files, names and checksums ----------------------------------------------


def backup_dir():
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_basename(label, now):
    if label is not None and not LABEL_RE.match(label):
        raise BackupError(
            f"Nom de sauvegarde invalide : « {label} ». Lettres, chiffres, - et _ uniquement (64 au plus)."
        )
    stamp = timezone.localtime(now).strftime(STAMP_FORMAT)
    return f"staka-{label}-{stamp}" if label else f"staka-{stamp}"


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sidecar_path(path):
    return path.with_name(path.name + ".sha256")


def checksum_status(path):
    """"ok", "missing" (no sidecar) or "mismatch"."""
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return "missing"
    expected = sidecar.read_text(encoding="utf-8").split()[:1]
    return "ok" if expected == [file_sha256(path)] else "mismatch"


@contextmanager
def atomic_output(final_path):
    """Yield a temporary path next to ``final_path``; once the block succeeds it
    becomes ``final_path`` with its sidecar. On any error nothing is left."""
    if final_path.exists():
        raise BackupError(f"{final_path.name} existe déjà ; relancez dans une seconde ou choisissez un autre --name.")
    fd, temp_name = tempfile.mkstemp(dir=final_path.parent, prefix=f".{final_path.name}.", suffix=".part")
    os.close(fd)
    temp_path = Path(temp_name)
    sidecar_temp = temp_path.with_name(temp_path.name + ".sha256")
    try:
        yield temp_path
        sidecar_temp.write_text(f"{file_sha256(temp_path)}  {final_path.name}\n", encoding="utf-8")
        os.replace(temp_path, final_path)
        os.replace(sidecar_temp, sidecar_path(final_path))
    finally:
        temp_path.unlink(missing_ok=True)
        sidecar_temp.unlink(missing_ok=True)


# --- The header line -----------------------------------------------------------


def applied_migrations():
    """{app: [migration names]} applied to the database."""
    applied = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def dump_header(now):
    header = {
        "format": 1,
        "engine": connection.vendor,
        "created": now.isoformat(),
        "migrations": applied_migrations(),
    }
    return HEADER_PREFIX + json.dumps(header, separators=(",", ":")) + "\n"


def parse_header(first_line):
    if not first_line.startswith(HEADER_PREFIX):
        raise BackupError("Ce fichier n'est pas une sauvegarde Staka Livres (en-tête absent à la première ligne).")
    try:
        return json.loads(first_line[len(HEADER_PREFIX):])
    except ValueError as error:
        raise BackupError(f"En-tête de sauvegarde illisible : {error}.") from error


# --- MySQL / MariaDB ------------------------------------------------------------


def _option_value(value):
    # Inside double quotes an option file keeps "#", ";" and spaces, and reads
    # backslash escapes (checked against MariaDB's client with such a password).
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


@contextmanager
def mysql_option_file(db):
    """A [client] option file with the connection settings, readable by us only
    (mkstemp creates it 0600), removed when the block ends."""
    lines = ["[client]"]
    if db.get("USER"):
        lines.append(f"user={_option_value(db['USER'])}")
    if db.get("PASSWORD"):
        lines.append(f"password={_option_value(db['PASSWORD'])}")
    host = db.get("HOST") or ""
    if host.startswith("/"):
        lines.append(f"socket={_option_value(host)}")
    elif host:
        lines.append(f"host={_option_value(host)}")
    if db.get("PORT"):
        lines.append(f"port={int(db['PORT'])}")
    fd, name = tempfile.mkstemp(prefix="staka-mysql-", suffix=".cnf")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write("\n".join(lines) + "\n")
        yield name
    finally:
        os.unlink(name)


def mysqldump_command(option_file, db):
    return [
        MYSQLDUMP,
        f"--defaults-extra-file={option_file}",  # must come first
        "--single-transaction",
        "--routines",
        "--triggers",
        "--default-character-set=utf8mb4",
        "--hex-blob",
        # Tablespaces need the PROCESS privilege on MySQL 8 and we use none.
        "--no-tablespaces",
        db["NAME"],
    ]


def mysql_command(option_file, db):
    return [MYSQL, f"--defaults-extra-file={option_file}", "--default-character-set=utf8mb4", db["NAME"]]


def _tool_failed(tool, returncode, errors):
    errors.seek(0)
    detail = errors.read().decode("utf-8", "replace").strip()[-2000:]
    return BackupError(f"{tool} a échoué (code {returncode}) : {detail or 'aucun détail'}")


def dump_mysql(db, out, progress=None):
    """Stream mysqldump's output into ``out`` (a binary stream)."""
    with mysql_option_file(db) as option_file, tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(  # noqa: S603 — fixed binary, arguments from settings
                mysqldump_command(option_file, db), stdout=subprocess.PIPE, stderr=errors
            )
        except OSError as error:
            raise BackupError(f"Impossible de lancer {MYSQLDUMP} : {error}") from error
        with process:
            copy_stream(process.stdout, out, progress)
        if process.returncode:
            raise _tool_failed("mysqldump", process.returncode, errors)


def drop_mysql_tables():
    """Empty the configured database: every table and view."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SHOW FULL TABLES")
        objects = cursor.fetchall()
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for name, kind in objects:
                cursor.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {quote(name)}")
        finally:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def load_mysql(db, dump, progress=None):
    """Feed the dump (binary stream) to the mysql client."""
    with mysql_option_file(db) as option_file, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 — fixed binary, arguments from settings
            mysql_command(option_file, db), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
        )
        try:
            copy_stream(dump, process.stdin, progress)
        except BrokenPipeError:
            pass  # mysql stopped reading: its exit code and message say why
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
            process.wait()
        if process.returncode:
            raise _tool_failed("mysql", process.returncode, errors)


# --- SQLite ---------------------------------------------------------------------


def sqlite_path():
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or not name:
        raise BackupError("La base SQLite est en mémoire : il n'y a rien à sauvegarder ni à remplacer.")
    return Path(name).resolve()


def dump_sqlite(out, scratch_dir, progress=None):
    """Copy the live database with the online backup API, then write its SQL."""
    connection.ensure_connection()
    with tempfile.TemporaryDirectory(dir=scratch_dir, prefix=".staka-snapshot-") as scratch:
        snapshot = sqlite3.connect(Path(scratch) / "snapshot.sqlite3")
        try:
            connection.connection.backup(snapshot)
            written = 0
            for statement in snapshot.iterdump():
                data = (statement + "\n").encode("utf-8")
                out.write(data)
                written += len(data)
                if progress:
                    progress(written)
        finally:
            snapshot.close()


def load_sqlite(lines, target):
    """Run a dump's statements (an iterable of text lines) into a new file."""
    database = sqlite3.connect(target, isolation_level=None)  # the dump has its own BEGIN/COMMIT
    try:
        statement = ""
        for line in lines:
            statement += line
            if sqlite3.complete_statement(statement):
                database.execute(statement)
                statement = ""
        if statement.strip():
            raise BackupError("La sauvegarde se termine au milieu d'une instruction SQL.")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite a refusé la sauvegarde : {error}") from error
    finally:
        database.close()


def restore_sqlite(path):
    """Build the restored database next to the live one, then swap it in at once."""
    target = sqlite_path()
    if Path(f"{target}-wal").exists():
        raise BackupError(
            f"{target.name}-wal existe : un autre processus utilise la base. Arrêtez l'application puis relancez."
        )
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.restore-")
    os.close(fd)
    if target.exists():
        # mkstemp's 0600 would lock out a web server running as another user.
        os.chmod(temp_name, stat.S_IMODE(target.stat().st_mode))
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as dump:
            dump.readline()  # our header
            load_sqlite(dump, temp_name)
        connections.close_all()
        os.replace(temp_name, target)
    finally:
        Path(temp_name).unlink(missing_ok=True)


# --- Streams ----------------------------------------------------------------------


def copy_stream(source, destination, progress=None):
    copied = 0
    while block := source.read(CHUNK):
        destination.write(block)
        copied += len(block)
        if progress:
            progress(copied)
    return copied


# --- Media ------------------------------------------------------------------------


def archive_local_media(root, destination):
    """A tar.gz of MEDIA_ROOT (under "media/"); the number of files in it."""
    count = 0

    def counted(member):
        nonlocal count
        count += member.isfile()
        return member

    with tarfile.open(destination, "w:gz", compresslevel=6) as archive:
        if Path(root).is_dir():
            archive.add(root, arcname="media", filter=counted)
    return count


def write_s3_manifest(storage, destination, now):
    """The keys and sizes of every object under the storage's prefix, as JSON,
    written object by object (a bucket may hold millions)."""
    client = storage.connection.meta.client
    prefix = storage.location.strip("/")
    paginator = client.get_paginator("list_objects_v2")
    count = total = 0
    with open(destination, "w", encoding="utf-8") as out:
        out.write(f'{{"bucket": {json.dumps(storage.bucket_name)}, "prefix": {json.dumps(prefix)}, '
                  f'"created": {json.dumps(now.isoformat())}, "objects": [')
        pages = paginator.paginate(Bucket=storage.bucket_name, **({"Prefix": prefix + "/"} if prefix else {}))
        for page in pages:
            for item in page.get("Contents", []):
                entry = {
                    "key": item["Key"],
                    "size": item["Size"],
                    "etag": item.get("ETag", "").strip('"'),
                    "last_modified": item["LastModified"].isoformat() if "LastModified" in item else None,
                }
                out.write(("\n" if not count else ",\n") + json.dumps(entry, ensure_ascii=False))
                count += 1
                total += item["Size"]
        out.write(f'\n], "count": {count}, "total_size": {total}}}\n')
    return count


def backup_media(base, directory, now):
    storage = storages["default"]
    if isinstance(storage, S3Storage):
        path = directory / f"{base}-media.json"
        with atomic_output(path) as temp:
            count = write_s3_manifest(storage, temp, now)
        return {"file": str(path), "kind": "s3-manifest", "objects": count}
    if isinstance(storage, FileSystemStorage):
        path = directory / f"{base}-media.tar.gz"
        with atomic_output(path) as temp:
            count = archive_local_media(storage.location, temp)
        return {"file": str(path), "kind": "archive", "files": count}
    raise BackupError(f"Stockage des médias non pris en charge par --with-media : {type(storage).__name__}.")


# --- Backup -------------------------------------------------------------------------


def create_backup(*, label=None, with_media=False, progress=None):
    """Write a backup; a summary of what was written."""
    if connection.vendor not in ("mysql", "sqlite"):
        raise BackupError(f"Moteur de base non pris en charge : {connection.vendor}.")
    now = timezone.now()
    directory = backup_dir()
    base = backup_basename(label, now)
    path = directory / f"{base}.sql.gz"
    header = dump_header(now).encode("utf-8")
    with atomic_output(path) as temp, gzip.open(temp, "wb", compresslevel=6) as out:
        out.write(header)
        if connection.vendor == "mysql":
            dump_mysql(connection.settings_dict, out, progress)
        else:
            dump_sqlite(out, directory, progress)
    summary = {
        "file": str(path),
        "engine": connection.vendor,
        "size": path.stat().st_size,
        "sha256": sidecar_path(path).read_text(encoding="utf-8").split()[0],
        "media": None,
    }
    if with_media:
        summary["media"] = backup_media(base, directory, now)
    return summary


# --- List and retention --------------------------------------------------------------


def stamp_datetime(stamp):
    return timezone.make_aware(datetime.strptime(stamp, STAMP_FORMAT))


def backup_artifacts():
    """(path, match) for every backup file in the folder, newest first."""
    found = []
    for path in backup_dir().iterdir():
        match = ARTIFACT_RE.match(path.name)
        if match and path.is_file():
            found.append((path, match))
    return sorted(found, key=lambda item: (item[1]["stamp"], item[0].name), reverse=True)


def list_backups():
    rows = []
    for path, match in backup_artifacts():
        status = checksum_status(path)
        rows.append({
            "name": path.name,
            "kind": KIND_LABELS[match["kind"]],
            "size": path.stat().st_size,
            "created": stamp_datetime(match["stamp"]).isoformat(),
            "checksum": status,
            "verified": status == "ok",
        })
    return rows


def clean_backups(*, keep_days, dry_run=False, now=None):
    """Remove the backups older than ``keep_days`` (by the date in their name)
    and their sidecars; the paths removed (or that would be)."""
    if keep_days < 1:
        raise BackupError("--keep-days doit valoir au moins 1.")
    limit = (now or timezone.now()) - timedelta(days=keep_days)
    removed = []
    for path, match in backup_artifacts():
        if stamp_datetime(match["stamp"]) >= limit:
            continue
        for doomed in (path, sidecar_path(path)):
            if doomed.exists():
                removed.append(str(doomed))
                if not dry_run:
                    doomed.unlink()
    return removed


# --- Restore --------------------------------------------------------------------------


def resolve_backup(name):
    """A path as given, or a file name in BACKUP_DIR."""
    path = Path(name)
    if not path.exists() and not path.is_absolute():
        path = Path(settings.BACKUP_DIR) / name
    if not path.is_file():
        raise BackupError(f"Sauvegarde introuvable : {name}")
    return path


def verify_backup(path, *, check_checksum=True):
    """Check the file completely before anything is touched; its header."""
    status = checksum_status(path)
    if status == "mismatch":
        raise BackupError(
            f"La somme SHA-256 de {path.name} ne correspond pas à {sidecar_path(path).name} : "
            "fichier modifié ou abîmé. Rien n'a été modifié."
        )
    if status == "missing" and check_checksum:
        raise BackupError(
            f"{sidecar_path(path).name} est absent : impossible de vérifier que la sauvegarde est intacte. "
            "Relancez avec --no-checksum pour restaurer sans cette vérification."
        )
    try:
        with gzip.open(path, "rb") as dump:
            first_line = dump.readline(64 * 1024).decode("utf-8", "replace")
            while dump.read(CHUNK):
                pass
    except (OSError, EOFError, zlib.error) as error:
        raise BackupError(f"{path.name} est corrompu ou tronqué ({error}). Rien n'a été modifié.") from error
    return parse_header(first_line)


def check_compatible(header):
    """Refuse a dump this database or this code cannot take."""
    if header.get("engine") != connection.vendor:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {header.get('engine')}, la base configurée est {connection.vendor} : "
            "restauration impossible d'un moteur à l'autre. Rien n'a été modifié."
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [
        f"{app}.{name}" for app, names in header.get("migrations", {}).items() for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "Cette sauvegarde vient d'une version plus récente de l'application (migrations inconnues ici : "
            f"{', '.join(unknown[:5])}{'…' if len(unknown) > 5 else ''}). Déployez cette version avant de restaurer."
        )


def database_label():
    """What the operator types to confirm: the database name, or the SQLite file's name."""
    if connection.vendor == "sqlite":
        return sqlite_path().name
    return connection.settings_dict["NAME"]


def restore_backup(path, progress=None):
    """Replace the database's content by the (verified) backup."""
    if connection.vendor == "sqlite":
        restore_sqlite(path)
        return
    db = connection.settings_dict
    drop_mysql_tables()
    connection.close()
    try:
        with gzip.open(path, "rb") as dump:
            load_mysql(db, dump, progress)
    except BackupError as error:
        # The file was checked, so this is the server's side (disk full, rights...).
        raise BackupError(
            f"{error}\nLa base est incomplète : corrigez la cause puis relancez la restauration."
        ) from error


def table_row_counts():
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (names from introspection)
            counts[table] = cursor.fetchone()[0]
    return counts
