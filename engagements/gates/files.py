"""What an evidence file is: its type judged from its bytes, never its name, and the name it is
kept and downloaded under (engagements/gates/evidence.py stores it)."""

import posixpath
import unicodedata
from typing import NamedTuple

import filetype
from django.conf import settings

from engagements.models import TaskEvidence
from fasttrack import bounds


class FileType(NamedTuple):
    """A kind of file EVIDENCE_ALLOWED_TYPES may name (by its key in FILE_TYPES)."""

    mime: str
    # What `filetype` names such bytes; None for text, which has no signature (_is_plain_text).
    signature: str | None
    # The extensions a file of this type is kept under, the first unless it was typed another.
    extensions: tuple[str, ...]


FILE_TYPES = {
    "pdf": FileType("application/pdf", "pdf", (".pdf",)),
    "png": FileType("image/png", "png", (".png",)),
    "jpeg": FileType("image/jpeg", "jpg", (".jpg", ".jpeg")),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        (".docx",),
    ),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", (".xlsx",)
    ),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        (".pptx",),
    ),
    "zip": FileType("application/zip", "zip", (".zip",)),
    "txt": FileType("text/plain", None, (".txt",)),
    "csv": FileType("text/csv", None, (".csv",)),
}
_TEXT_TYPES = ("txt", "csv")
# Enough for every signature filetype knows, and for telling text from markup.
HEAD_BYTES = 8192


def _is_plain_text(head: bytes) -> bool:
    """UTF-8 text without control characters other than line breaks and tabs, and not markup:
    HTML, SVG or XML named .txt would still be a page a browser runs if it were ever shown."""
    try:
        # The head may cut a character in two: ignore only an incomplete one at the end.
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:
            return False
        text = head[: error.start].decode("utf-8")
    if any(unicodedata.category(char) == "Cc" and char not in "\t\r\n\f" for char in text):
        return False
    return not text.lstrip("\ufeff \t\r\n").startswith("<")


def sniff_type(head: bytes, name: str) -> str | None:
    """The allowed type the bytes are, or None. The name only picks between the two text
    types (a CSV file and a text file look alike); it never makes bytes acceptable."""
    allowed = [code for code in settings.EVIDENCE_ALLOWED_TYPES if code in FILE_TYPES]
    guessed = filetype.guess(head)
    if guessed is not None:
        return next(
            (code for code in allowed if FILE_TYPES[code].signature == guessed.extension), None
        )
    texts = [code for code in _TEXT_TYPES if code in allowed]
    if not texts or not _is_plain_text(head):
        return None
    by_name = posixpath.splitext(name)[1].lower().lstrip(".")
    return by_name if by_name in texts else texts[0]


def safe_file_name(name: str, code: str) -> str:
    """The name a person's browser sent, as a label only: its last path part, without control
    or bidi characters, under an extension of the type `code` its bytes were judged to be (a
    page named .html that is judged text is kept, and downloaded, as .txt), cut to the bound."""
    name = posixpath.basename(name.replace("\\", "/"))
    name = "".join(
        char
        for char in name
        if unicodedata.category(char) != "Cc" and char not in bounds.BIDI_CONTROLS
    ).strip(" .")
    stem, typed = posixpath.splitext(name)
    extensions = FILE_TYPES[code].extensions
    extension = typed if typed.lower() in extensions else extensions[0]
    return (stem or "file")[: bounds.FILE_NAME_MAX_LENGTH - len(extension)] + extension


def download_name(evidence: TaskEvidence) -> str:
    """The name a stored file downloads under: the one kept, under the extension of the type
    it was judged to be, also for a file kept before names followed that type."""
    code = next(
        (code for code, kind in FILE_TYPES.items() if kind.mime == evidence.content_type), None
    )
    # A type the portal no longer knows keeps the name it was stored under.
    return evidence.original_name if code is None else safe_file_name(evidence.original_name, code)
