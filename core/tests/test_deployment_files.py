"""docker-compose.yml cannot run here (no Docker engine): check its shape,
and that the README documents every variable."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_declares_the_whole_stack():
    services = load_compose()["services"]
    assert set(services) == {"proxy", "web", "worker", "worker-pdf", "worker-maintenance", "beat", "mysql", "redis",
                             "mailpit"}
    assert services["mysql"]["image"].startswith("mysql:8.4")
    assert services["redis"]["image"].startswith("redis:7")
    assert "gunicorn" in services["web"]["command"]
    assert "celery -A config.celery_app worker" in services["worker"]["command"]
    assert "celery -A config.celery_app beat" in services["beat"]["command"]
    assert "utf8mb4_unicode_ci" in " ".join(services["mysql"]["command"])


def test_app_services_are_configured_by_environment():
    services = load_compose()["services"]
    for name in ("web", "worker", "worker-pdf", "worker-maintenance", "beat"):
        env = services[name]["environment"]
        for variable in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "EMAIL_URL", "SITE_URL"):
            assert env.get(variable), f"{name} lacks {variable}"
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("mysql://") and "@mysql:" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["EMAIL_URL"] == "smtp://mailpit:1025"


def test_every_variable_the_compose_file_sets_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for variable in load_compose()["services"]["web"]["environment"]:
        assert f"`{variable}`" in readme, variable


def test_every_environment_variable_the_settings_read_is_documented():
    readme = (ROOT / "README.md").read_text()
    names = set()
    for settings_file in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z0-9_]+)\"", settings_file.read_text()))
        names |= set(re.findall(r"_required\(\"([A-Z_]+)\"\)", settings_file.read_text()))
    assert len(names) > 15
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert "AWS_S3_REGION_NAME" in names
    assert missing == []


def test_dockerfile_runs_gunicorn_with_production_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "config.settings.production" in dockerfile
    assert '"gunicorn", "config.wsgi:application"' in dockerfile


def test_gunicorn_uses_threaded_workers_everywhere():
    """Sync workers kill a slow upload at the timeout (test_gunicorn_uploads)."""
    namespace = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 — our own config file
    assert namespace["worker_class"] == "gthread"
    assert namespace["threads"] > 1
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"--config", "gunicorn.conf.py"' in dockerfile
    web = load_compose()["services"]["web"]["command"]
    assert "--config gunicorn.conf.py" in web
    assert "--workers" not in web and "--timeout" not in web  # one place: gunicorn.conf.py


def test_temporary_uploads_are_shared_with_the_purging_worker():
    compose = load_compose()
    services = compose["services"]
    temp_dir = services["web"]["environment"]["FILE_UPLOAD_TEMP_DIR"]
    for name in ("web", "worker-maintenance"):  # the maintenance queue purges it
        assert services[name]["environment"]["FILE_UPLOAD_TEMP_DIR"] == temp_dir
        assert f"upload-tmp:{temp_dir}" in services[name]["volumes"]
    assert "upload-tmp" in compose["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    # Owned by the user gunicorn runs as (the build's default would be root's).
    assert f"mkdir -p /app/media {temp_dir}" in dockerfile and f"chown staka /app/media {temp_dir}" in dockerfile
    assert f"FILE_UPLOAD_TEMP_DIR={temp_dir}" in dockerfile


def test_mysql_loads_its_time_zone_tables():
    mysql = load_compose()["services"]["mysql"]
    assert "MYSQL_INITDB_SKIP_TZINFO" not in mysql["environment"]


def test_nginx_in_front_sends_the_downloads_from_the_media_volume():
    """deploy/nginx.conf is the documented proxy: its internal location is the
    prefix the app hands out, aliased to the media volume the app writes."""
    services = load_compose()["services"]
    proxy, web = services["proxy"], services["web"]
    assert proxy["ports"] == ["8000:8000"] and "ports" not in web  # downloads only make sense through nginx
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    media_mount = next(volume for volume in web["volumes"] if volume.startswith("media:")).split(":")[1]
    assert f"media:{media_mount}:ro" in proxy["volumes"]
    prefix = web["environment"]["FILES_ACCEL_REDIRECT"]
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    location = re.search("location " + re.escape(prefix) + r" \{(.*?)\}", conf, re.S).group(1)
    assert "internal;" in location and f"alias {media_mount}/;" in location
    assert "add_header X-Content-Type-Options nosniff always;" in location
    assert "server web:8000;" in conf


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_documented_configuration(tmp_path):
    """`nginx -t` on deploy/nginx.conf, with the compose host names made local."""
    site = (ROOT / "deploy" / "nginx.conf").read_text().replace("server web:8000;", "server 127.0.0.1:9;")
    (tmp_path / "site.conf").write_text(site.replace("alias /app/media/;", f"alias {tmp_path}/;"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy; "
        f"access_log off; include {tmp_path}/site.conf; }}\n"
    )
    done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
