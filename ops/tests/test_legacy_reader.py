import datetime
import gzip
import os
from decimal import Decimal

import MySQLdb
import pytest

from ops.legacy.reader import (
    LEGACY_TABLES,
    LegacyDumpError,
    legacy_bool,
    legacy_datetime,
    legacy_json,
    open_legacy_source,
    parse_values,
)

DUMP = """-- MySQL dump 10.13  Distrib 8.4.0
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `faqs`;
CREATE TABLE `faqs` (
  `id` varchar(191) COLLATE utf8mb4_unicode_ci NOT NULL,
  `question` text COLLATE utf8mb4_unicode_ci NOT NULL,
  `answer` longtext COLLATE utf8mb4_unicode_ci NOT NULL,
  `ordre` int NOT NULL DEFAULT '0',
  `visible` tinyint(1) NOT NULL DEFAULT '1',
  `createdAt` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
LOCK TABLES `faqs` WRITE;
INSERT INTO `faqs` VALUES ('f1','L\\'accent é — 🎉 ?','Ligne 1\\nLigne 2\\t\\\\fin \\"cité\\"',1,1,'2024-01-15 10:30:00.123'),\
('f2','Vide ?','',-2,0,'2024-02-01 00:00:00.000');
INSERT INTO `faqs` VALUES ('f3','Nulle ?',NULL,3,1,'2024-03-01 08:00:00.000');
UNLOCK TABLES;
INSERT INTO `tarifs` (`id`,`nom`,`prix`) VALUES ('t1','Pack ''Intégral''',1250),('t2','Décimal',12.50);
"""


def write(tmp_path, text, name="dump.sql", gz=False):
    path = tmp_path / (name + (".gz" if gz else ""))
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as out:
            out.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_dump_gives_its_rows_with_mysql_escapes_undone(tmp_path):
    source = open_legacy_source(dump=write(tmp_path, DUMP))

    assert source.tables() == {"faqs", "tarifs"}
    assert source.columns("faqs") == ["id", "question", "answer", "ordre", "visible", "createdAt"]
    rows = list(source.rows("faqs"))
    assert [row.values["id"] for row in rows] == ["f1", "f2", "f3"]
    first = rows[0].values
    assert first["question"] == "L'accent é — 🎉 ?"
    assert first["answer"] == 'Ligne 1\nLigne 2\t\\fin "cité"'
    assert first["ordre"] == 1 and rows[1].values["ordre"] == -2
    assert rows[2].values["answer"] is None
    assert rows[0].where == "ligne 14, n° 1" and rows[2].where == "ligne 15, n° 1"
    assert source.errors == []


def test_an_insert_naming_its_columns_is_read_by_them(tmp_path):
    source = open_legacy_source(dump=write(tmp_path, DUMP))

    rows = [row.values for row in source.rows("tarifs")]

    assert rows == [{"id": "t1", "nom": "Pack 'Intégral'", "prix": 1250},
                    {"id": "t2", "nom": "Décimal", "prix": Decimal("12.50")}]


def test_a_dump_without_create_table_takes_the_columns_of_the_legacy_schema(tmp_path):
    text = "INSERT INTO `password_resets` VALUES ('r1','u1','hash','2024-01-01 00:00:00.000','2023-12-31 00:00:00.000');\n"
    source = open_legacy_source(dump=write(tmp_path, text))

    [row] = source.rows("password_resets")

    assert row.values == {"id": "r1", "userId": "u1", "tokenHash": "hash",
                          "expiresAt": "2024-01-01 00:00:00.000", "createdAt": "2023-12-31 00:00:00.000"}


def test_a_gzipped_dump_reads_the_same(tmp_path):
    plain = open_legacy_source(dump=write(tmp_path, DUMP))
    zipped = open_legacy_source(dump=write(tmp_path, DUMP, gz=True))

    assert list(zipped.rows("faqs")) == list(plain.rows("faqs"))


def test_a_cut_statement_is_reported_and_the_rest_read(tmp_path):
    cut = DUMP.replace("('f3','Nulle ?',NULL,3,1,'2024-03-01 08:00:00.000');", "('f3','Nulle ?',NU")
    source = open_legacy_source(dump=write(tmp_path, cut))

    assert [row.values["id"] for row in source.rows("faqs")] == ["f1", "f2"]
    assert [row.values["id"] for row in source.rows("tarifs")] == ["t1", "t2"]
    assert len(source.errors) == 1
    where, message = source.errors[0]
    assert where == "ligne 15" and "illisible ou tronquée" in message


def test_a_truncated_gzip_keeps_what_came_before_and_says_so(tmp_path):
    whole = write(tmp_path, DUMP * 1, gz=True).read_bytes()
    truncated = tmp_path / "cut.sql.gz"
    truncated.write_bytes(whole[: len(whole) - 30])

    source = open_legacy_source(dump=truncated)
    ids = [row.values["id"] for row in source.rows("faqs")]

    assert ids[:1] == ["f1"]
    assert any("tronqué" in message for _, message in source.errors)


def test_a_row_with_the_wrong_number_of_values_is_reported(tmp_path):
    text = DUMP.replace("('f2','Vide ?','',-2,0,'2024-02-01 00:00:00.000')", "('f2','Vide ?',-2)")
    source = open_legacy_source(dump=write(tmp_path, text))

    assert [row.values["id"] for row in source.rows("faqs")] == ["f1", "f3"]
    assert source.errors == [("ligne 14, n° 2", "3 valeurs pour 6 colonnes, ligne ignorée")]


def test_an_unknown_table_without_columns_is_reported(tmp_path):
    source = open_legacy_source(dump=write(tmp_path, "INSERT INTO `mystery` VALUES (1,'a');\n"))

    assert source.tables() == {"mystery"}
    assert list(source.rows("mystery")) == []
    assert "colonnes inconnues" in source.errors[0][1]


@pytest.mark.parametrize("content", ["Bonjour, ceci est un roman.\n", ""])
def test_a_file_that_is_not_a_dump_is_refused(tmp_path, content):
    with pytest.raises(LegacyDumpError, match="n'est pas un export mysqldump"):
        open_legacy_source(dump=write(tmp_path, content))


def test_a_gz_name_on_a_plain_file_is_refused(tmp_path):
    with pytest.raises(LegacyDumpError, match="gzip"):
        open_legacy_source(dump=write(tmp_path, DUMP, name="dump.sql.gz"))


def test_exactly_one_source_is_required(tmp_path):
    with pytest.raises(LegacyDumpError):
        open_legacy_source()
    with pytest.raises(LegacyDumpError):
        open_legacy_source(dump=write(tmp_path, DUMP), database_url="mysql://root@127.0.0.1/x")


def test_parse_values_refuses_garbage():
    with pytest.raises(ValueError):
        parse_values("('a', oops);")
    assert parse_values("(0x414243,_binary 'x',1e3) ,\n ('b',NULL,-1.5);") == [
        [b"ABC", b"x", Decimal("1e3")], ["b", None, Decimal("-1.5")],
    ]


def test_converters():
    utc = datetime.UTC
    assert legacy_datetime("2024-01-15 10:30:00.123") == datetime.datetime(2024, 1, 15, 10, 30, 0, 123000, tzinfo=utc)
    assert legacy_datetime(datetime.datetime(2024, 1, 15, 10, 30)) == datetime.datetime(2024, 1, 15, 10, 30, tzinfo=utc)
    assert legacy_datetime(None) is None and legacy_datetime("0000-00-00 00:00:00") is None
    assert legacy_bool(1) is True and legacy_bool(0) is False and legacy_bool(b"\x01") is True
    assert legacy_json('{"theme": "sombre"}') == {"theme": "sombre"} and legacy_json(None) is None
    with pytest.raises(ValueError):
        legacy_json("{pas du json")


def test_the_dependency_order_names_the_fifteen_legacy_tables():
    assert len(LEGACY_TABLES) == 15 and LEGACY_TABLES[0] == "users"


@pytest.fixture
def legacy_server_db():
    """A real legacy database on the local MariaDB (CI has one)."""
    try:
        server = MySQLdb.connect(host="127.0.0.1", port=3306, user="root", charset="utf8mb4")
    except MySQLdb.Error:
        pytest.skip("pas de serveur MariaDB sur 127.0.0.1:3306")
    name = f"staka_legacy_reader_{os.getpid()}"
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        cursor.execute(f"USE {name}")
        cursor.execute("CREATE TABLE faqs (id varchar(191) PRIMARY KEY, question text, visible tinyint(1), "
                       "createdAt datetime(3))")
        cursor.execute("INSERT INTO faqs VALUES ('f1', 'Émoji 🎉 et \\\\ ?', 1, '2024-01-15 10:30:00.123')")
    server.commit()
    yield f"mysql://root@127.0.0.1:3306/{name}"
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {name}")
    server.close()


def test_a_live_legacy_database_gives_the_same_values(legacy_server_db):
    source = open_legacy_source(database_url=legacy_server_db)

    [row] = source.rows("faqs")

    assert source.tables() == {"faqs"}
    assert source.columns("faqs") == ["id", "question", "visible", "createdAt"]
    assert row.values["question"] == "Émoji 🎉 et \\ ?"
    assert legacy_bool(row.values["visible"]) is True
    assert legacy_datetime(row.values["createdAt"]) == datetime.datetime(2024, 1, 15, 10, 30, 0, 123000,
                                                                           tzinfo=datetime.UTC)
    with pytest.raises(LegacyDumpError):
        list(source.rows("users"))


def test_an_unreachable_legacy_database_is_a_clear_error():
    with pytest.raises(LegacyDumpError, match="injoignable"):
        open_legacy_source(database_url="mysql://root@127.0.0.1:1/nope")
