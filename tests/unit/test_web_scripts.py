"""The web client's own module tests (``kino/web/tests/*.test.js``), run by Node's test runner:
logic that needs no browser, such as how the chat merges its history."""

from __future__ import annotations

import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "kino" / "web"


def test_the_web_modules_pass_their_node_tests() -> None:
    tests = sorted(str(path) for path in (WEB / "tests").glob("*.test.js"))
    assert tests, "no module tests found"
    result = subprocess.run(
        ["node", "--test", *tests], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
