"""The web client's pages: rendered on the server from the read models (useful before any
script runs), each with one bundled script and a strict Content-Security-Policy.

Every page is the same for everyone who opens it; what depends on the signed-in user (the
studio, a PRIVATE video its owner opens, the comment form) the page's script adds with the
user's access token.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.response import Template

from kino.bootstrap.container import Container, SessionCookies
from kino.domain.chat import MAX_BODY_LENGTH as MAX_CHAT_MESSAGE
from kino.domain.errors import UnauthenticatedError
from kino.domain.identity import (
    MAX_DISPLAY_NAME_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_HANDLE_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
)
from kino.http.web.assets import WebAssets
from kino.http.web.viewer import PERSONAL, VARY, page_viewer
from kino.http.web.views import CATALOG_PAGE, PageData, VideoCard
from kino.queries.cursors import encode_cursor
from kino.queries.videos import PageRequest

MAX_QUERY = 200
HttpRequest = Request[Any, Any, Any]
# The registration form says and enforces what the domain will check.
REGISTER_LIMITS = {
    "email": MAX_EMAIL_LENGTH,
    "handle": MAX_HANDLE_LENGTH,
    "display_name": MAX_DISPLAY_NAME_LENGTH,
    "password_min": MIN_PASSWORD_LENGTH,
    "password_max": MAX_PASSWORD_LENGTH,
}


def render(
    request: HttpRequest,
    assets: WebAssets,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    frame_ancestors: str = "'none'",
) -> Template:
    """``templates/<page>.html`` with the page's script and the security headers."""
    values = {
        "page": page,
        "script": assets.script(page),
        "built": assets.built,
        "signed_in": request.cookies.get(SessionCookies.signed_in_cookie) == "1",
        **(context or {}),
    }
    headers = {
        "Content-Security-Policy": assets.content_security_policy(frame_ancestors=frame_ancestors),
        "Cache-Control": "no-cache",
        "X-Frame-Options": "DENY" if frame_ancestors == "'none'" else "",
    }
    return Template(
        template_name=f"{page}.html",
        context=values,
        status_code=status,
        headers={name: value for name, value in headers.items() if value},
    )


def not_found(request: HttpRequest, assets: WebAssets, what: str) -> Template:
    return render(request, assets, "not_found", {"what": what}, status=404)


def missing_video(
    request: HttpRequest, assets: WebAssets, video_id: str, *, status: int = 404
) -> Template:
    page = render(request, assets, "watch", {"video": None, "video_id": video_id}, status=status)
    page.headers.update(VARY)
    return page


def parse_uuid(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


class PagesController(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: HttpRequest, container: Container, assets: WebAssets) -> Template:
        data = PageData(container)
        context = {"videos": await data.latest(), "streams": await data.live_now()}
        return render(request, assets, "home", context)

    @get("/search")
    async def search(
        self, request: HttpRequest, container: Container, assets: WebAssets, q: str = ""
    ) -> Template:
        query = " ".join(q.split())[:MAX_QUERY]
        videos: list[VideoCard] = []
        more = False
        if query:
            videos, more = await PageData(container).catalog(
                PageRequest(first=CATALOG_PAGE, search=query)
            )
        end = encode_cursor(videos[-1].created_at, UUID(videos[-1].id)) if videos else None
        context = {"query": query, "videos": videos, "has_more": more, "end_cursor": end}
        return render(request, assets, "search", context)

    @get("/watch/{video_id:str}")
    async def watch(
        self,
        request: HttpRequest,
        container: Container,
        assets: WebAssets,
        video_id: str,
    ) -> Template:
        data = PageData(container)
        try:
            viewer = await page_viewer(request, container)
        except UnauthenticatedError:  # the script's token had expired: it refreshes, asks again
            return missing_video(request, assets, video_id, status=401)
        video = await data.watchable_by(video_id, viewer)
        if video is None:
            # Perhaps PRIVATE: the page's script asks again as the signed-in user.
            page = missing_video(request, assets, video_id)
        else:
            context = {
                "video": video,
                "video_id": video_id,
                "comments": await data.comments(UUID(video.card.id)),
                "public_url": container.settings.public_url,
            }
            page = render(request, assets, "watch", context)
        page.headers.update({**VARY, **(PERSONAL if viewer else {})})
        return page

    @get("/embed/{video_id:str}")
    async def embed(
        self,
        request: HttpRequest,
        container: Container,
        assets: WebAssets,
        video_id: str,
    ) -> Template:
        video = await PageData(container).watchable_by(video_id)
        status = 200 if video else 404
        return render(
            request, assets, "embed", {"video": video}, status=status, frame_ancestors="*"
        )

    @get("/channel/{handle:str}")
    async def channel(
        self, request: HttpRequest, container: Container, assets: WebAssets, handle: str
    ) -> Template:
        data = PageData(container)
        user = await data.user(handle[:64])
        if user is None:
            return not_found(request, assets, "channel")
        videos, more = await data.catalog(PageRequest(first=CATALOG_PAGE, owner_handle=user.handle))
        context = {"owner": user, "videos": videos, "has_more": more}
        return render(request, assets, "channel", context)

    @get(["/live/{stream_id:str}", "/live/{stream_id:str}/chat"])
    async def live(
        self, request: HttpRequest, container: Container, assets: WebAssets, stream_id: str
    ) -> Template:
        data = PageData(container)
        wanted = parse_uuid(stream_id)
        stream = await data.stream(wanted) if wanted else None
        if stream is None or wanted is None:
            return not_found(request, assets, "live stream")
        page = "chat" if request.url.path.endswith("/chat") else "live"
        history = await data.chat_history(wanted)
        context = {"stream": stream, "messages": history, "max_message": MAX_CHAT_MESSAGE}
        return render(request, assets, page, context)

    @get(["/upload", "/studio"])
    async def signed_in_tools(self, request: HttpRequest, assets: WebAssets) -> Template:
        return render(request, assets, request.url.path.strip("/"))

    @get("/register")
    async def register(self, request: HttpRequest, assets: WebAssets) -> Template:
        return render(request, assets, "register", {"limits": REGISTER_LIMITS})

    @get(["/login", "/auth/callback"])
    async def login(
        self, request: HttpRequest, container: Container, assets: WebAssets
    ) -> Template:
        providers = container.accounts.oidc.names()
        return render(request, assets, "login", {"providers": providers})
