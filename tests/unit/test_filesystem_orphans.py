"""A temporary file whose writer was killed mid-write is removed when a store opens next.

Found by the chaos campaign (bench/chaos): a kill -9 left a file in the filesystem store's
``.staging`` folder, where only files older than a day were removed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kino.infrastructure.storage.filesystem import FilesystemStore

STAGE_THEN_DIE = """
import os, sys
from pathlib import Path
from kino.infrastructure.storage.filesystem import FilesystemStore
print(FilesystemStore(Path(sys.argv[1]))._stage(), flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_file_left_by_a_killed_writer_is_removed_when_a_store_opens(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", STAGE_THEN_DIE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    left = Path(child.stdout.strip())
    assert child.returncode == -9
    assert left.is_file()  # the writer died before moving it into place

    FilesystemStore(tmp_path)  # a process starting again (any of them)

    assert not left.exists()


def test_a_file_of_a_running_writer_stays(tmp_path: Path) -> None:
    staged = FilesystemStore(tmp_path)._stage()

    FilesystemStore(tmp_path)

    assert staged.is_file()
