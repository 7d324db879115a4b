"""Multipart requests (deposits, completions): their files are spooled to disk by Starlette's parser
(in memory up to 64 KiB each, on disk beyond), then read back chunk by chunk to be hashed and stored —
never held whole in memory. The request's total size is bounded before that, while it streams in
(``messaging.body_limit``)."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import BinaryIO

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from contracts.files import safe_filename, served_type
from deposit.domain.errors import Refusal, RefusalKind
from deposit.usecases.commands import Upload

# The non-file parts (the `piece` JSON, a `commentaire`) are small: Starlette holds them in memory.
FIELD_MAX_BYTES = 64 * 1024
# What a multipart request may carry beyond its files: the `piece` part, part headers, boundaries.
MULTIPART_ALLOWANCE = 1024 * 1024
_BLOCK = 1024 * 1024
PDF = "application/pdf"  # the document's type: it is refused unless it is one


class _SpoolingParser(MultiPartParser):
    # Starlette keeps a file in memory up to 1 MiB: twenty small attachments would be a whole request
    # held in memory. 64 KiB each at most, the rest on disk.
    spool_max_size = FIELD_MAX_BYTES


async def _parse(request: Request, max_files: int) -> FormData:
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":  # no parts at all: the use case says which one is missing
        return await request.form(max_files=max_files, max_part_size=FIELD_MAX_BYTES)
    async with aclosing(request.stream()) as stream:
        parser = _SpoolingParser(request.headers, stream, max_files=max_files, max_part_size=FIELD_MAX_BYTES)
        return await parser.parse()


@asynccontextmanager
async def multipart_form(request: Request, max_files: int) -> AsyncIterator[FormData]:
    """The parsed form, its spooled files closed (and deleted) when the block ends."""
    try:
        form = await _parse(request, max_files)
    except (MultiPartException, StarletteHTTPException) as exc:
        detail = exc.message if isinstance(exc, MultiPartException) else str(exc.detail)
        raise Refusal("multipart_invalide", "Requête multipart illisible", detail, RefusalKind.MALFORMED) from None
    try:
        yield form
    finally:
        await form.close()


def _describe(source: BinaryIO) -> tuple[int, str, bytes]:
    """Size, SHA-256 and first bytes of a spooled file, read block by block; left rewound."""
    source.seek(0)
    digest, size, head = hashlib.sha256(), 0, b""
    while block := source.read(_BLOCK):
        head = head or block[:8]
        digest.update(block)
        size += len(block)
    source.seek(0)
    return size, digest.hexdigest(), head


async def upload_of(file: UploadFile, default_name: str, media_type: str | None = None) -> Upload:
    """A file part as the use cases take it: a safe name, the type it will be served with (``media_type``,
    else the one its extension gives, never what the client declared), its size and SHA-256 (read from the
    spool in a worker thread), and the spool to store it from."""
    name = safe_filename(file.filename, default_name)
    size, sha256, head = await asyncio.to_thread(_describe, file.file)
    return Upload(name, media_type or served_type(name), size, sha256, head, file.file)


async def read_field(part: str | UploadFile | None) -> str | None:
    """A text part, also when a client sent it as a file part (bounded like a text part)."""
    if not isinstance(part, UploadFile):
        return part
    if (part.size or 0) > FIELD_MAX_BYTES:
        raise Refusal(
            "requete_trop_volumineuse",
            "Requête trop volumineuse",
            f"La partie « {part.filename or 'piece'} » dépasse {FIELD_MAX_BYTES} octets.",
            RefusalKind.TOO_LARGE,
        )
    return (await part.read()).decode("utf-8", errors="replace")
