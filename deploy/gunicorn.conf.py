"""Gunicorn settings for antq in production (read with `gunicorn -c deploy/gunicorn.conf.py`).

Every value can be overridden from the environment so the systemd unit, the container and
the load benchmark share this one file.
"""

import multiprocessing
import os

wsgi_app = "antq.wsgi:application"
bind = os.environ.get("ANTQ_BIND", "127.0.0.1:8000")
# Threads in each worker: requests wait on PostgreSQL far more than they compute.
workers = int(os.environ.get("ANTQ_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("ANTQ_THREADS", "4"))
worker_class = "gthread"
# Imports of large workbooks and report builds run inside the request.
timeout = int(os.environ.get("ANTQ_REQUEST_TIMEOUT", "120"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow for months.
max_requests = 5000
max_requests_jitter = 500
# Uploads are bounded by the application; headers by gunicorn.
limit_request_line = 8190
# The reverse proxy terminates TLS and sets X-Forwarded-Proto; only trust it from loopback.
forwarded_allow_ips = os.environ.get("ANTQ_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Access log without the client address or query strings: informants' addresses, look-up
# codes and search terms are written nowhere (docs/security.md).
accesslog = "-" if os.environ.get("ANTQ_ACCESS_LOG", "1") == "1" else None
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
