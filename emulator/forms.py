"""Reading a knowledge-base upload (`multipart/form-data`, or a urlencoded form) from a body."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from emulator.dialects.base import Upload
from emulator.http import Request
from emulator.validation import InputError


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body
    yield b""


async def read_upload(request: Request) -> Upload:
    """The `name`, `url` and `file` fields of the form; a bad form is `InputError`."""
    headers = Headers(raw=request.headers)
    content_type = headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/form-data"):
            form = await MultiPartParser(headers, _once(request.body)).parse()
        else:
            form = await FormParser(headers, _once(request.body)).parse()
    except MultiPartException as exc:
        raise InputError(("body",), str(exc), "value_error") from None
    name, url, upload = form.get("name"), form.get("url"), form.get("file")
    file_name, size = None, 0
    if isinstance(upload, UploadFile):
        file_name = upload.filename or "upload"
        size = len(await upload.read())
        await upload.close()
    return Upload(
        name=name if isinstance(name, str) and name else None,
        url=url if isinstance(url, str) and url else None,
        file_name=file_name,
        size=size,
    )
