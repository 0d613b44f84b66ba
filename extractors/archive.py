"""Raw HTML kept in WARC files so pages can be re-extracted later without the network.

One gzipped WARC file per run and process under <data>/archive/YYYY/MM/DD/. A page's
location is "<path relative to the archive root>#<byte offset of its record>".
"""

from __future__ import annotations

import io
import os
import threading
import zlib
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from extractors.types import Page

GZIP_LEVEL = 1  # warcio uses 9: 3x the CPU on HTML (5.1 vs 1.7 ms a page) for files ~18% smaller
# A page that came gzip-encoded is archived as it came (Content-Encoding: gzip, as on the
# wire); compressing it again would gain nothing, so its record's gzip member only stores.
STORED_LEVEL = 0


class WarcArchive:
    def __init__(self, root: str | Path, run_id: str):
        self.root = Path(root)
        self.run_id = run_id
        self._path: Path | None = None
        # Batches archive from several threads at once: a record's offset is the file's
        # end when it is written, so one writer at a time.
        self._lock = threading.Lock()

    def _file(self) -> Path:
        if self._path is None:
            day = datetime.now(timezone.utc)
            folder = self.root / day.strftime("%Y/%m/%d")
            folder.mkdir(parents=True, exist_ok=True)
            self._path = folder / f"workwatch-{self.run_id}-{os.getpid()}.warc.gz"
        return self._path

    def write(self, pages: Sequence[Page]) -> list[Page]:
        """Append pages; return them with archive_path set. Flushed and fsynced before return."""
        if not pages:
            return []
        with self._lock:
            return self._append(self._file(), pages)

    def _append(self, path: Path, pages: Sequence[Page]) -> list[Page]:
        out = []
        with open(path, "ab") as fh:
            buffer = io.BytesIO()
            writer = WARCWriter(buffer, gzip=False)  # each record becomes its own gzip member
            rel = path.relative_to(self.root).as_posix()
            for page in pages:
                offset = fh.tell()
                http_headers = [("Content-Type", page.content_type or "text/html")]
                payload, level = page.html, GZIP_LEVEL
                if page.gzip_body is not None:
                    http_headers.append(("Content-Encoding", "gzip"))
                    payload, level = page.gzip_body, STORED_LEVEL
                record = writer.create_warc_record(
                    page.final_url, "response", payload=io.BytesIO(payload),
                    http_headers=StatusAndHeaders(f"{page.http_status} OK", http_headers,
                                                  protocol="HTTP/1.1"),
                    warc_headers_dict={"WARC-Date": page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")})
                writer.write_record(record)
                fh.write(gzip_member(buffer.getvalue(), level))
                buffer.seek(0)
                buffer.truncate()
                out.append(replace(page, archive_path=f"{rel}#{offset}", gzip_body=None))
            fh.flush()
            os.fsync(fh.fileno())
        return out


def gzip_member(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(data) + compressor.flush()


def read_archived(root: str | Path, location: str) -> tuple[str, bytes]:
    """(URL, raw HTML) of the record at "<file>#<offset>" (a gzip-encoded body is decoded)."""
    rel, _, offset = location.rpartition("#")
    with open(Path(root) / rel, "rb") as fh:
        fh.seek(int(offset))
        for record in ArchiveIterator(fh):
            return record.rec_headers.get_header("WARC-Target-URI"), record.content_stream().read()
    raise FileNotFoundError(f"no WARC record at {location}")


DEFAULT_WAREHOUSE_NAME = "workwatch.duckdb"


def archive_dir(db_path: str | Path, data_dir: str | Path | None = None) -> Path:
    """The WARC archive folder of the warehouse `db_path`: one per warehouse.

    An explicit data folder (other than the warehouse's own folder) keeps `<data>/archive`.
    The default warehouse keeps `<folder>/archive` (existing users keep theirs); any other
    warehouse gets `<folder>/<stem>-archive`, so `workwatch demo` (data/demo.duckdb ->
    data/demo-archive) never touches data/archive. A warehouse made before this rule that has
    no archive of its own but sits next to an `archive/` folder keeps using that folder."""
    db = Path(db_path)
    if data_dir is not None and Path(data_dir) != db.parent:
        return Path(data_dir) / "archive"
    shared = db.parent / "archive"
    if db.name == DEFAULT_WAREHOUSE_NAME:
        return shared
    own = db.parent / f"{db.stem}-archive"
    if not own.exists() and shared.is_dir() and db.exists():
        return shared
    return own
