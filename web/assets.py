"""Static files fingerprinted, compressed and cached for a year.

Every ``url_for('static', filename=...)`` carries the first 16 hex digits of the file's SHA-256
as ``?v=``: a changed file has a new URL, so a URL's content never changes and browsers keep it
for a year without asking again (``Cache-Control: public, max-age=31536000, immutable``). A
request without ``v``, or with the digest of an older file, gets the current file revalidated on
every use (``no-cache``), so a stale page never pins an old bundle for a year.

Text files (scripts, styles, source maps, SVG, JSON) are sent gzip-compressed to clients that
accept it, with ``Vary: Accept-Encoding``; each is compressed once, when first asked for, and the
compressed bytes are kept (in memory, at most MAX_KEPT_BYTES, dropped when the file changes).
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
REVALIDATE = "no-cache"
DIGEST_LENGTH = 16
#: text kinds worth compressing, and the smallest file worth it
COMPRESSIBLE = frozenset({".js", ".css", ".map", ".svg", ".json", ".txt", ".html", ".mjs"})
MIN_COMPRESS_BYTES = 1024
#: the most compressed bytes one process keeps (the bundles take about 3 MB)
MAX_KEPT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: its identity on disk, its digest, its gzip bytes if kept."""

    stamp: tuple[int, int]  # (mtime_ns, size)
    digest: str
    gzipped: bytes | None = None


class Assets:
    """Digests and compressed copies of the files under one static folder, renewed when a file's
    modification time or size changes (a rebuilt bundle in development gets a new URL at once)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._known: dict[str, Fingerprint] = {}
        self._kept_bytes = 0
        self._lock = threading.Lock()

    def path(self, filename: str) -> Path | None:
        joined = safe_join(str(self.folder), filename)
        return Path(joined) if joined is not None and os.path.isfile(joined) else None

    def fingerprint(self, filename: str) -> Fingerprint | None:
        """The file's fingerprint (None when there is no such file)."""
        path = self.path(filename)
        if path is None:
            return None
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        with self._lock:
            known = self._known.get(filename)
        if known is not None and known.stamp == stamp:
            return known
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH]
        found = Fingerprint(stamp, digest)
        with self._lock:
            old = self._known.get(filename)
            if old is not None and old.gzipped is not None:
                self._kept_bytes -= len(old.gzipped)
            self._known[filename] = found
        return found

    def digest(self, filename: str) -> str | None:
        found = self.fingerprint(filename)
        return found.digest if found is not None else None

    def gzipped(self, filename: str) -> bytes | None:
        """The file gzip-compressed, compressed once and kept; None when it is not worth it."""
        path = self.path(filename)
        found = self.fingerprint(filename)
        if path is None or found is None or path.suffix.lower() not in COMPRESSIBLE or found.stamp[1] < MIN_COMPRESS_BYTES:
            return None
        if found.gzipped is not None:
            return found.gzipped
        data = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
        with self._lock:
            if self._known.get(filename) is found and self._kept_bytes + len(data) <= MAX_KEPT_BYTES:
                self._known[filename] = Fingerprint(found.stamp, found.digest, data)
                self._kept_bytes += len(data)
        return data


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def register(app: Flask) -> Assets:
    """Fingerprint the app's static URLs and serve its static files compressed and cached."""
    assert app.static_folder is not None
    assets = Assets(app.static_folder)
    app.extensions["reglament_assets"] = assets

    @app.url_defaults
    def _fingerprint(endpoint: str | None, values: dict[str, str]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = assets.digest(values["filename"])
            if digest is not None:
                values["v"] = digest

    def static(filename: str) -> Response:
        found, path = assets.fingerprint(filename), assets.path(filename)
        if found is None or path is None:
            abort(404)
        compressed = assets.gzipped(filename) if accepts_gzip() else None
        if compressed is not None:
            response = Response(compressed, headers={"Content-Type": _content_type(filename),
                                                     "Content-Encoding": "gzip"})
            response.set_etag(f"{found.digest}-gz")
        else:  # read whole: the largest bundle is under 2 MB, and no file handle outlives the request
            response = Response(path.read_bytes(), headers={"Content-Type": _content_type(filename)})
            response.set_etag(found.digest)
        response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == found.digest else REVALIDATE
        response.vary.add("Accept-Encoding")
        response.make_conditional(request)
        return response

    app.view_functions["static"] = static
    return assets


def _content_type(filename: str) -> str:
    kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind in (
        "application/javascript", "application/json") else kind
