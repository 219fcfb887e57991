"""The web client: a few static pages that talk to /graphql."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def _page(name: str) -> Response[bytes]:
    return Response(
        (STATIC / name).read_bytes(),
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


def page_routes() -> list[ControllerRouterHandler]:
    @get(
        ["/", "/upload", "/watch/{video_id:str}", "/live/{stream_id:str}"],
        include_in_schema=False,
        sync_to_thread=False,
    )
    def app_page() -> Response[bytes]:
        return _page("index.html")

    @get(["/login", "/auth/callback"], include_in_schema=False, sync_to_thread=False)
    def login_page() -> Response[bytes]:
        return _page("login.html")

    static = create_static_files_router(
        path="/static", directories=[STATIC], include_in_schema=False
    )
    return [app_page, login_page, static]
