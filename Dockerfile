# Production image: gunicorn for web, the same image runs the Celery worker and beat.
# Static files are collected here and served by WhiteNoise from the web process. Uploaded
# public media (MEDIA_ROOT) is served by a proxy (docker-compose.yml: `proxy`, nginx), never
# by Django with DEBUG off; private files (PRIVATE_ROOT) only by Django's views.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=foodhub.settings.production \
    FOODHUB_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media \
    PRIVATE_ROOT=/app/var/private \
    STATIC_ROOT=/app/var/static

# WeasyPrint needs Pango; libharfbuzz-subset0 makes PDFs ~5x faster; gettext compiles messages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        gettext curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY foodhub ./foodhub
COPY teams ./teams
COPY producers ./producers
COPY hubs ./hubs
COPY orders ./orders
COPY cms ./cms
COPY locale ./locale
COPY manage.py ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --create-home --uid 1000 foodhub \
    && mkdir -p /app/var/media /app/var/static /app/var/private \
    && SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
       DATABASE_URL=postgres://build@localhost/build CELERY_BROKER_URL=redis://localhost/0 \
       python manage.py collectstatic --no-input -v0 \
    && chown -R foodhub:foodhub /app/var

USER foodhub
EXPOSE 8000
CMD ["gunicorn", "foodhub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
