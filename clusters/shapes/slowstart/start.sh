# Usage: start.sh HOST PORT. Warms up for $WARMUP seconds (default 15), then serves /www.
sleep "${WARMUP:-15}"
exec /bin/busybox httpd -f -p "$1:$2" -h /www
