"""Issue 13's last acceptance item: tus-js-client in headless Chromium, on a page of another
origin (its own little server on another port, loading tus-js-client's own build), uploads a
clip to Kino's tusUrl, and the video ends READY with the bytes sent: on the filesystem store
and on S3 (moto's server, multipart)."""

from __future__ import annotations

import functools
import hashlib
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from kino.bootstrap import Endpoints
from kino.infrastructure.settings import S3Settings
from kino.infrastructure.storage.s3 import S3Store
from tests.browser.clips import MIB, noisy_clip
from tests.browser.site import Site, free_socket, own_database, running_site
from tests.browser.uploading import WAIT_MS
from tests.conftest import ADMIN_DATABASE_URL, make_settings

TUS_BUILD = Path(__file__).parents[2] / "kino/web/node_modules/tus-js-client/dist/tus.min.js"
PAGE = """<!doctype html><meta charset="utf-8"><title>Another site</title>
<input type="file" id="file" aria-label="File">
<script src="tus.min.js"></script><script src="send.js"></script>
"""
SEND = """window.send = (url, chunkSize) => new Promise((resolve, reject) => {
  const upload = new tus.Upload(document.getElementById('file').files[0], {
    uploadUrl: url, chunkSize, retryDelays: [0, 1000, 3000],
    onError: (error) => reject(String(error)),
    onSuccess: () => resolve(upload.url),
  });
  upload.start();
});
"""
REGISTER = """mutation($email: String!, $handle: String!) {
  register(email: $email, handle: $handle, password: "correct horse battery staple") {
    accessToken } }"""
CREATE = """mutation($size: Int!) {
  createVideoUpload(title: "From elsewhere", filename: "sea.mp4", sizeBytes: $size,
                    contentType: "video/mp4") { tusUrl video { id } } }"""
STATUS = "query($id: ID!) { video(id: $id) { status failureReason } }"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another origin: a static server on its own port with the page and tus-js-client."""
    root = tmp_path_factory.mktemp("elsewhere")
    (root / "index.html").write_text(PAGE)
    (root / "send.js").write_text(SEND)
    shutil.copy(TUS_BUILD, root / "tus.min.js")
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return noisy_clip(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="module")
def s3_site(
    tmp_path_factory: pytest.TempPathFactory, run_id: str, endpoints: Endpoints
) -> Iterator[Site]:
    """A second Kino whose object store is S3 (moto's server)."""
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    s3 = S3Settings(
        f"http://{host}:{port}", "test", "secret", f"kino-{secrets.token_hex(4)}", False
    )
    try:
        with (
            own_database(ADMIN_DATABASE_URL, f"kino_test_{run_id}_s3web") as database_url,
            free_socket() as sock,
        ):
            own = Endpoints(database_url, endpoints.redis_url, endpoints.nats_url)
            folder = tmp_path_factory.mktemp("s3site")
            settings = make_settings(folder, own, f"kinotest{run_id}s3web", s3=s3)
            with running_site(settings, own, sock, live=False) as running:
                yield running
    finally:
        moto.stop()


@pytest.fixture(params=["filesystem", "s3"])
def store_site(request: pytest.FixtureRequest) -> Site:
    chosen: Site = request.getfixturevalue("site" if request.param == "filesystem" else "s3_site")
    return chosen


def stored_source(site: Site, video_id: str) -> bytes:
    key = f"videos/{video_id}/source"
    if site.settings.s3 is None:
        return (site.settings.data_dir / "objects" / key).read_bytes()
    s3 = site.settings.s3
    store = S3Store(s3.endpoint, s3.access_key, s3.secret_key, s3.bucket, secure=False)
    assert not store.list(f"videos/{video_id}/tus/")  # the multipart state is gone
    return b"".join(store.read(key))


def test_tus_js_client_on_another_origin_uploads_a_clip_that_ends_ready(
    page: Page, store_site: Site, elsewhere: str, clip: Path
) -> None:
    site, handle = store_site, f"t{secrets.token_hex(4)}"
    token = site.gql(REGISTER, {"email": f"{handle}@example.com", "handle": handle})
    access = token["register"]["accessToken"]
    upload = site.gql(CREATE, {"size": clip.stat().st_size}, access)["createVideoUpload"]
    page.goto(f"{elsewhere}/index.html")
    assert page.evaluate("location.origin") != site.url
    page.get_by_label("File").set_input_files(str(clip))
    finished = page.evaluate("([url, chunk]) => window.send(url, chunk)", [upload["tusUrl"], MIB])
    assert finished == upload["tusUrl"]

    video_id = upload["video"]["id"]
    deadline = time.monotonic() + WAIT_MS / 1000
    while (video := site.gql(STATUS, {"id": video_id}, access)["video"])["status"] != "READY":
        assert video["status"] != "FAILED", video["failureReason"]
        assert time.monotonic() < deadline, "the video never became READY"
        time.sleep(0.2)
    assert hashlib.sha256(stored_source(site, video_id)).digest() == (
        hashlib.sha256(clip.read_bytes()).digest()
    )
