"""A hostile web on loopback, for the hardening tests.

`LoopbackServer` is a threaded HTTP/1.1 server with programmable routes that records every
request with its start and end time (for politeness tests). `HostileSite` serves, on
127.0.0.1, feeds and pages that misbehave in every way workwatch must survive: HTML instead
of a feed, garbage, 404/500/503/429 (with Retry-After), a trickling response, an endless body,
gzip bombs (with an honest and with a lying Content-Length), redirect loops, billion-laughs
entities, wrongly declared encodings, PDFs and images, pages robots.txt forbids, and links to
the SSRF canaries (127.0.0.2 and ::1, under several spellings) and to non-http schemes.
`Canary` is a server that must never be hit. Nothing here leaves 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable, Iterator, Union
from xml.sax.saxutils import escape

Body = Union[bytes, Iterable[bytes]]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    body: Body = b""
    close: bool = False  # send Connection: close (always for streamed bodies)


@dataclass
class Hit:
    """One request, recorded as soon as it arrives (so that a client that got its answer
    always finds its hit here)."""

    path: str
    headers: dict[str, str]
    started: float  # time.monotonic() when the request line arrived
    finished: float | None = None  # when the last bytes were handed to the socket


Route = Callable[["Request"], Reply]


class Request:
    def __init__(self, path: str, headers: dict[str, str], count: int):
        self.path = path
        self.headers = headers
        self.count = count  # how many times this path was requested, this one included


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class LoopbackServer:
    """Serve {path: route} on a loopback host; use as a context manager."""

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1"):
        assert host.startswith("127.") or host == "::1", "tests talk to loopback only"
        self.routes: dict[str, Route] = dict(routes or {})
        self.host = host
        self.records: list[Hit] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def hits(self) -> list[str]:
        return [h.path for h in self.records]

    def hits_of(self, path: str) -> list[Hit]:
        return [h for h in self.records if h.path.split("?")[0] == path]

    def __enter__(self) -> "LoopbackServer":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                hit = Hit(path, dict(self.headers), time.monotonic())
                with outer._lock:
                    outer._counts[path] = outer._counts.get(path, 0) + 1
                    count = outer._counts[path]
                    outer.records.append(hit)
                route = outer.routes.get(path) or outer.routes.get("*")
                reply = (route(Request(self.path, dict(self.headers), count)) if route
                         else Reply(404, {"Content-Type": "text/plain"}, b"not found"))
                try:
                    self._write(reply, hit)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    hit.finished = hit.finished or time.monotonic()

            def _write(self, reply: Reply, hit: Hit) -> None:
                streaming = not isinstance(reply.body, (bytes, bytearray))
                self.send_response(reply.status)
                names = {k.lower() for k in reply.headers}
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if not streaming and "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                if streaming or reply.close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if streaming:
                    for chunk in reply.body:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                else:
                    hit.finished = time.monotonic()
                    self.wfile.write(reply.body)

        server_class = _Server6 if ":" in self.host else _Server
        self.server = server_class((self.host, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path


class Canary(LoopbackServer):
    """An address that must never be fetched: every path answers, every hit is recorded."""

    def __init__(self, host: str = "127.0.0.2"):
        super().__init__({"*": lambda req: Reply(200, {"Content-Type": "text/html"},
                                                  b"<html><body><p>internal secret</p></body></html>")},
                         host)


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- bodies


def trickle(chunk: bytes = b"<p>x</p>", every_s: float = 0.2, count: int = 10_000) -> Iterator[bytes]:
    """A response that never finishes in reasonable time: one small chunk every every_s."""
    for _ in range(count):
        yield chunk
        time.sleep(every_s)


def endless(chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    block = b"<p>" + b"a" * (chunk_size - 7) + b"</p>\n"
    while True:
        yield block


def gzip_bomb_stream(total_bytes: int = 1 << 30, block: int = 1 << 20) -> Iterator[bytes]:
    """A gzip stream of total_bytes zero bytes (1 GiB by default, ~1 MB on the wire), built
    cheaply: after a full flush, deflating the same block again gives the same bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(block)
    yield comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    repeated = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    for _ in range(total_bytes // block - 1):
        yield repeated
    yield comp.flush()


def gzip_bomb(size: int = 50_000_000) -> bytes:
    """A small gzip body (~50 KB) that inflates to size zero bytes."""
    return gzip.compress(bytes(size), compresslevel=9)


def billion_laughs(levels: int = 10) -> str:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, levels)]
    return "<!DOCTYPE rss [" + "".join(entities) + "]>"


def quadratic_blowup(value_size: int = 50_000, refs: int = 20_000) -> tuple[str, str]:
    """(doctype, text): one big entity referenced many times (1 GB if fully expanded)."""
    return f'<!DOCTYPE rss [<!ENTITY a "{"x" * value_size}">]>', "&a;" * refs


# ---------------------------------------------------------------- documents

LEDE = ("Companies are deploying artificial intelligence tools across their offices, and "
        "workers say the software is changing how they do their jobs every day.")
PARAGRAPHS = [
    "Managers at the firm said the new AI assistant drafts reports, answers customer "
    "questions and schedules shifts, which has cut the time staff spend on routine tasks.",
    "Union representatives warned that automation could put hundreds of clerical jobs at "
    "risk and asked for retraining programmes before any roles are eliminated.",
    "Economists who study the labour market said the effect on wages and hiring will take "
    "years to measure, but early surveys show employers want workers with AI skills.",
]


def article_html(title: str, extra: str = "", charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>" for p in [LEDE, *PARAGRAPHS])
    return (f'<!doctype html><html lang="en"><head><meta charset="{charset}">'
            f"<title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>"
            f"{body}{extra}</article></body></html>")


def rss(title: str, items: list[tuple[str, str]], doctype: str = "",
        encoding: str = "utf-8") -> str:
    """An RSS 2.0 feed; items are (title, link), written as given (already escaped)."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate><description>About {t}</description></item>"
        for t, link in items)
    return (f'<?xml version="1.0" encoding="{encoding}"?>{doctype}<rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://127.0.0.1/</link>"
            f"<description>hostile</description>{entries}</channel></rss>")


def html_reply(text: str | bytes, charset: str = "utf-8", status: int = 200) -> Reply:
    body = text if isinstance(text, bytes) else text.encode(charset)
    return Reply(status, {"Content-Type": f"text/html; charset={charset}"}, body)


def xml_reply(text: str | bytes, ctype: str = "application/rss+xml; charset=utf-8") -> Reply:
    body = text if isinstance(text, bytes) else text.encode("utf-8")
    return Reply(200, {"Content-Type": ctype}, body)


# ---------------------------------------------------------------- the hostile site


@dataclass(frozen=True)
class Expectation:
    """What the hardening test expects for one page link of the good feed."""

    path: str
    title: str
    arrives: bool
    reason: str | None = None  # errors_by_reason key when it does not arrive


GOOD_TITLES = {
    "/articles/good-1.html": "AI assistants reshape office work",
    "/articles/good-2.html": "Union asks for retraining as automation spreads",
    "/articles/good-3.html": "Employers want workers with AI skills",
    "/articles/throttled.html": "Throttled once then served story",
    "/articles/long.html": "An absurdly long story about AI and jobs",
    "/articles/control.html": "Control characters in an AI jobs story",
    "/articles/declared-utf8-is-cp1252.html": "Wrongly declared encoding story",
    "/articles/declared-latin1-is-utf8.html": "Second wrongly declared encoding story",
    "/articles/untyped.html": "A page without a content type",
}
BAD_PAGES = {  # path -> reason in the run summary's errors_by_reason
    "/articles/doc.pdf": "not_html",
    "/articles/sneaky-pdf.html": "not_html",
    "/articles/photo.png": "not_html",
    "/private/secret.html": "robots",
    "/articles/endless.html": "too_large",
    "/articles/bomb.html": "too_large",
    "/articles/bomb-lying-length.html": None,  # any recorded reason (truncated stream)
    "/articles/trickle.html": "transient",
    "/articles/loop.html": "http_error",
    "/articles/gone.html": "http_error",
    "/articles/broken.html": "transient",
    "/articles/to-canary.html": "blocked",
    "/articles/empty.html": "no_text",
}
SKIPPED_LINKS = ["javascript:alert(document.cookie)", "data:text/html,&lt;h1&gt;x&lt;/h1&gt;",
                 "file:///etc/passwd", "mailto:editor@example.org", "http://[::1",
                 "http://127.0.0.1:99999/a"]
LONG_TEXT_CHARS = 260_000
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class HostileSite(LoopbackServer):
    """The hostile feeds and pages on 127.0.0.1; canary URLs are passed in."""

    def __init__(self, canaries: list[str]):
        super().__init__({})
        self.canaries = canaries  # absolute URLs on the canary hosts, in several spellings

    def __enter__(self) -> "HostileSite":
        super().__enter__()
        self.routes.update(self._routes())
        # a host that asks to be left alone for an hour: its own origin, so that the rest of
        # the site is not held back with it
        self.throttling = LoopbackServer({"/feeds/throttled.xml": lambda req: Reply(
            429, {"Content-Type": "text/plain", "Retry-After": "3600"}, b"slow down")}).__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.throttling.__exit__(*exc)
        super().__exit__(*exc)

    def feed_url(self, name: str) -> str:
        server = self.throttling if name == "hostile-429" else self
        return server.url(self.FEEDS[name])

    # feeds.toml entries: name -> path
    FEEDS = {
        "hostile-good": "/feeds/good.xml",
        "hostile-html": "/feeds/html.xml",
        "hostile-garbage": "/feeds/garbage.xml",
        "hostile-404": "/feeds/missing.xml",
        "hostile-503": "/feeds/unavailable.xml",
        "hostile-429": "/feeds/throttled.xml",
        "hostile-trickle": "/feeds/trickle.xml",
        "hostile-endless": "/feeds/endless.xml",
        "hostile-bomb": "/feeds/bomb.xml",
        "hostile-loop": "/feeds/loop.xml",
        "hostile-laughs": "/feeds/laughs.xml",
        "hostile-quadratic": "/feeds/quadratic.xml",
        "hostile-latin1": "/feeds/latin1.xml",
        "hostile-to-canary": "/feeds/to-canary.xml",
    }
    FAILING_FEEDS = {  # name -> words the recorded error must contain
        "hostile-html": "not a feed",
        "hostile-garbage": "not a feed",
        "hostile-404": "HTTP 404",
        "hostile-503": "HTTP 503",
        "hostile-429": "HTTP 429",
        "hostile-trickle": "within",
        "hostile-endless": "cap",
        "hostile-bomb": "cap",
        "hostile-loop": "redirects",
        "hostile-to-canary": "non-public",
    }
    # feeds that parse, each with one good item: name -> (page path, title)
    RECOVERED_FEEDS = {
        "hostile-laughs": ("/articles/laughs.html", "Entities did not explode"),
        "hostile-quadratic": ("/articles/quadratic.html", "Quadratic entities did not explode"),
        "hostile-latin1": ("/articles/from-latin1-feed.html", "Caf\u00e9 workers and AI"),
    }

    def feeds_toml(self, fetch: dict[str, object]) -> str:
        lines = ["[fetch]"] + [f"{k} = {_toml(v)}" for k, v in fetch.items()]
        for name, path in self.FEEDS.items():
            lines += ["", "[[feeds]]", f'name = "{name}"', f'url = "{self.feed_url(name)}"',
                      f'outlet = "Hostile {name}"', 'language = "en"']
        return "\n".join(lines) + "\n"

    def expectations(self) -> list[Expectation]:
        out = [Expectation(p, t, True) for p, t in GOOD_TITLES.items()]
        out += [Expectation(p, p.rsplit("/", 1)[-1], False, r) for p, r in BAD_PAGES.items()]
        out += [Expectation(p, t, True) for p, t in self.RECOVERED_FEEDS.values()]
        return out

    def _good_feed(self) -> str:
        items = [(escape(t), self.url(p)) for p, t in GOOD_TITLES.items()]
        items += [(p.rsplit("/", 1)[-1], self.url(p)) for p in BAD_PAGES]
        items += [(f"canary {i}", escape(url)) for i, url in enumerate(self.canaries)]
        items += [(f"skipped {i}", link) for i, link in enumerate(SKIPPED_LINKS)]
        # a title with character references feedparser used to crash on
        items[0] = (items[0][0] + " &#xD800;&#x110000;&#99999999999999999999;", items[0][1])
        return rss("Hostile but good", items)

    def _routes(self) -> dict[str, Route]:
        r: dict[str, Route] = {"/robots.txt": lambda req: Reply(200, {"Content-Type": "text/plain"}, ROBOTS)}
        # -- feeds
        r["/feeds/good.xml"] = lambda req: xml_reply(self._good_feed())
        r["/feeds/html.xml"] = lambda req: html_reply(article_html("A web page, not a feed"))
        r["/feeds/garbage.xml"] = lambda req: xml_reply(bytes(range(256)) * 40, "application/xml")
        r["/feeds/missing.xml"] = lambda req: Reply(404, {"Content-Type": "text/plain"}, b"gone")
        r["/feeds/unavailable.xml"] = lambda req: Reply(503, {"Content-Type": "text/plain"}, b"down")
        r["/feeds/trickle.xml"] = lambda req: Reply(
            200, {"Content-Type": "application/rss+xml"}, trickle(b"<rss>", 0.2))
        r["/feeds/endless.xml"] = lambda req: Reply(
            200, {"Content-Type": "application/rss+xml"}, endless())
        r["/feeds/bomb.xml"] = lambda req: Reply(
            200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
            gzip_bomb_stream())
        r["/feeds/loop.xml"] = lambda req: Reply(301, {"Location": "/feeds/loop.xml"}, b"")
        r["/feeds/to-canary.xml"] = lambda req: Reply(302, {"Location": self.canaries[0]}, b"")
        path, title = self.RECOVERED_FEEDS["hostile-laughs"]
        r["/feeds/laughs.xml"] = lambda req: xml_reply(
            rss("Laughs &lol9;", [(title + " &lol9;", self.url(path))], billion_laughs()))
        doctype, refs = quadratic_blowup()
        path_q, title_q = self.RECOVERED_FEEDS["hostile-quadratic"]
        r["/feeds/quadratic.xml"] = lambda req: xml_reply(
            rss("Quadratic", [(title_q, self.url(path_q))], doctype)
            .replace("<description>hostile</description>", f"<description>{refs}</description>"))
        path_l, title_l = self.RECOVERED_FEEDS["hostile-latin1"]
        r["/feeds/latin1.xml"] = lambda req: xml_reply(  # declared UTF-8, written in cp1252
            rss("Caf\u00e9 \u201cnews\u201d", [(title_l, self.url(path_l))]).encode("cp1252"))
        # -- good pages
        for p, t in {**GOOD_TITLES, **{v[0]: v[1] for v in self.RECOVERED_FEEDS.values()}}.items():
            r[p] = (lambda t: lambda req: html_reply(article_html(t)))(t)
        r["/articles/throttled.html"] = lambda req: (
            Reply(429, {"Content-Type": "text/plain", "Retry-After": "1"}, b"slow down")
            if req.count == 1 else html_reply(article_html(GOOD_TITLES["/articles/throttled.html"])))
        long_extra = "".join(f"<p>{PARAGRAPHS[i % 3]} ({i})</p>"
                             for i in range(LONG_TEXT_CHARS // len(PARAGRAPHS[0]) + 1))
        r["/articles/long.html"] = lambda req: html_reply(
            article_html(GOOD_TITLES["/articles/long.html"], long_extra))
        r["/articles/control.html"] = lambda req: html_reply(article_html(
            GOOD_TITLES["/articles/control.html"],
            "<p>Bell\x07 escape\x1b[31m nul\x00 next\x85line sep\u2028 para\u2029 end"
            " noncharacter\ufffe done.</p>"))
        r["/articles/declared-utf8-is-cp1252.html"] = lambda req: Reply(
            200, {"Content-Type": "text/html; charset=utf-8"},
            article_html(GOOD_TITLES["/articles/declared-utf8-is-cp1252.html"],
                         "<p>Caf\u00e9 \u201cquotes\u201d \u2013 na\u00efve</p>",
                         charset="utf-8").encode("cp1252"))
        r["/articles/declared-latin1-is-utf8.html"] = lambda req: Reply(
            200, {"Content-Type": "text/html; charset=iso-8859-1"},
            article_html(GOOD_TITLES["/articles/declared-latin1-is-utf8.html"],
                         "<p>\u65e5\u672c\u8a9e \u0420\u0443\u0441\u0441\u043a\u0438\u0439</p>",
                         charset="iso-8859-1").encode("utf-8"))
        r["/articles/untyped.html"] = lambda req: Reply(
            200, {}, article_html(GOOD_TITLES["/articles/untyped.html"]).encode())
        # -- bad pages
        r["/articles/doc.pdf"] = lambda req: Reply(200, {"Content-Type": "application/pdf"},
                                                   b"%PDF-1.4\n" + b"0" * 2000)
        r["/articles/sneaky-pdf.html"] = lambda req: Reply(200, {"Content-Type": "text/html"},
                                                           b"%PDF-1.7\n" + b"0" * 2000)
        r["/articles/photo.png"] = lambda req: Reply(200, {"Content-Type": "image/png"},
                                                     b"\x89PNG\r\n\x1a\n" + bytes(2000))
        r["/private/secret.html"] = lambda req: html_reply(article_html("robots forbid this"))
        r["/articles/endless.html"] = lambda req: Reply(200, {"Content-Type": "text/html"}, endless())
        bomb = gzip_bomb()
        r["/articles/bomb.html"] = lambda req: Reply(
            200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
        lying = gzip_bomb(5_000_000)
        r["/articles/bomb-lying-length.html"] = lambda req: Reply(  # says 100 bytes, sends more
            200, {"Content-Type": "text/html", "Content-Encoding": "gzip", "Content-Length": "100"},
            lying, close=True)
        r["/articles/trickle.html"] = lambda req: Reply(200, {"Content-Type": "text/html"},
                                                        trickle())
        r["/articles/loop.html"] = lambda req: Reply(302, {"Location": "/articles/loop.html"}, b"")
        r["/articles/gone.html"] = lambda req: Reply(404, {"Content-Type": "text/plain"}, b"gone")
        r["/articles/broken.html"] = lambda req: Reply(500, {"Content-Type": "text/plain"}, b"oops")
        r["/articles/to-canary.html"] = lambda req: Reply(302, {"Location": self.canaries[0]}, b"")
        r["/articles/empty.html"] = lambda req: html_reply("")
        return r


class TrickyCorpus(LoopbackServer):
    """Every case of ../shared/corpus/tricky_feeds, byte for byte, with its `Header:` values
    (from INDEX.tsv) as HTTP headers. Feed names: "tricky-" + the path with "/" -> "-"."""

    def __init__(self, root: Path):
        super().__init__({})
        self.root = root
        self.cases: dict[str, str] = {}  # feed name -> path under root
        for line in (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines()[1:]:
            cells = line.split("\t")
            rel, header = cells[0], (cells[4].strip() if len(cells) > 4 else "")
            headers = {}
            if ":" in header:
                name, value = header.split(":", 1)
                headers[name.strip()] = value.strip()
            body = (root / rel).read_bytes()
            self.routes["/" + rel] = (lambda h, b: lambda req: Reply(200, dict(h), b))(headers, body)
            self.cases["tricky-" + rel[:-4].lower().replace("/", "-").replace("_", "-")] = rel

    def feeds_toml_entries(self) -> str:
        return "".join(f'\n[[feeds]]\nname = "{name}"\nurl = "{self.url("/" + rel)}"\n'
                       f'outlet = "Tricky"\n' for name, rel in self.cases.items())


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


class SlowSampleSite:
    """The bundled sample outlets (flows.sample_site.SampleSite) whose article pages can be
    held: while `hold_pages` is set, every article request waits (up to hold_s seconds) until
    it is cleared. `page_requests` counts the article requests that arrived."""

    def __init__(self, root: Path, hold_s: float = 60.0):
        from flows.sample_site import SampleSite

        self.site = SampleSite(root)
        self.hold_s = hold_s
        self.hold_pages = threading.Event()  # set: pages wait
        self._released = threading.Event()
        self.page_requests = 0

    def __enter__(self) -> "SlowSampleSite":
        self.site.__enter__()
        outer = self
        for server in self.site._servers:
            base = server.RequestHandlerClass

            def do_GET(handler, _base=base):
                if "/articles/" in handler.path:
                    outer.page_requests += 1
                    if outer.hold_pages.is_set():
                        outer._released.wait(outer.hold_s)
                _base.do_GET(handler)

            server.RequestHandlerClass = type("Held" + base.__name__, (base,), {"do_GET": do_GET})
        return self

    def release(self) -> None:
        self.hold_pages.clear()
        self._released.set()

    def hold(self) -> None:
        self._released.clear()
        self.hold_pages.set()

    def __exit__(self, *exc) -> None:
        self.release()
        self.site.__exit__(*exc)

    def feeds_toml(self) -> str:
        return self.site.feeds_toml()


class Outlet(LoopbackServer):
    """One outlet on a loopback host (its own port) for the streaming-ingest tests: /feed.xml
    lists its pages in order; each page is "good", "trickle" (one byte every `every_s`),
    "silent" (connection accepted, no answer) or "held" (answers once `release()` is called).
    The feed itself may be "good", "trickle" or "silent" too."""

    def __init__(self, name: str, pages: dict[str, str], feed: str = "good", every_s: float = 2.0):
        super().__init__({})
        self.name, self.pages, self.feed, self.every_s = name, pages, feed, every_s
        self.released = threading.Event()
        self.closing = threading.Event()

    def title(self, slug: str) -> str:
        return f"{self.name} {slug}: employers roll out AI assistants to office workers"

    def page_url(self, slug: str) -> str:
        return self.url(f"/articles/{slug}.html")

    def __enter__(self) -> "Outlet":
        super().__enter__()
        self.routes["/robots.txt"] = lambda req: Reply(200, {"Content-Type": "text/plain"}, b"")
        feed_body = rss(self.name, [(escape(self.title(s)), self.page_url(s)) for s in self.pages])
        self.routes["/feed.xml"] = self._route(self.feed, lambda: xml_reply(feed_body),
                                               "application/rss+xml")
        for slug, kind in self.pages.items():
            page = (lambda s: lambda: html_reply(article_html(self.title(s))))(slug)
            self.routes[f"/articles/{slug}.html"] = self._route(kind, page, "text/html")
        return self

    def _route(self, kind: str, good: Callable[[], Reply], ctype: str) -> Route:
        if kind == "good":
            return lambda req: good()
        if kind == "trickle":
            return lambda req: Reply(200, {"Content-Type": ctype}, trickle(b"x", self.every_s, 1000))
        if kind == "silent":
            return lambda req: (self.closing.wait(120), good())[1]
        if kind == "held":
            return lambda req: (self.released.wait(120), good())[1]
        raise ValueError(kind)

    def release(self) -> None:
        self.released.set()

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self.released.set()
        super().__exit__(*exc)

    def feeds_toml_entry(self) -> str:
        return (f'\n[[feeds]]\nname = "{self.name}"\nurl = "{self.url("/feed.xml")}"\n'
                f'outlet = "{self.name}"\n')
