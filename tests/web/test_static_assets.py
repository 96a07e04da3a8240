"""Bundles and styles fingerprinted, compressed and cached for a year (issue 16): a page links
each static file with its content digest, that URL is cached as immutable, a changed file gets
a new URL, and clients that accept gzip get it compressed."""
from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

from flask import Flask, url_for

from web import assets

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


def _linked(html: str, filename: str) -> str:
    found = re.search(r'(/static/' + re.escape(filename) + r'\?v=[0-9a-f]{16})"', html)
    assert found, f"{filename} is linked with its digest"
    return found.group(1)


def test_a_page_links_its_style_by_digest_and_that_url_is_kept_for_a_year(client) -> None:
    url = _linked(client.get("/login").get_data(as_text=True), "css/app.css")
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Content-Type"].startswith("text/css")
    original = (STATIC / "css" / "app.css").read_bytes()
    assert gzip.decompress(response.get_data()) == original
    assert len(response.get_data()) < len(original) / 2


def test_the_modeler_bundle_is_sent_compressed_and_revalidated_only_without_its_digest(client) -> None:
    with client.application.test_request_context():
        url = url_for("static", filename="dist/modeler.js")
    assert re.fullmatch(r"/static/dist/modeler\.js\?v=[0-9a-f]{16}", url)
    fresh = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert fresh.headers["Content-Encoding"] == "gzip"
    assert len(fresh.get_data()) < 700_000, "1.7 MB of script travels as about 470 KB"
    for stale in ("/static/dist/modeler.js", "/static/dist/modeler.js?v=0123456789abcdef"):
        response = client.get(stale, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache", "an unknown digest is never kept for a year"
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": fresh.headers["ETag"]})
    assert again.status_code == 304


def test_a_client_that_does_not_accept_gzip_gets_the_plain_file(client) -> None:
    with client.application.test_request_context():
        url = url_for("static", filename="dist/viewer.js")
    response = client.get(url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.get_data() == (STATIC / "dist" / "viewer.js").read_bytes()
    assert client.get("/static/dist/nothing-here.js").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_a_changed_file_gets_a_new_url(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.js"
    bundle.write_text("console.log('one');\n" * 200)
    app = Flask("assets_test", static_folder=str(tmp_path))
    assets.register(app)
    with app.test_request_context():
        first = url_for("static", filename="bundle.js")
    bundle.write_text("console.log('two');\n" * 200)
    os.utime(bundle, ns=(bundle.stat().st_atime_ns, bundle.stat().st_mtime_ns + 1_000_000_000))
    with app.test_request_context():
        second = url_for("static", filename="bundle.js")
    assert first != second
    client = app.test_client()
    assert client.get(second).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(first).headers["Cache-Control"] == "no-cache"
    served = client.get(second, headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(served.get_data()).decode().startswith("console.log('two')")
