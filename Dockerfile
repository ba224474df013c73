# syntax=docker/dockerfile:1
# Ressursvenner in a container image, built from the checkout:
#     docker build -t ressursvenner .
# compose.yaml runs it as the web server, the worker and beat (docs/deployment.md, "With
# containers"). Three stages: the locked requirements installed into a virtualenv (compilers
# here only), the checkout with its translations compiled and its static files collected, and a
# slim final image that runs as a user without rights and holds no compiler.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- 1. The locked requirements, checked against their hashes, in /opt/venv --------------------
FROM ${PYTHON_IMAGE} AS builder
# Compilers and headers, for a locked package that has no wheel for this platform; gettext for
# compilemessages. Debian's own versions of the day (not pinned: the stage is thrown away).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev gettext \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements/production.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r /tmp/requirements.txt

# --- 2. The checkout: translations compiled, static files collected ------------------------------
FROM builder AS assets
WORKDIR /app
COPY . .
# collectstatic runs with production storage (hashed names, compressed copies), so DEBUG is off
# and the settings want their secrets: throwaway values for these commands only, not kept in the
# image. The real ones come from the environment at run time.
RUN export DEBUG=false ENV_FILE=/dev/null \
        SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
        FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1rZXktYnVpbGQtb25seS0= \
        AUDIT_LOG_KEYS=build-only-not-an-audit-key-build-only-not-an-audit-key \
        ALLOWED_HOSTS=build.invalid EMAIL_URL=smtp://build.invalid:25 \
        CELERY_BROKER_URL=redis://build.invalid:6379/0 \
    && /opt/venv/bin/python manage.py compilemessages -v 0 \
    && /opt/venv/bin/python manage.py collectstatic --noinput -v 0

# --- 3. What runs: no compiler, no root ----------------------------------------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GUNICORN_BIND=0.0.0.0:8000
# pg_dump and pg_restore for `manage.py backup` and `restore` (PostgreSQL 15, as in compose.yaml).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 ressursvenner \
    && useradd --system --uid 10001 --gid ressursvenner --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin ressursvenner
COPY --from=builder /opt/venv /opt/venv
COPY --from=assets /app /app
WORKDIR /app
# The code and the static files belong to root (read-only for the service); only var/, where
# beat keeps its schedule file, is the service's own.
RUN chown ressursvenner:ressursvenner /app/var
USER 10001:10001
EXPOSE 8000
# Alive when gunicorn answers /helse/ (200, or 503 naming another part that is down).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "ressursvenner.wsgi"]
