"""The time from navigation to the first decoded video frame, in Chromium driven by
Playwright: Kino's watch page against a bare page with hls.js playing the same playlist.

Both start playing at once (muted autoplay). An init script times the page's first
``loadeddata`` (the first frame decoded; on Kino's page inside hls-video's shadow root) and the
``requestVideoFrameCallback`` that follows it (the first frame presented), on the page's
clock: milliseconds since navigation start.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
HLS_JS = Path(__file__).resolve().parents[1] / "kino/web/node_modules/hls.js/dist/hls.min.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
# Runs before the page's own scripts. Playback starts muted at once (Kino's hls-video gets
# autoplay and muted as the parser adds it; the bare page's <video> has them). A capturing
# listener on the document and on every shadow root (hls-video keeps its <video> in one)
# times `loadeddata`, then asks that video for its next presented frame.
FIRST_FRAME = """
(() => {
  const timed = (event) => {
    if (window.kinoLoadedData !== undefined || !(event.target instanceof HTMLVideoElement)) return;
    window.kinoLoadedData = performance.now();
    event.target.requestVideoFrameCallback(() => { window.kinoFirstFrame = performance.now(); });
  };
  const watch = (root) => root.addEventListener('loadeddata', timed, true);
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (...args) {
    const root = attachShadow.apply(this, args);
    watch(root);
    return root;
  };
  watch(document);
  new MutationObserver(() => {
    const host = document.querySelector('hls-video:not([autoplay])');
    if (host) { host.setAttribute('muted', ''); host.setAttribute('autoplay', ''); }
  }).observe(document, { childList: true, subtree: true });
})();
"""
BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hls.js</title></head>
<body><video muted autoplay playsinline width="1280" height="720"></video>
<script src="/hls.min.js"></script>
<script>
  const hls = new Hls();
  hls.loadSource(new URLSearchParams(location.search).get('src'));
  hls.attachMedia(document.querySelector('video'));
</script></body></html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def bare_page_server(folder: Path) -> Iterator[str]:
    """A static server for the baseline page and hls.js (the build Kino bundles)."""
    (folder / "index.html").write_text(BARE_PAGE)
    (folder / "hls.min.js").write_bytes(HLS_JS.read_bytes())
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def first_frame(browser: Browser, url: str) -> tuple[float, float]:
    """(first frame, loadeddata) in ms after navigation start, with a cold cache."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        context.add_init_script(FIRST_FRAME)
        page = context.new_page()
        page.goto(url)
        frame = page.evaluate(
            """async () => {
              while (window.kinoFirstFrame === undefined) {
                await new Promise((resolve) => setTimeout(resolve, 10));
              }
              return [window.kinoFirstFrame, window.kinoLoadedData ?? NaN];
            }"""
        )
        return float(frame[0]), float(frame[1])
    finally:
        context.close()


def compare(watch_url: str, playlist_url: str, runs: int, folder: Path) -> dict[str, list[float]]:
    """First-frame times of Kino's watch page and of the bare page, alternating runs."""
    times: dict[str, list[float]] = {
        "kino": [],
        "kino loadeddata": [],
        "bare": [],
        "bare loadeddata": [],
    }
    with bare_page_server(folder) as bare, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        bare_url = f"{bare}/index.html?src={quote(playlist_url, safe='')}"
        first_frame(browser, watch_url)  # warm the server and the disk cache once
        first_frame(browser, bare_url)
        for _ in range(runs):
            for name, url in (("kino", watch_url), ("bare", bare_url)):
                frame, loaded = first_frame(browser, url)
                times[name].append(frame)
                times[f"{name} loadeddata"].append(loaded)
        browser.close()
    return times


def median(samples: list[float]) -> float:
    known = [sample for sample in samples if sample == sample]  # NaN: not seen
    return statistics.median(known) if known else float("nan")
