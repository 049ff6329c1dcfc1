# One image for web, worker and beat; the command differs (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    FILE_UPLOAD_TEMP_DIR=/app/upload-tmp

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libmariadb-dev gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .

# collectstatic/compilemessages need settings but no real secret or database.
RUN SECRET_KEY=build-only DATABASE_URL=mysql://build@localhost/build ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && python manage.py compilemessages --ignore=.venv -v 0

RUN useradd --create-home staka && mkdir -p /app/media /app/upload-tmp && chown staka /app/media /app/upload-tmp
USER staka

EXPOSE 8000
# gunicorn.conf.py: threaded workers (slow uploads survive the worker timeout).
CMD ["gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py"]
