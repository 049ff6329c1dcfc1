"""The checks behind ``manage.py doctor``: each is a small function that
returns a Result (a list for the `check --deploy` messages, None when it does
not apply), with what to do when something is wrong."""

import uuid
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core import checks as django_checks
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import connection, connections
from kombu.utils.url import maybe_sanitize_url

from billing.gateways import simulator_enabled
from core.db_router import REPLICA
from core.health import check_broker
from ops.database import (
    TIMEZONE_LOAD_COMMAND,
    database_error,
    database_label,
    timezone_tables_loaded,
    unapplied_migrations,
)
from orders.selectors import overdue_orders
from support.selectors import staff_queue

OK, WARNING, ERROR = "ok", "warning", "error"
STATUS_LABELS = {OK: "ok", WARNING: "avertissement", ERROR: "erreur"}
WORKER_PING_SECONDS = 2.0
# Back ends that keep the mail on this machine (a console, memory, a folder).
LOCAL_EMAIL_BACKENDS = {"console", "locmem", "filebased", "dummy"}


@dataclass
class Result:
    check: str
    status: str
    message: str
    fix: str = ""

    def as_dict(self):
        return {**asdict(self), "status_label": STATUS_LABELS[self.status]}


# --- Database -----------------------------------------------------------------

def check_database():
    label = database_label()
    error = database_error()
    if error:
        return Result("Base de données", ERROR, f"injoignable ({label}) : {error}",
                      "Vérifiez DATABASE_URL et que le serveur est démarré. Les vérifications qui lisent "
                      "la base sont sautées.")
    pending = unapplied_migrations()
    if pending:
        return Result("Base de données", ERROR, f"{label} : {len(pending)} migration(s) non appliquée(s)",
                      "manage.py setup (ou manage.py migrate)")
    return Result("Base de données", OK, f"{label}, migrations appliquées")


def check_replica():
    """The read replica (DATABASE_REPLICA_URL), when there is one: it answers
    and has the primary's schema (a replica that stopped replicating misses
    the latest migrations, and the pages reading it would fail)."""
    if REPLICA not in connections:
        return None
    label = database_label(REPLICA)
    error = database_error(REPLICA)
    if error:
        return Result("Réplique de lecture", ERROR, f"injoignable ({label}) : {error}",
                      "Vérifiez DATABASE_REPLICA_URL et la réplique, ou videz DATABASE_REPLICA_URL : tout sera "
                      "lu sur la base principale.")
    pending = unapplied_migrations(REPLICA)
    if pending:
        return Result("Réplique de lecture", ERROR, f"{label} : {len(pending)} migration(s) de retard sur la base "
                      "principale", "Vérifiez que la réplication tourne (SHOW REPLICA STATUS) : les migrations "
                      "ne s'appliquent que sur la base principale et arrivent par la réplication.")
    return Result("Réplique de lecture", OK, f"{label}, schéma à jour")


def check_database_engine():
    if connection.vendor == "sqlite":
        if settings.IS_PRODUCTION:
            return Result("Moteur de base", WARNING, "SQLite : embarqué, pas pour la production",
                          "DATABASE_URL=mysql://utilisateur:motdepasse@hôte:3306/base")
        return Result("Moteur de base", OK, "SQLite (mode embarqué)")
    if connection.vendor != "mysql":
        return Result("Moteur de base", OK, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@character_set_database, @@collation_database, DATABASE()")
        charset, collation, name = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                       "AND TABLE_COLLATION NOT LIKE 'utf8mb4%'")
        other_tables = cursor.fetchone()[0]
    if charset != "utf8mb4":
        return Result("Moteur de base", ERROR, f"base « {name} » en {charset} ({collation}) : les emoji et "
                      "certains caractères seraient refusés",
                      f"ALTER DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; puis convertir "
                      "les tables (ALTER TABLE … CONVERT TO CHARACTER SET utf8mb4)")
    if other_tables:
        return Result("Moteur de base", ERROR, f"{other_tables} table(s) ne sont pas en utf8mb4",
                      "ALTER TABLE … CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return Result("Moteur de base", OK, f"{connection.display_name} {'.'.join(map(str, connection.mysql_version))}, "
                  f"{charset} / {collation}")


def check_timezone_tables():
    if connection.vendor != "mysql":
        return None
    if timezone_tables_loaded():
        return Result("Fuseaux horaires", OK, "tables des fuseaux horaires chargées")
    return Result("Fuseaux horaires", ERROR, "tables des fuseaux horaires vides : les calculs de dates en heure "
                  "de Paris (filtres par jour, regroupements) renvoient NULL",
                  f"manage.py setup, ou par un administrateur de la base : {TIMEZONE_LOAD_COMMAND}")


# --- Files ----------------------------------------------------------------------

def _storage_place(storage):
    bucket = getattr(storage, "bucket_name", None)
    return f"bucket S3 « {bucket} »" if bucket else str(getattr(storage, "location", storage.__class__.__name__))


def check_storage(storage=default_storage):
    """Write, read back and delete a probe, through the storage the site uses."""
    place = _storage_place(storage)
    try:
        name = storage.save(f"health/doctor-{uuid.uuid4().hex}.txt", ContentFile(b"doctor"))
        with storage.open(name) as probe:
            content = probe.read()
        storage.delete(name)
    except Exception as error:  # noqa: BLE001 — whatever the storage says, it is not usable
        fix = ("Vérifiez AWS_STORAGE_BUCKET_NAME, les clés et les droits s3:PutObject, s3:GetObject, s3:DeleteObject"
               if getattr(storage, "bucket_name", None)
               else f"Donnez à l'utilisateur du serveur le droit d'écrire dans {place} (MEDIA_ROOT)")
        return Result("Stockage des fichiers", ERROR, f"écriture impossible dans {place} : {error}", fix)
    if content != b"doctor":
        return Result("Stockage des fichiers", ERROR, f"{place} ne rend pas ce qui y a été écrit",
                      "Vérifiez la configuration du stockage")
    return Result("Stockage des fichiers", OK, f"écriture, lecture et suppression réussies ({place})")


def _public_grants(client, bucket):
    public = []
    for grant in client.get_bucket_acl(Bucket=bucket)["Grants"]:
        uri = grant.get("Grantee", {}).get("URI", "")
        if uri.endswith(("/global/AllUsers", "/global/AuthenticatedUsers")):
            public.append(f"ACL {grant['Permission']} pour « {uri.rsplit('/', 1)[-1]} »")
    return public


def _public_policy(client, bucket):
    from botocore.exceptions import ClientError

    try:
        status = client.get_bucket_policy_status(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] in {"NoSuchBucketPolicy", "NotImplemented"}:
            return []
        raise
    return ["politique du bucket publique"] if status["PolicyStatus"]["IsPublic"] else []


def _public_access_block_gaps(client, bucket):
    """The Block Public Access settings left off (None when the store has none: MinIO…)."""
    from botocore.exceptions import ClientError

    try:
        block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "NoSuchPublicAccessBlockConfiguration":
            return ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]
        if code == "NotImplemented":
            return None
        raise
    return [name for name, on in block.items() if not on]


def check_s3_bucket(storage=default_storage):
    """The bucket answers and nothing in it is public (ACL, policy, Block Public Access)."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = getattr(storage, "bucket_name", None)
    if not bucket:
        return None
    fix_block = (f"aws s3api put-public-access-block --bucket {bucket} --public-access-block-configuration "
                 "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
    client = storage.connection.meta.client
    try:
        client.head_bucket(Bucket=bucket)
        public = _public_grants(client, bucket) + _public_policy(client, bucket)
        gaps = _public_access_block_gaps(client, bucket)
    except (BotoCoreError, ClientError) as error:
        return Result("Bucket S3", ERROR, f"bucket « {bucket} » injoignable ou illisible : {error}",
                      "Vérifiez AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, les clés et les droits "
                      "(s3:ListBucket, s3:GetBucketAcl, s3:GetBucketPolicyStatus, s3:GetBucketPublicAccessBlock)")
    if public:
        return Result("Bucket S3", ERROR, f"bucket « {bucket} » public : {', '.join(public)}",
                      f"Retirez l'accès public (ACL, politique) puis : {fix_block}")
    if gaps:
        return Result("Bucket S3", WARNING, f"bucket « {bucket} » privé, mais blocage de l'accès public incomplet "
                      f"({', '.join(gaps)} désactivé)", fix_block)
    return Result("Bucket S3", OK, f"bucket « {bucket} » joignable et privé")


# --- Tasks, e-mail, payments ----------------------------------------------------

def check_tasks():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Result("Tâches (Celery)", OK, "tâches exécutées dans le processus (mode embarqué)")
    from config.celery_app import app

    # Masks a password only when there is one: kombu's as_uri() shows ":**@"
    # even for a Redis without password, which reads as if one were set.
    broker = maybe_sanitize_url(settings.CELERY_BROKER_URL)
    try:
        check_broker()
    except Exception as error:  # noqa: BLE001 — any failure means unreachable
        return Result("Tâches (Celery)", ERROR, f"broker {broker} injoignable : {error}",
                      "Vérifiez REDIS_URL et que Redis est démarré")
    replies = app.control.ping(timeout=WORKER_PING_SECONDS)
    if not replies:
        return Result("Tâches (Celery)", ERROR, f"broker {broker} joignable, mais aucun worker ne répond : "
                      "e-mails, factures et rappels restent en attente",
                      "Démarrez un worker et beat : celery -A config.celery_app worker -B (voir docker-compose.yml)")
    return Result("Tâches (Celery)", OK, f"broker {broker} joignable, {len(replies)} worker(s) répondent")


def _email_backend_name():
    return settings.EMAIL_BACKEND.rsplit(".", 2)[-2]


def check_email(send_test_to=None):
    backend = _email_backend_name()
    where = f"SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT}" if backend == "smtp" else f"back end « {backend} »"
    if send_test_to:
        try:
            send_mail(f"{settings.EMAIL_SUBJECT_PREFIX}Message de test",
                      f"Ce message de test a été envoyé par « manage.py doctor » ({where}).",
                      settings.DEFAULT_FROM_EMAIL, [send_test_to])
        except Exception as error:  # noqa: BLE001 — the back end's own reason is the useful part
            return Result("E-mail", ERROR, f"envoi de test à {send_test_to} échoué ({where}) : {error}",
                          "Vérifiez EMAIL_URL (hôte, port, identifiants, TLS)")
        return Result("E-mail", OK, f"message de test remis au {where} pour {send_test_to}")
    if backend in LOCAL_EMAIL_BACKENDS and settings.IS_PRODUCTION:
        return Result("E-mail", WARNING, f"{where} : les e-mails ne partent pas",
                      "EMAIL_URL=smtp+tls://utilisateur:motdepasse@hôte:587")
    return Result("E-mail", OK, where)


def _stripe_mode(key):
    for mode in ("live", "test"):
        if f"_{mode}_" in key:
            return mode
    return "inconnu"


def check_stripe():
    if simulator_enabled():
        if settings.IS_PRODUCTION:
            return Result("Paiements (Stripe)", ERROR, "simulateur de paiement actif en production",
                          "PAYMENTS_SIMULATOR=false et les clés Stripe")
        return Result("Paiements (Stripe)", OK, "simulateur de paiement local (développement)")
    names = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")
    if not settings.STRIPE_SECRET_KEY:
        return Result("Paiements (Stripe)", WARNING, "paiements désactivés : STRIPE_SECRET_KEY n'est pas défini",
                      f"Définissez {', '.join(names)}")
    missing = [name for name in names if not getattr(settings, name)]
    if missing:
        return Result("Paiements (Stripe)", ERROR, f"{', '.join(missing)} manquant(s)",
                      "Copiez-les depuis le tableau de bord Stripe (Développeurs → Clés API, Webhooks)")
    secret_mode, public_mode = _stripe_mode(settings.STRIPE_SECRET_KEY), _stripe_mode(settings.STRIPE_PUBLISHABLE_KEY)
    if secret_mode != public_mode:
        return Result("Paiements (Stripe)", ERROR,
                      f"clés de modes différents : clé secrète en mode {secret_mode}, clé publique en mode {public_mode}",
                      "Prenez les deux clés dans le même mode (test ou live) du tableau de bord Stripe")
    if secret_mode == "test" and settings.IS_PRODUCTION:
        return Result("Paiements (Stripe)", WARNING, "clés de test en production : aucun paiement réel n'aboutit",
                      "Passez aux clés live (sk_live_…, pk_live_…) et au secret du webhook live")
    return Result("Paiements (Stripe)", OK, f"clés en mode {secret_mode}, secret du webhook présent")


# --- Django's own checks ----------------------------------------------------------

def check_deploy():
    """`check --deploy`, one row per message. Outside production the
    security.* ones (DEBUG, HTTPS, HSTS...) are expected and counted only."""
    results, expected_here = [], 0
    for message in django_checks.run_checks(include_deployment_checks=True):
        if message.level < django_checks.WARNING or message.is_silenced():
            continue
        if not settings.IS_PRODUCTION and message.id.startswith("security."):
            expected_here += 1
            continue
        status = ERROR if message.level >= django_checks.ERROR else WARNING
        results.append(Result(f"check --deploy {message.id}", status, str(message.msg), str(message.hint or "")))
    if not results:
        note = f" ({expected_here} remarque(s) de sécurité propres à la production, normales ici)" if expected_here else ""
        results.append(Result("check --deploy", OK, f"aucune remarque{note}"))
    return results


# --- Work waiting -----------------------------------------------------------------

def check_overdue_orders():
    count = overdue_orders().count()
    if count:
        return Result("Commandes en retard", WARNING, f"{count} commande(s) dépassent leur date de livraison",
                      "Back-office → Commandes ; prévenir correcteurs et équipe : manage.py announce_overdue_orders")
    return Result("Commandes en retard", OK, "aucune")


def check_breached_tickets():
    count = staff_queue(tab="breached", user=None).count()
    if count:
        return Result("Tickets hors délai (SLA)", WARNING, f"{count} ticket(s) ont dépassé leur échéance",
                      "Support → onglet « Hors délai »")
    return Result("Tickets hors délai (SLA)", OK, "aucun")


# Read the database; skipped when it does not answer.
DATABASE_CHECKS = (check_database_engine, check_timezone_tables, check_replica, check_overdue_orders,
                   check_breached_tickets)


def run_checks(*, send_test_to=None):
    database = check_database()
    checks = [lambda: database]
    if database.status != ERROR:
        checks += DATABASE_CHECKS
    checks += [check_storage, check_s3_bucket, check_tasks, lambda: check_email(send_test_to), check_stripe,
               check_deploy]
    results = []
    for check in checks:
        outcome = check()
        if outcome is not None:
            results.extend(outcome if isinstance(outcome, list) else [outcome])
    return results


def overall_status(results):
    statuses = {result.status for result in results}
    return ERROR if ERROR in statuses else WARNING if WARNING in statuses else OK
