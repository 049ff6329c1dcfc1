"""Import a generated legacy Staka Livres dump and print rows per second.

    .venv/bin/python bench/import_legacy.py                      # 10 000 users, 50 000 orders, 200 000 messages
    .venv/bin/python bench/import_legacy.py --scale 0.1          # a tenth of that
    .venv/bin/python bench/import_legacy.py --database-url mysql://root@127.0.0.1:3306/staka_bench_import

Writes a mysqldump-format file in the legacy structure (ops/legacy/schema.sql:
the 15 tables, extended INSERTs, every enum value, accents and escapes), then
runs `manage.py import_legacy --dump FILE --json` on a fresh, migrated
database (MariaDB by default: the target is measured there) and prints, per
table and in total, the rows read and rows/s, then a re-import (idempotent
update). Target: ≥ 5 000 rows/s. Exits non-zero below it.
"""

import argparse
import datetime
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import bcrypt

ROOT = Path(__file__).resolve().parent.parent
TARGET_ROWS_PER_SECOND = 5000
DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/staka_bench_import"
BASE_VOLUME = {"users": 10_000, "commandes": 50_000, "messages": 200_000}
ROWS_PER_INSERT = 500  # about what mysqldump's --extended-insert writes per line

FIRST_NAMES = ["Hélène", "Zoé", "Noël", "Amélie", "François", "Jérôme", "Inès", "Loïc", "Maëlle", "Gaëtan"]
LAST_NAMES = ["Lefèvre", "Dupré", "Garçon", "D'Arcy", "Bénard", "Müller", "Ouédraogo", "N'Diaye", "Chevalier"]
WORDS = ["manuscrit", "chapitre", "relecture", "virgule", "épreuve", "roman", "préface", "coquille", "mise en page",
         "l'éditeur", "« citation »", "typographie", "🎉", "dialogue", "tiret — cadratin"]
ORDER_STATUSES = ["EN_ATTENTE", "EN_ATTENTE_VERIFICATION", "EN_ATTENTE_CONSULTATION", "ESTIMATION_ENVOYEE", "PAYEE",
                  "EN_COURS", "TERMINE", "ANNULEE", "SUSPENDUE"]
PRIORITIES = ["FAIBLE", "NORMALE", "HAUTE", "URGENTE"]
MESSAGE_TYPES = ["USER_MESSAGE", "SYSTEM_MESSAGE", "NOTIFICATION", "SUPPORT_MESSAGE", "ADMIN_MESSAGE",
                 "CONSULTATION_REQUEST"]
MESSAGE_STATUSES = ["BROUILLON", "ENVOYE", "DELIVRE", "LU", "ARCHIVE"]
NOTIFICATION_TYPES = ["INFO", "SUCCESS", "WARNING", "ERROR", "PAYMENT", "ORDER", "MESSAGE", "SYSTEM", "CONSULTATION"]
FILE_TYPES = ["DOCUMENT", "IMAGE", "AUDIO", "VIDEO", "ARCHIVE", "OTHER"]
INVOICE_STATUSES = ["GENERATED", "SENT", "PAID", "OVERDUE", "CANCELLED"]
TICKET_CATEGORIES = ["GENERAL", "TECHNIQUE", "FACTURATION", "COMMANDE", "COMPTE", "AUTRE"]
TICKET_PRIORITIES = ["FAIBLE", "NORMALE", "HAUTE", "URGENTE", "CRITIQUE"]
TICKET_STATUSES = ["OUVERT", "EN_COURS", "EN_ATTENTE", "RESOLU", "FERME", "ANNULE"]
PAGE_TYPES = ["PAGE", "FAQ", "BLOG", "LEGAL", "HELP", "LANDING"]
PAGE_STATUSES = ["DRAFT", "PUBLISHED", "ARCHIVED", "SCHEDULED"]
AUDIT_TARGETS = ["user", "command", "invoice", "payment", "file", "auth", "system"]
SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]

_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\0": "\\0",
                          "\x1a": "\\Z", "\t": "\\t"})


def sql_literal(value):
    """A value as mysqldump writes it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    return "'" + str(value).translate(_ESCAPES) + "'"


class DumpWriter:
    def __init__(self, out):
        self.out = out
        self.counts = {}

    def table(self, name, rows):
        """Writes the rows of one table as extended INSERTs."""
        batch = []
        for row in rows:
            batch.append("(" + ",".join(sql_literal(v) for v in row) + ")")
            if len(batch) == ROWS_PER_INSERT:
                self._flush(name, batch)
        self._flush(name, batch)

    def _flush(self, name, batch):
        if batch:
            self.out.write(f"INSERT INTO `{name}` VALUES " + ",".join(batch) + ";\n")  # noqa: S608 — writes a dump file
            self.counts[name] = self.counts.get(name, 0) + len(batch)
            batch.clear()


class LegacyData:
    """Consistent legacy rows: every foreign key points at a row written before."""

    def __init__(self, scale, rng):
        self.rng = rng
        self.n_users = max(20, int(BASE_VOLUME["users"] * scale))
        self.n_orders = max(20, int(BASE_VOLUME["commandes"] * scale))
        self.n_messages = max(50, int(BASE_VOLUME["messages"] * scale))
        self.start = datetime.datetime(2023, 1, 1, 8, 0)
        # One real hash for every user: bcrypt at cost 10 would take an hour for 10 000 users.
        self.password_hash = bcrypt.hashpw(b"ancien-mot-de-passe", bcrypt.gensalt(10, prefix=b"2a")).decode()
        self.users, self.correctors, self.admins, self.orders, self.files, self.messages = [], [], [], [], [], []

    def uid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def when(self, days=700):
        return self.start + datetime.timedelta(seconds=self.rng.randrange(days * 86400))

    def text(self, words=12):
        return " ".join(self.rng.choice(WORDS) for _ in range(words)).capitalize() + "."

    def users_rows(self):
        for n in range(self.n_users):
            role = "ADMIN" if n < 3 else "CORRECTOR" if n < 3 + max(5, self.n_users // 200) else "USER"
            user_id = self.uid()
            {"ADMIN": self.admins, "CORRECTOR": self.correctors, "USER": self.users}[role].append(user_id)
            created = self.when()
            yield (user_id, self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES), f"legacy-{n}@exemple.fr",
                   self.password_hash, role, int(n % 97 != 0), created, created, "12 rue de l'Église, Lyon",
                   None, "0601020304", '{"newsletter": true}' if n % 3 == 0 else None, None)

    def tarifs_rows(self):
        for n, (name, price) in enumerate([("Correction Standard", 200), ("Pack KDP", 35000),
                                           ("Pack Intégral", 200), ("Mise en forme", 150), ("Ancienne offre", 100)]):
            yield (self.uid(), name, self.text(), price, f"{price / 100:.2f} €".replace(".", ","),
                   "Correction" if n % 2 == 0 else "Mise en forme", "7 jours", int(n < 4), n, self.start, self.start,
                   None, None)

    def commandes_rows(self):
        for n in range(self.n_orders):
            order_id = self.uid()
            self.orders.append(order_id)
            status = ORDER_STATUSES[n % len(ORDER_STATUSES)]
            created = self.when()
            pages = self.rng.randrange(20, 400)
            paid = status in ("PAYEE", "EN_COURS", "TERMINE")
            price = pages * 200
            yield (order_id, self.rng.choice(self.users), f"Projet n° {n} — {self.rng.choice(WORDS)}", self.text(20),
                   None, status, self.text(5) if n % 4 == 0 else None, None, created, created,
                   "paid" if paid else None, f"cs_test_{n}" if paid else None, price if paid else None,
                   created + datetime.timedelta(days=21), created + datetime.timedelta(days=15)
                   if status == "TERMINE" else None, PRIORITIES[n % 4], "Correction Standard", pages,
                   pages if n % 2 else None, price, price if paid else None)

    def files_rows(self):
        for n in range(max(10, self.n_orders * 2 // 5)):
            file_id = self.uid()
            self.files.append(file_id)
            stored = f"{file_id}.pdf"
            yield (file_id, f"manuscrit-{n} l'été.pdf", stored, "application/pdf", 1000 + n,
                   f"/uploads/orders/{stored}", FILE_TYPES[n % len(FILE_TYPES)], self.rng.choice(self.users),
                   self.orders[n % len(self.orders)], None, 0, self.when(), self.when())

    def messages_rows(self):
        conversations = max(10, self.n_messages // 10)
        for n in range(self.n_messages):
            message_id = self.uid()
            self.messages.append(message_id)
            conversation = n % conversations
            created = self.when()
            visitor = conversation % 50 == 49
            sender = None if visitor else self.rng.choice(self.users if n % 2 else self.correctors)
            yield (message_id, sender, None if visitor else self.rng.choice(self.correctors), None, self.text(25),
                   MESSAGE_TYPES[n % len(MESSAGE_TYPES)] if n % 10 == 0 else "USER_MESSAGE",
                   MESSAGE_STATUSES[n % len(MESSAGE_STATUSES)], int(n % 3 == 0), 0, int(n % 500 == 0), None,
                   created, created, f"conv-{conversation}", f"visiteur{conversation}@exemple.fr" if visitor else None,
                   "Jean Visiteur" if visitor else None, 0, None, None, None, int(visitor), None, None)

    def attachments_rows(self):
        for n in range(min(len(self.files), len(self.messages)) // 8):
            yield (self.uid(), self.messages[n * 7], self.files[n])

    def support_rows(self):
        for n in range(max(6, self.n_users // 5)):
            created = self.when()
            yield (self.uid(), self.rng.choice(self.users), f"Question n° {n}", self.text(30),
                   TICKET_CATEGORIES[n % 6], TICKET_PRIORITIES[n % 5], TICKET_STATUSES[n % 6],
                   self.rng.choice(self.admins) if n % 2 else None, "web", None, None, None, None, created, created)

    def payment_methods_rows(self):
        for n in range(max(3, self.n_users // 3)):
            yield (self.uid(), self.users[n % len(self.users)], f"pm_legacy_{n}", "visa", f"{n % 10000:04d}", 12, 2030,
                   int(n < len(self.users)), 1, None, self.start, self.start)

    def invoices_rows(self):
        for n in range(max(5, self.n_orders * 2 // 5)):
            created = self.when()
            yield (self.uid(), self.orders[n], f"FACT-{created.year}-{n:06d}", 24000, 4000,
                   f"/uploads/invoices/{n}.pdf", INVOICE_STATUSES[n % 5], created, created + datetime.timedelta(days=30),
                   created if n % 5 == 2 else None, created, created)

    def notifications_rows(self):
        for n in range(self.n_orders):
            created = self.when()
            yield (self.uid(), self.rng.choice(self.users), "Votre commande avance", self.text(10),
                   NOTIFICATION_TYPES[n % 9], PRIORITIES[n % 4], None, "/app/projects", int(n % 2), 0,
                   created if n % 2 else None, None, created, created)

    def pages_rows(self):
        for n in range(24):
            yield (self.uid(), f"Page {n} — l'été", f"page-{n}", "## Titre\n\nTexte « cité ».", None,
                   PAGE_TYPES[n % 6], PAGE_STATUSES[n % 4], None, None, None, None, None, n, 1, 0,
                   self.start if n % 4 == 1 else None, self.start, self.start)

    def faqs_rows(self):
        for n in range(30):
            yield (self.uid(), f"Question {n} ?", "Réponse avec **gras**.", None, n, int(n % 5 != 0),
                   "Général", self.start, self.start)

    def audit_rows(self):
        for n in range(self.n_orders // 2):
            created = self.when()
            yield (self.uid(), created, "admin@staka-editions.com", "USER_UPDATED", AUDIT_TARGETS[n % 7],
                   self.rng.choice(self.users), '{"champ": "email"}', "192.0.2.1", "Mozilla/5.0",
                   SEVERITIES[n % 4], created)

    def password_resets_rows(self):
        for n in range(max(4, self.n_users // 20)):
            yield (self.uid(), self.users[n], f"hash-{n}", self.when(), self.start)

    def pending_rows(self):
        for n in range(max(4, self.n_users // 20)):
            yield (self.uid(), "Zoé", "Noël", f"pending-{n}@exemple.fr", self.password_hash, None, None,
                   "Correction Standard", 1, f"cs_pending_{n}", f"token-{n}", self.when(), int(n % 2), None, None,
                   self.start, self.start)

    def write(self, out):
        writer = DumpWriter(out)
        out.write("-- MySQL dump generated by bench/import_legacy.py\n/*!40101 SET NAMES utf8mb4 */;\n")
        out.write((ROOT / "ops" / "legacy" / "schema.sql").read_text(encoding="utf-8") + "\n")
        for table, rows in [
            ("users", self.users_rows()), ("tarifs", self.tarifs_rows()), ("commandes", self.commandes_rows()),
            ("files", self.files_rows()), ("messages", self.messages_rows()),
            ("message_attachments", self.attachments_rows()), ("support_requests", self.support_rows()),
            ("payment_methods", self.payment_methods_rows()), ("invoices", self.invoices_rows()),
            ("notifications", self.notifications_rows()), ("pages", self.pages_rows()), ("faqs", self.faqs_rows()),
            ("audit_logs", self.audit_rows()), ("password_resets", self.password_resets_rows()),
            ("pending_commandes", self.pending_rows()),
        ]:
            writer.table(table, rows)
        return writer.counts


def fresh_database(database_url):
    """Drops and recreates the bench database, then migrates it."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    if database_url.startswith("mysql://"):
        import environ
        import MySQLdb

        config = environ.Env.db_url_config(database_url)
        server = MySQLdb.connect(host=config["HOST"], port=int(config["PORT"] or 3306), user=config["USER"],
                                 password=config["PASSWORD"] or "")
        with server.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{config['NAME']}`")
            cursor.execute(f"CREATE DATABASE `{config['NAME']}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        server.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    return env


def timed_import(env, dump):
    """The report, the seconds and the peak memory (MB) of one import."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "manage.py", "import_legacy", "--dump", str(dump), "--json"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"import_legacy a échoué :\n{result.stderr[-3000:]}")
    # The largest resident set of the children so far (migrate's is far
    # smaller; the second import's figure is the larger of the two).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return json.loads(result.stdout), elapsed, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10 000 users / 50 000 orders / 200 000 messages")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "legacy.sql.gz"
        started = time.perf_counter()
        with gzip.open(dump, "wt", encoding="utf-8", compresslevel=1) as out:
            written = LegacyData(args.scale, random.Random(args.seed)).write(out)
        print(f"Dump généré : {sum(written.values()):,} lignes, {dump.stat().st_size / 1e6:.1f} Mo "
              f"en {time.perf_counter() - started:.1f} s".replace(",", " "))
        env = fresh_database(args.database_url)
        first, first_seconds, first_peak = timed_import(env, dump)
        again, again_seconds, again_peak = timed_import(env, dump)

    total = sum(written.values())
    print(f"\n{'table':<22}{'lignes':>10}")
    for table, count in written.items():
        print(f"{table:<22}{count:>10,}".replace(",", " "))
    rate, rate_again = total / first_seconds, total / again_seconds
    print(f"\nImport        : {total:,} lignes en {first_seconds:.1f} s → {rate:,.0f} lignes/s, "
          f"mémoire max {first_peak:,.0f} Mo".replace(",", " "))
    print(f"Ré-import     : {total:,} lignes en {again_seconds:.1f} s → {rate_again:,.0f} lignes/s, "
          f"mémoire max {again_peak:,.0f} Mo (mise à jour, sans doublon)".replace(",", " "))
    print(f"Objectif      : ≥ {TARGET_ROWS_PER_SECOND:,} lignes/s — {'atteint' if rate >= TARGET_ROWS_PER_SECOND else 'MANQUÉ'}"
          .replace(",", " "))
    print(json.dumps({"rows": total, "seconds": round(first_seconds, 2), "rows_per_second": round(rate),
                      "reimport_rows_per_second": round(rate_again),
                      "peak_rss_mb": round(first_peak), "reimport_peak_rss_mb": round(again_peak), "report": first, "report_again": again},
                     ensure_ascii=False)[:2000])
    sys.exit(0 if rate >= TARGET_ROWS_PER_SECOND else 1)


if __name__ == "__main__":
    main()
