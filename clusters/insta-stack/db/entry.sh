#!/bin/sh
# One PostgreSQL replica: a fresh data folder, seeded with the stack's users, posts, follows and likes
# (sizes from SEED_*) while it listens on its socket only, then serving on HOST:PORT. The health check is a
# TCP connect, so it passes only once the seed is in.
set -eu
bin=/usr/lib/postgresql/15/bin
data=/tmp/pgdata
# Its own socket folder: replicas share the host's network, not their file systems.
sock=/tmp
$bin/initdb -D "$data" -U insta --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
$bin/pg_ctl -D "$data" -l /tmp/seed.log -w -s -o "-c listen_addresses='' -k $sock -c fsync=off" start
$bin/psql -h "$sock" -U insta -d postgres -q -v ON_ERROR_STOP=1 \
  -v users="${SEED_USERS:-2000}" -v posts_per_user="${SEED_POSTS_PER_USER:-20}" \
  -v follows_per_user="${SEED_FOLLOWS_PER_USER:-40}" -v likes="${SEED_LIKES:-50000}" -f /db/seed.sql
$bin/pg_ctl -D "$data" -w -s -m fast stop
echo "db: seeded ${SEED_USERS:-2000} users; serving on ${HOST}:${PORT}, at most ${DB_MAX_CONNECTIONS:-30} connections"
# synchronous_commit off: a like does not wait for the disk (the machine is shared; durability is not drilled).
exec $bin/postgres -D "$data" -k "$sock" -c listen_addresses="$HOST" -p "$PORT" \
  -c max_connections="${DB_MAX_CONNECTIONS:-30}" -c shared_buffers="${DB_SHARED_BUFFERS:-64MB}" \
  -c synchronous_commit=off -c log_min_messages=warning
