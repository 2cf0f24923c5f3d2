# Django settings from the replica's environment: its DC's memcached replicas (CACHE) and PostgreSQL
# replicas (DB), both as host:port lists. Each PostgreSQL replica is a shard: a user's rows are read and
# written on shard user % N, as Instagram sharded its users; every shard is seeded alike.
import os


def _list(name):
    return [x for x in os.environ.get(name, "").split(",") if x]


SECRET_KEY = "headroom-insta-stack"  # no sessions, no signing: only Django's start-up wants one
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "insta.urls"
WSGI_APPLICATION = "insta.wsgi.application"
INSTALLED_APPS = []
MIDDLEWARE = []
USE_TZ = False
USE_I18N = False

DATABASES = {}
for i, address in enumerate(_list("DB")):
    host, port = address.rsplit(":", 1)
    DATABASES["default" if i == 0 else f"shard{i}"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "insta",
        "USER": "insta",
        "HOST": host,
        "PORT": port,
        # One connection per worker and shard, kept: PostgreSQL's connection limit counts them.
        "CONN_MAX_AGE": None,
        "OPTIONS": {"connect_timeout": 3},
    }

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": _list("CACHE"),
        "TIMEOUT": int(os.environ.get("FEED_TTL", "300")),
        "OPTIONS": {"connect_timeout": 1, "timeout": 1, "no_delay": True},
    }
}
