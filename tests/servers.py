"""A small programmable loopback HTTP server for tests (never leaves 127.0.0.0/8)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable, Union

Body = Union[bytes, Iterable[bytes]]
Route = Callable[["Request"], tuple[int, dict, Body]]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops SYNs under concurrent clients
    daemon_threads = True


class Request:
    def __init__(self, handler: BaseHTTPRequestHandler):
        self.path = handler.path
        self.headers = handler.headers


class RouteServer:
    """Serve routes {path: fn(request) -> (status, headers, body)} on host:random port."""

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1"):
        assert host.startswith("127.") or host == "::1", "tests talk to loopback only"
        self.routes = dict(routes or {})
        self.host = host
        self.hits: list[str] = []
        self.headers_seen: list[dict] = []

    def __enter__(self) -> "RouteServer":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.hits.append(self.path)
                outer.headers_seen.append(dict(self.headers))
                route = outer.routes.get(self.path.split("?")[0]) or outer.routes.get("*")
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(Request(self))
                self.send_response(status)
                streaming = not isinstance(body, (bytes, bytearray))
                for k, v in headers.items():
                    self.send_header(k, v)
                if not streaming:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if streaming:
                        for chunk in body:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = _Server((self.host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"


def ok(body: bytes, ctype: str = "text/html; charset=utf-8", **headers) -> Route:
    return lambda req: (200, {"Content-Type": ctype, **headers}, body)


def trickle(chunk: bytes = b"x", every_s: float = 0.2, count: int = 10_000) -> Route:
    def gen():
        for _ in range(count):
            yield chunk
            time.sleep(every_s)
    return lambda req: (200, {"Content-Type": "text/html"}, gen())


def endless(chunk_size: int = 64 * 1024) -> Route:
    def gen():
        block = b"a" * chunk_size
        while True:
            yield block
    return lambda req: (200, {"Content-Type": "text/html"}, gen())
