"""tus 1.0.0 resumable uploads: ``/uploads/tus`` (creation) and ``/uploads/tus/{videoId}``
(the ``tusUrl`` of ``createVideoUpload``: HEAD, PATCH, DELETE; OPTIONS answers what the server
supports). Extensions: creation, creation-with-upload, termination, expiration, checksum.

The upload's own token authorises every request on the resource (``?token=`` as in
``tusUrl``, or an ``Upload-Token`` header); creation needs the user's access token in
``Authorization``. Appends to one upload are serialised across replicas (423 while another
runs); the rules are in ``kino/commands/resumable.py``, the byte handling in ``tus_body``.
"""

from __future__ import annotations

import base64
import binascii
from email.utils import format_datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, head, patch, post, route
from litestar.enums import HttpMethod

from kino.bootstrap.container import Container
from kino.commands.base import run_sync
from kino.commands.resumable import OffsetConflictError, TusUpload, UploadGoneError
from kino.domain.errors import KinoError
from kino.http.errors import error_response
from kino.http.tus_body import CHECKSUMS, receive_append
from kino.http.tus_creation import create_upload

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
OCTETS = "application/offset+octet-stream"


def tus_headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": VERSION, "Cache-Control": "no-store", **extra}


def refusal(status: int, message: str, **headers: str) -> Response[Any]:
    body = {"code": "CONFLICT" if status in {409, 423} else "BAD_USER_INPUT", "message": message}
    return Response(body, status_code=status, headers=tus_headers(**headers))


def kino_refusal(error: KinoError) -> Response[Any]:
    response = error_response(error, 410 if isinstance(error, UploadGoneError) else None)
    response.headers.update(tus_headers())
    return response


def upload_token(request: Request[Any, Any, Any]) -> str:
    return request.query_params.get("token") or request.headers.get("upload-token") or ""


def state_headers(upload: TusUpload) -> dict[str, str]:
    return tus_headers(
        **{
            "Upload-Offset": str(upload.offset),
            "Upload-Length": str(upload.length),
            "Upload-Expires": format_datetime(upload.expires_at, usegmt=True),
        }
    )


def parse_checksum(header: str | None) -> tuple[str, bytes] | str | None:
    """``Upload-Checksum: <algorithm> <base64>``: the pair, None when absent, else an error."""
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        return f"Unsupported checksum algorithm; use one of {', '.join(CHECKSUMS)}."
    try:
        return algorithm, base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return "Upload-Checksum is not valid base64."


class TusController(Controller):
    path = "/uploads/tus"

    @route("/{video_id:uuid}", http_method=[HttpMethod.OPTIONS], status_code=204)
    async def options_upload(self, container: Container, video_id: UUID) -> Response[None]:
        return Response(None, status_code=204, headers=capabilities(container))

    # One handler for OPTIONS and POST: Litestar drops a separate OPTIONS handler on this path.
    @route(
        "/",
        http_method=[HttpMethod.OPTIONS, HttpMethod.POST],
        status_code=201,
        request_max_body_size=None,
    )
    async def create(self, request: Request[Any, Any, Any], container: Container) -> Response[Any]:
        if request.method == HttpMethod.OPTIONS:
            return Response(None, status_code=204, headers=capabilities(container))
        if request.headers.get("tus-resumable") != VERSION:
            return refusal(412, "Tus-Resumable: 1.0.0 is required.", **{"Tus-Version": VERSION})
        created = await create_upload(request, container)
        if isinstance(created, Response):
            created.headers.update(tus_headers())
            return created
        location, video_id = created
        headers = tus_headers(Location=location, **{"Upload-Offset": "0"})
        if request.headers.get("content-type") == OCTETS:  # creation-with-upload
            token = location_token(location)
            answer = await self.append(request, container, video_id, token, creating=True)
            if answer.status_code != 204:
                return answer
            headers.update({"Upload-Offset": answer.headers["Upload-Offset"]})
        return Response(None, status_code=201, headers=headers)

    @head("/{video_id:uuid}")
    async def status(
        self, request: Request[Any, Any, Any], container: Container, video_id: UUID
    ) -> Response[None]:
        if request.headers.get("tus-resumable") != VERSION:
            return Response(None, status_code=412, headers=tus_headers(**{"Tus-Version": VERSION}))
        resumable = container.videos.resumable
        try:
            upload = await run_sync(resumable.status, upload_token(request), video_id)
            if not upload.completed and upload.offset == upload.length:
                await run_sync(resumable.finish, upload)  # a crash came between the two
        except KinoError as error:
            return Response(
                None, status_code=kino_refusal(error).status_code, headers=tus_headers()
            )
        return Response(None, status_code=200, headers=state_headers(upload))

    @patch("/{video_id:uuid}", status_code=200, request_max_body_size=None)
    async def patch(
        self, request: Request[Any, Any, Any], container: Container, video_id: UUID
    ) -> Response[Any]:
        return await self.append(request, container, video_id, upload_token(request))

    @post("/{video_id:uuid}", status_code=200, request_max_body_size=None)
    async def overridden(
        self, request: Request[Any, Any, Any], container: Container, video_id: UUID
    ) -> Response[Any]:
        """``X-HTTP-Method-Override`` for clients that cannot send PATCH or DELETE."""
        method = request.headers.get("x-http-method-override", "").upper()
        if method == "PATCH":
            return await self.append(request, container, video_id, upload_token(request))
        if method == "DELETE":
            return await terminate(request, container, video_id)
        return refusal(405, "POST here needs X-HTTP-Method-Override: PATCH or DELETE.")

    @delete("/{video_id:uuid}", status_code=200)
    async def terminate(
        self, request: Request[Any, Any, Any], container: Container, video_id: UUID
    ) -> Response[Any]:
        return await terminate(request, container, video_id)

    async def append(
        self,
        request: Request[Any, Any, Any],
        container: Container,
        video_id: UUID,
        token: str,
        *,
        creating: bool = False,  # creation-with-upload: the body starts at 0
    ) -> Response[Any]:
        headers = request.headers
        if headers.get("tus-resumable") != VERSION:
            return refusal(412, "Tus-Resumable: 1.0.0 is required.", **{"Tus-Version": VERSION})
        if headers.get("content-type") != OCTETS:
            return refusal(415, f"A PATCH carries Content-Type: {OCTETS}.")
        offset = "0" if creating else headers.get("upload-offset", "")
        if not offset.isdigit():
            return refusal(400, "Upload-Offset must be a number of bytes.")
        checksum = parse_checksum(headers.get("upload-checksum"))
        if isinstance(checksum, str):
            return refusal(400, checksum)
        async with container.videos.upload_locks.hold(video_id) as held:
            if not held:
                return refusal(423, "Another request is writing to this upload.")
            try:
                append = await run_sync(
                    container.videos.resumable.begin, token, video_id, int(offset)
                )
            except OffsetConflictError as conflict:
                return refusal(409, conflict.message, **{"Upload-Offset": str(conflict.offset)})
            except KinoError as error:
                return kino_refusal(error)
            outcome = await receive_append(request, append, checksum)
        if isinstance(outcome, int):
            return Response(
                None,
                status_code=204,
                headers=tus_headers(
                    **{
                        "Upload-Offset": str(outcome),
                        "Upload-Expires": format_datetime(append.upload.expires_at, usegmt=True),
                    }
                ),
            )
        return refusal(*outcome)


async def terminate(
    request: Request[Any, Any, Any], container: Container, video_id: UUID
) -> Response[Any]:
    if request.headers.get("tus-resumable") != VERSION:
        return refusal(412, "Tus-Resumable: 1.0.0 is required.", **{"Tus-Version": VERSION})
    resumable = container.videos.resumable
    async with container.videos.upload_locks.hold(video_id) as held:
        if not held:
            return refusal(423, "Another request is writing to this upload.")
        try:
            await run_sync(resumable.terminate, upload_token(request), video_id)
        except KinoError as error:
            return kino_refusal(error)
    return Response(None, status_code=204, headers=tus_headers())


def location_token(location: str) -> str:
    return location.partition("?token=")[2]


def capabilities(container: Container) -> dict[str, str]:
    return tus_headers(
        **{
            "Tus-Version": VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(container.settings.videos.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
        }
    )
