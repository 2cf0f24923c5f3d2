"""A Python service with a garbage collector: each GET /work builds a graph of objects with cycles
(WORK objects, default 2000) and serialises part of it, so CPU goes to the interpreter and to the cycle
collector. Threaded http.server from the standard library; /healthz answers without work.
Usage: python3 app.py HOST PORT"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORK = int(os.environ.get("WORK", "2000"))


class Node:
    __slots__ = ("key", "peer", "items")

    def __init__(self, key):
        self.key = key
        self.peer = None
        self.items = [key, str(key), {"k": key}]


def work(n):
    nodes = [Node(i) for i in range(n)]
    for i, node in enumerate(nodes):
        node.peer = nodes[(i * 7 + 1) % n]  # cycles: only the collector frees them
    return json.dumps([x.items[2] for x in nodes[:50]])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/healthz":
            body = b"ok\n"
        elif self.path.startswith("/work"):
            body = work(WORK).encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
