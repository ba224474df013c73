"""gunicorn's configuration for Ressursvenner: `gunicorn --config deploy/gunicorn.conf.py
ressursvenner.wsgi`, run from the checkout (deploy/ressursvenner-web.service, the Dockerfile and
.ci/run's deploy step all start it so).

Every value can be changed from the environment (the .env file the unit reads), so the file
itself stays as committed. See docs/deployment.md.
"""

import multiprocessing
import os

# Where nginx reaches it: loopback only, never a public address. The container sets
# GUNICORN_BIND=0.0.0.0:8000 (its port is published on the host's loopback only).
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# Sync workers, the usual 2 per core + 1: a page is a few database queries, and a slow one
# (statistics, CSV) holds only its own worker. Each takes about 100 MB (numpy and scipy are
# loaded for matching); lower GUNICORN_WORKERS on a small machine.
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)

# A request that takes longer than this is cut off (its worker is restarted): no page should
# take more than a few seconds. nginx's proxy_read_timeout is a little longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
# On a restart (systemctl reload/restart, a new release) requests in flight get this long.
graceful_timeout = 30
# nginx talks HTTP/1.0 to us without keep-alive by default; a short keep-alive costs nothing.
keepalive = 5
# A worker is replaced after this many requests (plus a random part, so they do not all restart
# at once): a slow leak in a library cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100

# The heartbeat file of each worker: in memory, not on a disk that may stall (and /tmp is
# private to the service).
worker_tmp_dir = "/dev/shm"  # noqa: S108 (a tmpfs on Debian and in containers)

# Trust X-Forwarded-Proto and X-Forwarded-For only from nginx on the same machine. (Django
# reads the visitor's address from X-Forwarded-For itself: TRUSTED_PROXIES in settings.)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No access log here: nginx writes it, without the query string (deploy/nginx/ressursvenner.conf).
# gunicorn's own would write the full request line, query and all.
accesslog = None
disable_redirect_access_to_syslog = True
# Errors and start-up messages go to stderr: the journal (systemd) or the container's log.
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# No control socket (gunicorn 25.1 and later make one in the home folder by default): the
# service has no writable home, and systemctl reload does the same job.
control_socket_disable = True

# The service's process name in ps and top.
proc_name = "ressursvenner-web"
