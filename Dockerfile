# The production image: web (granian), Celery worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected into the image (var/static) with production settings, so whitenoise
# finds its hashed manifest. The throwaway key exists only for this step; the containers get
# SECRET_KEY from the environment.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    MICROHOST_PRODUCTION=1 DEBUG=0 python manage.py collectstatic --noinput -v 0 \
    && useradd --create-home --uid 1000 microhost \
    && mkdir -p /data/media \
    && chown -R microhost /app/var /data

USER microhost
EXPOSE 8000
CMD ["granian", "--interface", "wsgi", "--workers", "2", "--blocking-threads", "1", "--host", "0.0.0.0", "--port", "8000", "--access-log", "microhost.wsgi:application"]
