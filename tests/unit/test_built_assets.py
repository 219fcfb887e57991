"""The bundled scripts go out compressed when the browser accepts it, and only files of the
build folder go out at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.exceptions import NotFoundException

from kino.http.web.built import accepted, pick


@pytest.fixture
def build(tmp_path: Path) -> Path:
    folder = tmp_path / "build"
    folder.mkdir()
    for name in ("page-ABC.js", "page-ABC.js.br", "page-ABC.js.gz", "only-plain.js"):
        (folder / name).write_text(name)
    (tmp_path / "secret.txt").write_text("not for the web")
    return folder


def test_the_smallest_accepted_encoding_is_sent(build: Path) -> None:
    assert pick("page-ABC.js", "gzip, deflate, br, zstd", build) == (
        build / "page-ABC.js.br",
        "br",
    )
    assert pick("page-ABC.js", "gzip", build) == (build / "page-ABC.js.gz", "gzip")
    assert pick("page-ABC.js", "br;q=0, gzip;q=0.5", build) == (build / "page-ABC.js.gz", "gzip")
    assert pick("page-ABC.js", "", build) == (build / "page-ABC.js", None)
    assert pick("only-plain.js", "br, gzip", build) == (build / "only-plain.js", None)


@pytest.mark.parametrize("name", ["../secret.txt", "missing.js", "page-ABC.js.br", "."])
def test_nothing_else_is_served(build: Path, name: str) -> None:
    with pytest.raises(NotFoundException):
        pick(name, "br", build)


def test_accept_encoding_is_read_with_its_weights() -> None:
    assert accepted("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted("br;q=0, gzip ; q=1") == {"gzip"}
    assert accepted("") == set()
