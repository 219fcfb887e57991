"""hls.js in Debian's headless Chromium, driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from playwright.async_api import Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
HLS_JS = Path(__file__).resolve().parents[2] / "live_player" / "node_modules/hls.js/dist/hls.min.js"
# The low-latency settings docs/live.md recommends (about 2 s glass to glass).
PLAYER = """(url) => {
  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; document.body.appendChild(video);
  const hls = new Hls({liveSyncDurationCount: 1, liveMaxLatencyDurationCount: 3,
                       maxLiveSyncPlaybackRate: 1.5});
  window.hls = hls; window.video = video; window.errors = [];
  hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) window.errors.push(data.details); });
  hls.loadSource(url); hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
}"""


@contextlib.asynccontextmanager
async def player_page(origin: str) -> AsyncIterator[Page]:
    """A page on ``origin`` with hls.js loaded."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            page = await browser.new_page()
            await page.goto(origin + "/healthz")
            await page.add_script_tag(path=str(HLS_JS))
            yield page
        finally:
            await browser.close()


async def state(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(
        """() => ({time: video.currentTime, height: video.videoHeight, errors: window.errors,
                  levels: hls.levels.map(l => l.height), level: hls.currentLevel,
                  buffered: video.buffered.length ? video.buffered.end(video.buffered.length - 1) : 0})"""
    )
    return result
