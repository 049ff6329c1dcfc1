"""manage.py setup: idempotent, the first admin, the database refused clearly."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max

from accounts.models import User
from accounts.tests.factories import AdminFactory
from cms import models as cms_models  # a bare "Testimonial" name would be collected by pytest
from core.models import AuditLog
from ops import database
from ops.management.commands import setup
from orders.defaults import DEFAULT_SERVICES
from orders.models import Service

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
GOOD_PASSWORD = "Relecture-Soignée-2026"


def run_setup(*args):
    out = StringIO()
    call_command("setup", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def admin_env(monkeypatch):
    monkeypatch.setenv("STAKA_ADMIN_EMAIL", "Direction@Staka-Editions.com")
    monkeypatch.setenv("STAKA_ADMIN_PASSWORD", GOOD_PASSWORD)


def snapshot():
    """Row counts and the latest change of everything setup writes."""
    models = (User, Service, cms_models.Page, cms_models.PageRevision, cms_models.FAQ, cms_models.Testimonial,
              AuditLog)
    counts = {model.__name__: model.objects.count() for model in models}
    changed = {model.__name__: model.objects.aggregate(last=Max("updated_at"))["last"]
               for model in (User, Service, cms_models.Page, cms_models.FAQ)}
    return counts, changed


def test_a_second_run_changes_nothing(admin_env, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    first = run_setup("--noinput", "--collectstatic")
    assert "ok            Administrateur : administrateur direction@staka-editions.com créé" in first
    assert f"ok            Services : {len(DEFAULT_SERVICES)} service(s) par défaut créé(s)" in first
    assert "ok            Fichiers statiques" in first
    assert "ok            Contenu par défaut" in first
    before = snapshot()

    second = run_setup("--noinput", "--collectstatic")

    assert snapshot() == before
    steps = [line for line in second.splitlines() if line.startswith("  ") and "Base de données" not in line]
    assert steps and all(line.strip().startswith("déjà fait") for line in steps), second
    assert "0 étape(s) effectuée(s)" in second


def test_the_admin_from_the_environment_can_log_in(admin_env):
    run_setup("--noinput")
    admin = User.objects.get(email="direction@staka-editions.com")
    assert (admin.role, admin.is_active, admin.is_staff) == (User.Role.ADMIN, True, True)
    assert admin.email_verified_at is not None
    assert admin.check_password(GOOD_PASSWORD)
    assert AuditLog.objects.filter(action="user.create_admin", target_id=str(admin.pk)).exists()


def test_an_existing_admin_is_not_duplicated(admin_env):
    existing = AdminFactory()
    out = run_setup("--noinput")
    assert "déjà fait     Administrateur : un administrateur actif existe" in out
    assert list(User.objects.filter(role=User.Role.ADMIN)) == [existing]


def test_a_weak_password_is_refused_in_french(monkeypatch):
    monkeypatch.setenv("STAKA_ADMIN_EMAIL", "direction@staka-editions.com")
    monkeypatch.setenv("STAKA_ADMIN_PASSWORD", "1234")
    with pytest.raises(CommandError, match="Administrateur non créé : .*trop court"):
        run_setup("--noinput")
    assert not User.objects.exists()


def test_noinput_without_values_skips_the_admin_with_a_warning(monkeypatch):
    monkeypatch.delenv("STAKA_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("STAKA_ADMIN_PASSWORD", raising=False)
    out = run_setup("--noinput")
    assert "avertissement Administrateur : aucun administrateur" in out
    assert "1 avertissement(s)" in out
    assert not User.objects.filter(role=User.Role.ADMIN).exists()


def test_the_prompt_asks_twice_and_again_after_a_refusal(monkeypatch):
    monkeypatch.delenv("STAKA_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    typed = iter(["un", "deux",  # they differ
                  "court", "court",  # too short
                  GOOD_PASSWORD, GOOD_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    err = StringIO()
    call_command("setup", "--email", "chef@staka-editions.com", stdout=StringIO(), stderr=err)
    assert "Les deux mots de passe diffèrent" in err.getvalue()
    assert "Mot de passe refusé" in err.getvalue()
    admin = User.objects.get(email="chef@staka-editions.com")
    assert admin.is_admin and admin.check_password(GOOD_PASSWORD)


def test_an_address_already_used_is_refused(admin_env, client_user):
    client_user.email = "direction@staka-editions.com"
    client_user.save()
    with pytest.raises(CommandError, match="Un compte existe déjà avec l'adresse direction@staka-editions.com"):
        run_setup("--noinput")
    client_user.refresh_from_db()
    assert client_user.role == User.Role.USER


def test_services_are_loaded_only_into_an_empty_table(service):
    run_setup("--noinput")
    assert list(Service.objects.all()) == [service]


def test_missing_msgfmt_is_a_warning(monkeypatch):
    monkeypatch.setattr(setup, "_stale_catalogues", lambda: [Path("django.po")])
    monkeypatch.setattr(setup.shutil, "which", lambda tool: None)
    step = setup.step_compile_messages()
    assert step.status == setup.WARNING and "apt install gettext" in step.message


@pytest.mark.skipif(connection.vendor != "mysql", reason="MySQL/MariaDB's own time-zone tables")
def test_time_zones_without_privileges_give_the_admin_command(monkeypatch):
    import MySQLdb

    def denied(**params):
        assert params["database"] == "mysql"
        raise MySQLdb.OperationalError(1044, "Access denied for user 'staka'@'%' to database 'mysql'")

    monkeypatch.setattr(setup, "timezone_tables_loaded", lambda: False)
    monkeypatch.setattr(MySQLdb, "connect", denied)
    step = setup.step_timezones()
    assert step.status == setup.WARNING
    assert "Access denied" in step.message and database.TIMEZONE_LOAD_COMMAND in step.message


@pytest.mark.skipif(connection.vendor != "mysql", reason="MySQL/MariaDB's own time-zone tables")
def test_time_zones_are_loaded_on_this_server():
    # Loaded by `manage.py setup` once (the tables are the server's, not the test database's).
    assert database.timezone_tables_loaded()
    assert setup.step_timezones().status == setup.ALREADY_DONE


def test_the_tzinfo_script_is_split_into_statements():
    script = "SET @a=1;\nINSERT INTO t VALUES\n ('%', 1)\n,(2, 'x;y')\n;\n/*M!100602 LOCK TABLES t WRITE,\n u WRITE*/;\n"
    assert list(database._statements(script)) == [
        "SET @a=1;", "INSERT INTO t VALUES\n ('%', 1)\n,(2, 'x;y')\n;", "/*M!100602 LOCK TABLES t WRITE,\n u WRITE*/;",
    ]


def test_an_unreachable_database_stops_setup_with_a_clear_message():
    env = {**os.environ, "DATABASE_URL": "mysql://root:s3cret-pw@127.0.0.1:1/nope",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run([sys.executable, "manage.py", "setup", "--noinput"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Base de données injoignable (mysql 127.0.0.1:1, base « nope »)" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "s3cret-pw" not in done.stderr + done.stdout


def test_an_invalid_address_is_refused_in_french(monkeypatch):
    monkeypatch.setenv("STAKA_ADMIN_EMAIL", "pas-une-adresse")
    monkeypatch.setenv("STAKA_ADMIN_PASSWORD", GOOD_PASSWORD)
    with pytest.raises(CommandError, match="Administrateur non créé : Saisissez une adresse de courriel valide"):
        run_setup("--noinput")
    assert not User.objects.exists()
