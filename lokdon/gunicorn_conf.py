"""Gunicorn settings for the web process; each can be overridden by an environment
variable.
"""

import glob
import os

from lokdon.logs import configure_logging

# Address the web process listens on; a TLS proxy in front serves the public URL.
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
# Worker processes and threads each; webhooks are short, so threads cover I/O waits.
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Twilio gives a webhook 15 s in all; a request still running after 30 s is stuck.
timeout = 30
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
# Without the query string: it can carry message ids, and paths are enough to trace a
# call.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))


def on_starting(server):  # noqa: ARG001 - gunicorn's hook signature
    """Delete the metric files of the previous run, so that counts start from zero."""
    multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not multiproc_dir:
        return

    os.makedirs(multiproc_dir, exist_ok=True)
    for path in glob.glob(os.path.join(multiproc_dir, "*.db")):
        os.remove(path)
