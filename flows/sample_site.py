"""A loopback HTTP server for the bundled sample outlets (used by `workwatch demo` and tests).

Each outlet folder under the root is served on its own 127.0.0.1 port, so each is its own
origin with its own robots.txt. "{{BASE_URL}}" in any served file becomes that origin. Feeds
get ETag and Last-Modified validators and answer conditional GETs with 304.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"{{BASE_URL}}"
TYPES = {".xml": "application/xml; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".txt": "text/plain; charset=utf-8", ".json": "application/json"}
FEED_TYPES = {"feed.xml": "application/rss+xml; charset=utf-8",
              "rss.xml": "application/rss+xml; charset=utf-8",
              "atom.xml": "application/atom+xml; charset=utf-8"}


def bundled_root() -> Path:
    return Path(str(resources.files("flows") / "sample_outlets"))


@dataclass(frozen=True)
class ServedOutlet:
    slug: str
    base_url: str
    folder: Path


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops SYNs under concurrent clients
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    server_version = "workwatch-sample/1"
    folder: Path
    base: bytes
    hits: list

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def do_GET(self):
        path = unquote(urlsplit(self.path).path)
        self.hits.append(path)
        target = (self.folder / path.lstrip("/")).resolve()
        if not str(target).startswith(str(self.folder.resolve())) or not target.is_file():
            self._send(404, b"not found", "text/plain")
            return
        body = target.read_bytes().replace(PLACEHOLDER, self.base)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = formatdate(target.stat().st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", None, etag, modified)
            return
        ctype = FEED_TYPES.get(target.name) or TYPES.get(target.suffix, "application/octet-stream")
        self._send(200, body, ctype, etag, modified)

    def _send(self, status, body, ctype, etag=None, modified=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class SampleSite:
    """Serve every outlet folder under root; use as a context manager."""

    def __init__(self, root: str | Path | None = None, host: str = "127.0.0.1"):
        self.root = Path(root) if root else bundled_root()
        self.host = host
        self.outlets: dict[str, ServedOutlet] = {}
        self.hits: dict[str, list[str]] = {}
        self._servers: list[ThreadingHTTPServer] = []

    def __enter__(self) -> "SampleSite":
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            self._serve(folder)
        return self

    def _serve(self, folder: Path) -> None:
        hits: list[str] = []
        handler = type("Handler", (_Handler,), {"folder": folder, "hits": hits, "base": b""})
        server = _Server((self.host, 0), handler)
        server.daemon_threads = True
        base = f"http://{self.host}:{server.server_address[1]}"
        handler.base = base.encode()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        self.outlets[folder.name] = ServedOutlet(folder.name, base, folder)
        self.hits[folder.name] = hits

    def __exit__(self, *exc) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def feed_url(self, slug: str) -> str:
        outlet = self.outlets[slug]
        for name in ("feed.xml", "atom.xml", "rss.xml"):
            if (outlet.folder / name).exists():
                return f"{outlet.base_url}/{name}"
        raise FileNotFoundError(f"no feed in {outlet.folder}")

    def feeds_toml(self) -> str:
        """A feeds.toml listing every served outlet."""
        parts = ["[fetch]\nper_host_delay_s = 0.0\nper_host_concurrency = 8\n"]
        for slug in self.outlets:
            parts.append(f'\n[[feeds]]\nname = "{slug}"\nurl = "{self.feed_url(slug)}"\n'
                         f'outlet = "{_title(slug)}"\nlanguage = "en"\n')
        return "".join(parts)


def _title(slug: str) -> str:
    return " ".join(w.capitalize() for w in slug.split("-"))
