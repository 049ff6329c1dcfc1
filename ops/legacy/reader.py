"""Reads the database of the Node/Prisma system we replace, table by table.

Two sources give the same rows: a mysqldump file (``.sql`` or ``.sql.gz``),
parsed here so that no MySQL server is needed, or a live legacy database.
A row is a dict of column → value: ``str``, ``int``, ``Decimal`` or ``None``
(NULL). Datetimes, booleans and JSON differ between the two sources (text in a
dump, objects from the server): the importer reads them through
``legacy_datetime``, ``legacy_bool`` and ``legacy_json``.

A dump is read once to learn its tables and columns, then once per table the
importer asks for, so memory stays flat whatever the size of the file. Those
passes look at raw bytes, decode only the table's lines and stop after its
last one: decoding the whole dump at each pass took a third of the import.
"""

import datetime
import gzip
import json
import re
import tempfile
import zlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

# The 15 legacy tables, each after the tables its foreign keys point to.
LEGACY_TABLES = (
    "users", "tarifs", "commandes", "files", "messages", "message_attachments", "support_requests",
    "payment_methods", "invoices", "notifications", "pages", "faqs", "audit_logs", "password_resets",
    "pending_commandes",
)

# The legacy structure (a copy of the old system's schema): it names the
# columns of a dump written without CREATE TABLE statements (--no-create-info).
SCHEMA_FILE = Path(__file__).with_name("schema.sql")


class LegacyDumpError(Exception):
    """The source cannot be read at all (not a dump, unreachable database)."""


@dataclass(frozen=True, slots=True)
class LegacyRow:
    values: dict
    where: str  # for the report: "ligne 12, n° 3" or "table users, n° 3"


# ---------------------------------------------------------------- converters

def legacy_datetime(value):
    """A legacy datetime(3) (stored in UTC by Prisma) as an aware datetime."""
    if value is None or value == "" or str(value).startswith("0000-00-00"):
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    elif not isinstance(value, datetime.datetime):  # a DATE column
        value = datetime.datetime.combine(value, datetime.time())
    return value.replace(tzinfo=datetime.UTC) if value.tzinfo is None else value


def legacy_bool(value):
    if value is None:
        return None
    if isinstance(value, bytes):  # bit(1) from a live server
        return value not in (b"", b"\x00", b"0")
    return str(value) not in ("0", "", "False", "false")


def legacy_json(value):
    """A JSON column: text in a dump, text or bytes from the server. Raises
    ValueError on malformed JSON (the importer reports the row)."""
    if value is None or isinstance(value, (dict, list)):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return json.loads(value) if value.strip() else None


# ------------------------------------------------------------ SQL statements

_CREATE_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?`(?P<table>[^`]+)` \(")
_COLUMN_LINE = re.compile(r"\s+`(?P<column>[^`]+)` ")
_INSERT = re.compile(
    r"INSERT (?:IGNORE )?INTO `(?P<table>[^`]+)`\s*(?:\((?P<columns>[^)]*)\)\s*)?VALUES\s*", re.IGNORECASE
)
# One value of a VALUES tuple, with the separator that follows it. Strings
# are matched as runs of plain characters between escapes ("unrolled"): one
# alternation per character made the match the slowest part of the import.
_VALUE = re.compile(
    r"""\s*(?:
        '(?P<string>[^'\\]*(?:(?:\\.|'')[^'\\]*)*)'
      | _binary\s*'(?P<binary>[^'\\]*(?:(?:\\.|'')[^'\\]*)*)'
      | (?P<null>NULL)
      | (?P<number>[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
      | 0x(?P<hex>[0-9A-Fa-f]*)
    )\s*(?P<end>[,)])""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)|''", re.DOTALL)
# MySQL's backslash escapes; any other escaped character stands for itself.
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def _unescape(text):
    if "\\" not in text and "''" not in text:
        return text
    return _ESCAPE.sub(lambda m: "'" if m.group(1) is None else _ESCAPES.get(m.group(1), m.group(1)), text)


def _value(match):
    if match.group("string") is not None:
        return _unescape(match.group("string"))
    if match.group("null") is not None:
        return None
    number = match.group("number")
    if number is not None:
        return Decimal(number) if any(c in number for c in ".eE") else int(number)
    if match.group("binary") is not None:
        return _unescape(match.group("binary")).encode("utf-8", "surrogateescape")
    return bytes.fromhex(match.group("hex"))


def parse_values(text, start=0):
    """The tuples of an INSERT's VALUES part, from `start`: a list of lists.
    Raises ValueError where the text stops being valid (a cut statement)."""
    tuples, position, length = [], start, len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length or text[position] != "(":
            raise ValueError(f"« ( » attendu à la position {position}")
        position += 1
        values = []
        while True:
            match = _VALUE.match(text, position)
            if match is None:
                raise ValueError(f"valeur illisible à la position {position}")
            values.append(_value(match))
            position = match.end()
            if match.group("end") == ")":
                break
        tuples.append(values)
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position < length and text[position] == ",":
            position += 1
        elif position < length and text[position] == ";":
            return tuples
        else:
            raise ValueError(f"« , » ou « ; » attendu à la position {position}")


def parse_create_tables(lines):
    """{table: [columns]} from the CREATE TABLE statements among `lines`."""
    columns, current = {}, None
    for line in lines:
        if current is None:
            match = _CREATE_TABLE.match(line)
            if match:
                current = columns.setdefault(match.group("table"), [])
        elif line.startswith(")"):
            current = None
        else:
            match = _COLUMN_LINE.match(line)
            if match:
                current.append(match.group("column"))
    return columns


def _schema_columns():
    with SCHEMA_FILE.open(encoding="utf-8") as schema:
        return parse_create_tables(schema)


# ------------------------------------------------------------------- sources

class DumpSource:
    """A mysqldump file, plain or gzipped."""

    def __init__(self, path):
        self.path = Path(path)
        self.errors = []
        self._error_keys = set()
        if not self.path.is_file():
            raise LegacyDumpError(f"Fichier introuvable : {self.path}")
        self._columns, self._tables = self._scan()

    def tables(self):
        return set(self._tables)

    def columns(self, table):
        return list(self._columns.get(table, []))

    def rows(self, table):
        for line_number, statement in self._statements(table):
            yield from self._statement_rows(table, line_number, statement)

    def _statement_rows(self, table, line_number, statement):
        match = _INSERT.match(statement)
        explicit = match and match.group("columns")
        columns = [c.strip(" `") for c in explicit.split(",")] if explicit else self._columns.get(table)
        if not match or not columns:
            self._error(f"ligne {line_number}", f"table `{table}` : colonnes inconnues, instruction ignorée")
            return
        try:
            tuples = parse_values(statement, match.end())
        except ValueError as error:
            self._error(f"ligne {line_number}", f"instruction INSERT illisible ou tronquée ({error}), ignorée")
            return
        for index, values in enumerate(tuples, start=1):
            where = f"ligne {line_number}, n° {index}"
            if len(values) != len(columns):
                self._error(where, f"{len(values)} valeurs pour {len(columns)} colonnes, ligne ignorée")
                continue
            yield LegacyRow(dict(zip(columns, values, strict=True)), where)

    def _scan(self):
        """Tables and columns: from the dump's CREATE TABLE statements, else
        the legacy schema; and the tables, each with the line number of its
        last INSERT (0: none) and where its first INSERT starts (byte offset,
        line number), so each later pass starts there. A gzipped dump is
        decompressed once, into a temporary file the later passes read."""
        create_lines, tables, saw_sql, offset = [], {}, False, 0
        self._starts, self._spool = {}, None
        if self.path.suffix == ".gz":
            self._spool = tempfile.NamedTemporaryFile(prefix="legacy-dump-", suffix=".sql")  # noqa: SIM115 — kept open
        for number, raw in self._lines():
            line = self._decode(raw, number)
            if self._spool is not None:
                self._spool.write(raw)
            if line.startswith(("CREATE TABLE", "  `", ")")):
                create_lines.append(line)
            match = _INSERT.match(line) if line.startswith("INSERT") else None
            if match:
                tables[match.group("table")] = number
                self._starts.setdefault(match.group("table"), (offset, number))
            offset += len(raw)
            saw_sql = saw_sql or bool(match) or line.startswith("CREATE TABLE")
        if self._spool is not None:
            self._spool.flush()
        if not saw_sql:
            raise LegacyDumpError(
                f"{self.path.name} n'est pas un export mysqldump (aucune instruction CREATE TABLE ni INSERT INTO)."
            )
        dump_columns = parse_create_tables(create_lines)
        for table in dump_columns:
            tables.setdefault(table, 0)
        return {**_schema_columns(), **dump_columns}, tables

    def _statements(self, table):
        """(first line number, statement) of the INSERTs into `table`; a
        statement ends with the line that ends with ';' (mysqldump escapes
        newlines inside strings, so it is one line unless written by hand)."""
        prefix, last = f"INSERT INTO `{table}`".encode(), self._tables.get(table, 0)
        if table not in self._starts:
            return
        statement, start = None, 0
        for number, raw in self._lines_from(*self._starts[table]):
            if statement is None:
                if number > last:
                    return
                if not raw.startswith(prefix):
                    continue
                statement, start = [], number
            line = raw.decode("utf-8")  # the first pass found the file valid
            statement.append(line)
            if line.rstrip().endswith(";"):
                yield start, "".join(statement)
                statement = None
        if statement is not None:
            self._error(f"ligne {start}", "instruction INSERT tronquée (fin du fichier), ignorée")

    def _lines_from(self, offset, number):
        """(number, line as bytes) from a position the scan recorded."""
        with open(self._spool.name if self._spool is not None else self.path, "rb") as dump:
            dump.seek(offset)
            yield from enumerate(dump, start=number)

    def _decode(self, raw, number):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise LegacyDumpError(f"{self.path.name} n'est pas du texte UTF-8 (ligne {number}).") from error

    def _lines(self):
        """(number, line as bytes) of the whole dump, decompressed."""
        opener = gzip.open if self.path.suffix == ".gz" else open
        number = 0
        try:
            with opener(self.path, "rb") as dump:
                for number, line in enumerate(dump, start=1):
                    yield number, line
        except (EOFError, zlib.error) as error:  # a truncated or damaged .gz: what came before is kept
            self._error(f"ligne {number + 1}", f"fichier compressé tronqué ou abîmé ({error}) : la suite est perdue")
        except gzip.BadGzipFile as error:
            raise LegacyDumpError(f"{self.path.name} n'est pas un fichier gzip valide ({error}).") from error

    def _error(self, where, message):
        if (where, message) not in self._error_keys:  # each pass over the file meets it again
            self._error_keys.add((where, message))
            self.errors.append((where, message))


class DatabaseSource:
    """A live legacy MySQL/MariaDB database (read only, streamed)."""

    def __init__(self, url):
        import environ
        import MySQLdb

        config = environ.Env.db_url_config(url)
        if config.get("ENGINE") != "django.db.backends.mysql":
            raise LegacyDumpError("--database-url doit désigner une base MySQL/MariaDB (mysql://…).")
        try:
            self._connection = MySQLdb.connect(
                host=config["HOST"] or "127.0.0.1", port=int(config["PORT"] or 3306), user=config["USER"],
                password=config["PASSWORD"] or "", database=config["NAME"], charset="utf8mb4",
            )
        except MySQLdb.Error as error:
            raise LegacyDumpError(
                f"Base d'origine injoignable ({config['HOST']}:{config['PORT'] or 3306}/{config['NAME']}) : "
                f"{error.args[-1]}"
            ) from error
        self.errors = []
        with self._connection.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            self._tables = {name for (name,) in cursor.fetchall()}

    def tables(self):
        return set(self._tables)

    def _quoted(self, table):
        # Only names SHOW TABLES gave can reach the SQL below.
        if table not in self._tables:
            raise LegacyDumpError(f"Table absente de la base d'origine : {table}")
        return f"`{table}`"

    def columns(self, table):
        with self._connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {self._quoted(table)} LIMIT 0")  # noqa: S608 — a known table name
            return [column[0] for column in cursor.description]

    def rows(self, table):
        import MySQLdb.cursors

        # A server-side cursor streams the rows instead of loading the table.
        with self._connection.cursor(MySQLdb.cursors.SSCursor) as cursor:
            cursor.execute(f"SELECT * FROM {self._quoted(table)}")  # noqa: S608 — a known table name
            columns = [column[0] for column in cursor.description]
            for index, values in enumerate(cursor, start=1):
                yield LegacyRow(dict(zip(columns, values, strict=True)), f"table {table}, n° {index}")


def open_legacy_source(*, dump=None, database_url=None):
    if bool(dump) == bool(database_url):
        raise LegacyDumpError("Indiquez soit --dump FICHIER, soit --database-url mysql://…")
    return DumpSource(dump) if dump else DatabaseSource(database_url)
