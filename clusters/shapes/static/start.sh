# Usage: start.sh HOST PORT. nginx takes its listen address from its configuration only: write one.
cat > /tmp/nginx.conf <<CONF
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path /tmp/body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  keepalive_requests 1000000;
  server {
    listen $1:$2;
    root /www;
    location = /healthz { return 200 "ok\n"; }
  }
}
CONF
exec /usr/sbin/nginx -c /tmp/nginx.conf -g 'daemon off;'
