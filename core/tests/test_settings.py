"""Settings as a deployment sees them: run in a fresh process with a clean
environment, the way a server starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "p" * 20 + "-production-secret-used-only-by-this-test-0123456789",
    "DATABASE_URL": "mysql://staka:secret@127.0.0.1:3306/staka",
    "ALLOWED_HOSTS": "staka-livres.fr",
    # A complete production takes payments (without Stripe, `check` warns: billing.W001).
    "STRIPE_SECRET_KEY": "sk_live_used_only_by_this_test",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_used_only_by_this_test",
    "STRIPE_WEBHOOK_SECRET": "whsec_used_only_by_this_test",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=config.settings.production"],
        cwd=ROOT, env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, timeout=120,
    )


def test_production_passes_check_deploy_without_a_single_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_seed_demo_refuses_production_settings():
    result = manage("seed_demo", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "--i-know-this-is-production" in result.stderr


def test_passwords_are_bcrypt_with_12_rounds():
    from django.contrib.auth.hashers import BCryptSHA256PasswordHasher

    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.BCryptSHA256PasswordHasher"
    assert BCryptSHA256PasswordHasher.rounds == 12
    encoded = BCryptSHA256PasswordHasher().encode("secret-password", BCryptSHA256PasswordHasher().salt())
    assert "$2b$12$" in encoded


def test_password_validators_require_ten_characters():
    lengths = [v["OPTIONS"]["min_length"] for v in settings.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"]]
    assert lengths == [10]


def test_french_and_paris_time():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ


@pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("mysql"), reason="MySQL/MariaDB only")
@pytest.mark.django_db
def test_mysql_tables_are_utf8mb4_unicode_ci():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'accounts_user'"
        )
        assert cursor.fetchone()[0] == "utf8mb4_unicode_ci"


def test_with_s3_the_csp_lets_presigned_avatars_load():
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1])")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.local",
             "AWS_STORAGE_BUCKET_NAME": "livres", "AWS_S3_REGION_NAME": "eu-west-3"},
    )
    assert result.stdout.strip() == "https://livres.s3.eu-west-3.amazonaws.com", result.stderr
