"""Publishing to the site's ingest with ffmpeg, as OBS does (H.264 + AAC over RTMP)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator


@contextlib.contextmanager
def publishing(server: str, key: str, seconds: int = 120) -> Iterator[subprocess.Popen[bytes]]:
    """ffmpeg publishing a test pattern and a tone in real time to ``server``/``key``."""
    args = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-f", "flv", f"{server}/{key}",
    ]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=30)
