# gunicorn for one web replica: sync workers (one request at a time each, as Instagram's uWSGI ran
# Django), as many as the server type's workers, on the replica's own port; the app loaded once and forked.
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ['HTTP_PORT']}"
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "sync"
preload_app = True
backlog = 512
timeout = 30
graceful_timeout = 3
accesslog = None
errorlog = "-"
loglevel = "warning"
