"""The headers of every download (documents, attachments, exports, zips), deposit's and the archive's.

``Content-Disposition`` follows RFC 6266 with RFC 8187's encoding: ``filename`` carries a plain ASCII
fallback (letters, digits, ``.``, ``-``, ``_`` and spaces only, so that no client can read a parameter
into it) and ``filename*`` the real name, percent-encoded UTF-8. ``X-Content-Type-Options: nosniff``
keeps browsers to the media type given.
"""

import unicodedata
from urllib.parse import quote

from contracts.files import safe_filename

# RFC 8187 attr-char: what ``filename*`` may carry unencoded.
_ATTR_CHARS = "!#$&+-.^_`|~"
_FALLBACK_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_ ")


def ascii_fallback(filename: str) -> str:
    """The name in plain ASCII: accents dropped, anything else out of ``[A-Za-z0-9.-_ ]`` turned to ``_``."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c in _FALLBACK_CHARS else "_" for c in plain).strip() or "fichier"


def content_disposition(filename: str) -> str:
    """``attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`` for a name made safe first."""
    name = safe_filename(filename)
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"


def download_headers(filename: str) -> dict[str, str]:
    """What every download answer carries: its file name and ``nosniff``."""
    return {"Content-Disposition": content_disposition(filename), "X-Content-Type-Options": "nosniff"}
