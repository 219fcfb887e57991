"""The pages' scripts go out compressed and cached for good (Lighthouse's "text compression"
and "efficient cache policy"); decoded, they are the very same script."""

from __future__ import annotations

import re

import httpx

from tests.browser.site import Site


def test_scripts_are_sent_compressed_and_immutable(site: Site) -> None:
    page = httpx.get(f"{site.url}/login").text
    script = re.search(r'<script type="module" src="(/static/build/[^"]+)"', page)
    assert script, page
    url = f"{site.url}{script.group(1)}"
    plain = httpx.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for encoding in ("gzip", "br"):
        answer = httpx.get(url, headers={"Accept-Encoding": encoding})
        assert answer.headers["content-encoding"] == encoding
        assert answer.headers["content-type"].startswith("text/javascript")
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["vary"] == "Accept-Encoding"
    gzipped = httpx.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.content == plain.content  # httpx decodes gzip
    assert int(gzipped.headers["content-length"]) < len(plain.content)
    assert httpx.get(f"{site.url}/static/build/nothing-here.js").status_code == 404
