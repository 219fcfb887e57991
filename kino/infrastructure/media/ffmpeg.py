"""Run ffmpeg as a child process with a timeout, reading ``-progress`` output as it goes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from kino.infrastructure.media.process import child_setup

ProgressCallback = Callable[[float], Awaitable[None]]


class FfmpegError(Exception):
    """ffmpeg failed; ``detail`` is the end of its error output (for logs, not for users)."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(f"{message}: {detail[-500:]}" if detail else message)
        self.detail = detail


async def run_ffmpeg(
    argv: list[str],
    *,
    timeout: float,
    on_progress: ProgressCallback | None = None,
    background: bool = False,
) -> float:
    """Run to completion; returns the last ``out_time`` in seconds (how far it encoded).

    ``background`` runs ffmpeg at a lower CPU priority (long jobs yield to short ones).
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=child_setup(background=background),
    )
    out_time = 0.0

    async def read_progress() -> None:
        nonlocal out_time
        assert process.stdout is not None
        async for raw in process.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key in ("out_time_us", "out_time_ms") and value.isdigit():
                out_time = int(value) / 1_000_000  # both are microseconds in ffmpeg 5
                if on_progress is not None:
                    await on_progress(out_time)

    async def read_errors() -> bytes:
        assert process.stderr is not None
        return await process.stderr.read()

    try:
        async with asyncio.timeout(timeout):
            _, errors = await asyncio.gather(read_progress(), read_errors())
            code = await process.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    if code != 0:
        raise FfmpegError(f"ffmpeg exited with {code}", errors.decode(errors="replace"))
    return out_time
