"""manage.py doctor: a healthy installation passes, each broken part is named."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from botocore.stub import Stubber
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from files.storage import PrivateS3Storage
from ops import doctor
from orders.models import Order

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
BUCKET = "staka-fichiers"
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}


@pytest.fixture(autouse=True)
def _no_async_unsafe_flag(monkeypatch):
    """The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process
    (tests/e2e/conftest.py), and `check --deploy` rightly calls it an error in a
    deployment: a healthy installation does not have it."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def run_doctor(*args):
    """(exit code, stdout) as the shell sees them."""
    out = StringIO()
    try:
        call_command("doctor", *args, stdout=out, stderr=StringIO())
    except SystemExit as exited:
        return exited.code, out.getvalue()
    return 0, out.getvalue()


def test_a_healthy_installation_exits_zero():
    code, out = run_doctor()
    assert code == 0, out
    assert out.splitlines()[0].split() == ["Vérification", "État", "Détail", "Comment", "corriger"]
    for name in ("Base de données", "Stockage des fichiers", "Tâches (Celery)", "E-mail", "Paiements (Stripe)",
                 "check --deploy", "Commandes en retard", "Tickets hors délai (SLA)"):
        assert any(line.startswith(name) and "  ok  " in line for line in out.splitlines()), (name, out)
    assert "0 erreur(s)" in out


def test_no_replica_no_replica_check():
    # With DATABASE_REPLICA_URL: core/tests/test_db_router.py
    assert doctor.check_replica() is None


def test_json_output_is_machine_readable():
    code, out = run_doctor("--json")
    payload = json.loads(out)
    assert code == 0 and payload["status"] in {"ok", "warning"}
    assert {"check", "status", "message", "fix", "status_label"} <= set(payload["checks"][0])
    tasks = next(check for check in payload["checks"] if check["check"] == "Tâches (Celery)")
    assert tasks["status"] == "ok" and "tâches exécutées dans le processus" in tasks["message"]


def test_no_database_exits_one_in_french_without_traceback():
    env = {**os.environ, "DATABASE_URL": "mysql://root:s3cret-pw@127.0.0.1:1/nope",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run([sys.executable, "manage.py", "doctor"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    database_line = next(line for line in done.stdout.splitlines() if line.startswith("Base de données"))
    assert "erreur" in database_line and "injoignable (mysql 127.0.0.1:1, base « nope »)" in database_line
    assert "Commandes en retard" not in done.stdout  # what reads the database is skipped
    assert "Traceback" not in done.stdout + done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr


@pytest.fixture
def read_only_dir(tmp_path):
    path = tmp_path / "media"
    path.mkdir()
    path.chmod(0o555)
    immutable = False
    if os.access(path, os.W_OK):  # root ignores the mode bits: make it immutable instead
        immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        if not immutable:
            path.chmod(0o755)
            pytest.skip("no way to make a directory read-only for this user here")
    yield path
    if immutable:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    path.chmod(0o755)


def test_unwritable_media_is_an_error(settings, read_only_dir):
    settings.MEDIA_ROOT = read_only_dir
    result = doctor.check_storage()
    assert result.status == doctor.ERROR
    assert f"écriture impossible dans {read_only_dir}" in result.message
    assert "MEDIA_ROOT" in result.fix
    code, out = run_doctor()
    assert code == 1 and "1 erreur(s)" in out


def test_storage_probe_leaves_nothing_behind(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert doctor.check_storage().status == doctor.OK
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.fixture
def stripe_keys(settings):
    settings.PAYMENTS_SIMULATOR = False
    settings.STRIPE_SECRET_KEY = "sk_test_51abc"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_51abc"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_abc"
    return settings


def test_stripe_keys_in_the_same_mode_are_fine(stripe_keys):
    assert doctor.check_stripe().status == doctor.OK


def test_stripe_keys_in_different_modes_are_an_error(stripe_keys):
    stripe_keys.STRIPE_PUBLISHABLE_KEY = "pk_live_51abc"
    result = doctor.check_stripe()
    assert result.status == doctor.ERROR
    assert "clé secrète en mode test, clé publique en mode live" in result.message
    code, _out = run_doctor()
    assert code == 1


def test_stripe_webhook_secret_missing_is_an_error(stripe_keys):
    stripe_keys.STRIPE_WEBHOOK_SECRET = ""
    result = doctor.check_stripe()
    assert result.status == doctor.ERROR and "STRIPE_WEBHOOK_SECRET" in result.message


def test_the_simulator_is_an_error_only_in_production(settings):
    assert doctor.check_stripe().status == doctor.OK
    settings.IS_PRODUCTION = True
    assert doctor.check_stripe().status == doctor.ERROR


def test_console_email_in_production_is_a_warning(settings):
    settings.IS_PRODUCTION = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    result = doctor.check_email()
    assert result.status == doctor.WARNING and "EMAIL_URL" in result.fix


def test_send_test_goes_through_the_configured_backend():
    code, _out = run_doctor("--send-test-to", "ops@example.org")
    assert code == 0
    assert [message.to for message in mail.outbox] == [["ops@example.org"]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite warning")
def test_sqlite_is_a_warning_in_production_only(settings):
    assert doctor.check_database_engine().status == doctor.OK
    settings.IS_PRODUCTION = True
    result = doctor.check_database_engine()
    assert result.status == doctor.WARNING and "pas pour la production" in result.message


@pytest.mark.skipif(connection.vendor != "mysql", reason="MySQL/MariaDB charset and time zones")
def test_mysql_is_utf8mb4_with_its_time_zones():
    assert doctor.check_database_engine().status == doctor.OK
    assert "utf8mb4" in doctor.check_database_engine().message
    assert doctor.check_timezone_tables().status == doctor.OK


def test_no_worker_answering_is_an_error(settings, monkeypatch):
    from config.celery_app import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(doctor, "check_broker", lambda: None)
    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    result = doctor.check_tasks()
    assert result.status == doctor.ERROR and "aucun worker ne répond" in result.message
    monkeypatch.setattr(app.control, "ping", lambda timeout: [{"celery@web1": {"ok": "pong"}}])
    assert doctor.check_tasks().status == doctor.OK


@pytest.mark.parametrize(("broker", "shown"), [
    ("redis://127.0.0.1:6379/7", "broker redis://127.0.0.1:6379/7 joignable"),
    ("redis://:s3cret@127.0.0.1:6379/7", "broker redis://:**@127.0.0.1:6379/7 joignable"),
])
def test_the_broker_address_shows_a_password_only_masked_and_only_when_set(settings, monkeypatch, broker, shown):
    from config.celery_app import app

    settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL = False, broker
    monkeypatch.setattr(doctor, "check_broker", lambda: None)
    monkeypatch.setattr(app.control, "ping", lambda timeout: [{"celery@web1": {"ok": "pong"}}])
    assert shown in doctor.check_tasks().message


def test_overdue_orders_are_a_warning(paid_order):
    assert doctor.check_overdue_orders().status == doctor.OK
    Order.objects.filter(pk=paid_order.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    result = doctor.check_overdue_orders()
    assert result.status == doctor.WARNING and result.message.startswith("1 commande(s)")


# --- S3, with botocore's Stubber (no network) -----------------------------------

@pytest.fixture
def s3():
    storage = PrivateS3Storage(bucket_name=BUCKET, access_key="AKIATEST", secret_key="test", region_name="eu-west-3")
    with Stubber(storage.connection.meta.client) as stubber:
        yield storage, stubber
        stubber.assert_no_pending_responses()


def stub_bucket(stubber, *, grants=(), policy_public=None, block=BLOCK_ALL):
    bucket = {"Bucket": BUCKET}
    stubber.add_response("head_bucket", {}, bucket)
    stubber.add_response("get_bucket_acl", {"Owner": {"ID": "owner"}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": "owner"}, "Permission": "FULL_CONTROL"},
        *({"Grantee": {"Type": "Group", "URI": f"http://acs.amazonaws.com/groups/global/{group}"},
           "Permission": permission} for group, permission in grants),
    ]}, bucket)
    if policy_public is None:
        stubber.add_client_error("get_bucket_policy_status", "NoSuchBucketPolicy", http_status_code=404,
                                 expected_params=bucket)
    else:
        stubber.add_response("get_bucket_policy_status", {"PolicyStatus": {"IsPublic": policy_public}}, bucket)
    if block is None:
        stubber.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration",
                                 http_status_code=404, expected_params=bucket)
    else:
        stubber.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": block}, bucket)


def test_private_bucket_is_fine(s3):
    storage, stubber = s3
    stub_bucket(stubber)
    result = doctor.check_s3_bucket(storage)
    assert result.status == doctor.OK and f"« {BUCKET} » joignable et privé" in result.message


def test_bucket_readable_by_everyone_is_an_error(s3):
    storage, stubber = s3
    stub_bucket(stubber, grants=[("AllUsers", "READ")], block={**BLOCK_ALL, "IgnorePublicAcls": False})
    result = doctor.check_s3_bucket(storage)
    assert result.status == doctor.ERROR
    assert "public : ACL READ pour « AllUsers »" in result.message
    assert "put-public-access-block" in result.fix


def test_bucket_with_a_public_policy_is_an_error(s3):
    storage, stubber = s3
    stub_bucket(stubber, policy_public=True)
    result = doctor.check_s3_bucket(storage)
    assert result.status == doctor.ERROR and "politique du bucket publique" in result.message


def test_bucket_without_public_access_block_is_a_warning(s3):
    storage, stubber = s3
    stub_bucket(stubber, block=None)
    result = doctor.check_s3_bucket(storage)
    assert result.status == doctor.WARNING and "BlockPublicAcls" in result.message


def test_unreachable_bucket_is_an_error(s3):
    storage, stubber = s3
    stubber.add_client_error("head_bucket", "404", http_status_code=404, expected_params={"Bucket": BUCKET})
    result = doctor.check_s3_bucket(storage)
    assert result.status == doctor.ERROR and "injoignable" in result.message


def test_local_storage_has_no_bucket_row():
    assert doctor.check_s3_bucket() is None
