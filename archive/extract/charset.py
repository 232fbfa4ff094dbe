"""Decode an HTML response body and parse it (part of :mod:`archive.extract`).

The body is decoded following the encoding sniffing algorithm of the HTML Living Standard
(BOM, transport-layer charset, ``<meta>`` prescan), with a verification step: a declared
charset under which the bytes do not decode, or a legacy label on valid multi-byte UTF-8, is
overridden, and charset-normalizer is consulted only when nothing declared fits. Bodies that
are no HTML (binary magic, a non-HTML media type, control bytes) are told apart first.
"""
from __future__ import annotations

import codecs
import functools
import re

import lxml.etree
import lxml.html


# --------------------------------------------------------------------------------------
# Decoding (HTML Living Standard, "determining the character encoding")
# --------------------------------------------------------------------------------------

#: Labels that the Encoding Standard maps to another decoder than Python's namesake.
_WHATWG_ALIASES = {
    "ascii": "windows-1252", "us-ascii": "windows-1252", "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252", "iso_8859-1": "windows-1252", "latin1": "windows-1252",
    "latin-1": "windows-1252", "l1": "windows-1252", "cp819": "windows-1252",
    "ibm819": "windows-1252", "iso-ir-100": "windows-1252", "x-cp1252": "windows-1252",
    "iso-8859-9": "windows-1254", "iso8859-9": "windows-1254", "latin5": "windows-1254",
    "iso-8859-11": "cp874", "tis-620": "cp874", "windows-874": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030",
    "big5": "big5hkscs", "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932",
    "x-sjis": "cp932", "windows-31j": "cp932", "ms_kanji": "cp932",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "iso-8859-8-i": "iso-8859-8",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    # A <meta> that says UTF-16 in an ASCII-compatible byte stream means UTF-8.
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8",
}
#: Python codec names of the single-byte legacy encodings (every byte decodes to something).
_SINGLE_BYTE = re.compile(r"^(cp125\d|cp874|cp437|cp85\d|iso8859[-_]\d+|koi8[-_]\w|mac[-_]\w+)$")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([-\w.:]+)""", re.I)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
#: Bytes scanned for <meta charset>; the standard says 1024, real pages put it later.
_PRESCAN_BYTES = 8192


def _codec_name(label: str | None) -> str | None:
    """Return the Python codec for an encoding label (Encoding Standard aliases applied)."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _public_name(codec: str) -> str:
    """Return the IANA/WHATWG spelling of a Python codec name (``cp1252`` -> ``windows-1252``)."""
    if re.fullmatch(r"cp125\d", codec):
        return "windows-" + codec[2:]
    if match := re.fullmatch(r"iso8859[-_](\d+)", codec):
        return f"iso-8859-{match.group(1)}"
    return {"cp874": "windows-874", "cp932": "shift_jis", "cp949": "euc-kr",
            "euc_kr": "euc-kr", "big5hkscs": "big5", "mac-roman": "macintosh"}.get(codec, codec.replace("_", "-"))


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(body: bytes) -> bool:
    """True when the bytes are UTF-8 apart from a few stray bytes (or a cut-off tail)."""
    valid = len(_UTF8_MULTIBYTE.findall(body))
    if not valid:
        return False
    errors = body.decode("utf-8", "replace").count("\ufffd") - body.decode("utf-8", "ignore").count("\ufffd")
    return errors <= max(2, valid // 50)


def _detect(body: bytes) -> tuple[str, str] | None:
    """Guess the charset with charset-normalizer; ``(text, codec)`` or ``None``."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return None
    best = from_bytes(body).best()
    if best is None:
        return None
    codec = _codec_name(best.encoding) or "utf-8"
    # The Encoding Standard decodes every Latin-1 label as windows-1252; prefer it when it
    # decodes cleanly (it maps 0x80-0x9F to typographic quotes and dashes, not controls).
    if codec in ("iso8859-1", "iso8859-15", "cp1252") and (text := _strict(body, "cp1252")) is not None:
        return text, "cp1252"
    text = _strict(body, codec)
    if text is None:
        return str(best), codec
    if _SINGLE_BYTE.match(codec) and _strict(body, "cp1252") == text:
        return text, "cp1252"  # the same characters either way: name the common one
    return text, codec


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML entity body to text.

    Follows the encoding sniffing algorithm of the HTML Living Standard (BOM first, then
    the transport-layer ``charset`` of the HTTP ``Content-Type`` header, then a prescan for
    ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` and the XML declaration), with
    labels mapped as the WHATWG Encoding Standard does (``iso-8859-1`` -> ``windows-1252``).
    A declared charset is verified: when the bytes do not decode under it, or when a legacy
    single-byte label is given to bytes that are valid multi-byte UTF-8, it is overridden;
    with nothing usable declared, valid UTF-8 wins, then charset-normalizer's guess. A page
    that decodes cleanly in its true charset never yields U+FFFD.

    Args:
        body: The entity body, already decoded from any Content-Encoding (e.g. un-gzipped)
            but not charset-decoded.
        content_type: The HTTP ``Content-Type`` header value, if any.

    Returns:
        ``(text, encoding)`` where ``encoding`` is the IANA/WHATWG name of the charset used
        (e.g. ``"utf-8"``, ``"windows-1252"``).
    """
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, "replace"), codec
    declared: list[str] = []
    header_match = _CT_CHARSET.search(content_type or "")
    head = body[:_PRESCAN_BYTES]
    for label in (header_match.group(1) if header_match else None,
                  *(m.group(1).decode("ascii", "ignore") for m in _META_CHARSET.finditer(head)),
                  *(m.group(1).decode("ascii", "ignore") for m in [_XML_ENCODING.match(head)] if m)):
        name = _codec_name(label)
        if name and name not in declared and not name.startswith("utf-16") and name != "utf-32":
            declared.append(name)
    if body.isascii():
        codec = next((c for c in declared if _strict(b"<a>", c) == "<a>"), "utf-8")
        return body.decode("ascii"), _public_name(codec)
    utf8 = _strict(body, "utf-8")
    for codec in declared:
        if codec == "utf-8":
            if utf8 is not None:
                return utf8, "utf-8"
            if _mostly_utf8(body):
                return body.decode("utf-8", "replace"), "utf-8"
            continue
        if utf8 is not None and _SINGLE_BYTE.match(codec):
            # Valid multi-byte UTF-8 is next to impossible in real legacy text: mislabelled.
            return utf8, "utf-8"
        text = _strict(body, codec)
        if text is not None:
            return text, _public_name(codec)
    if utf8 is not None:
        return utf8, "utf-8"
    if _mostly_utf8(body) and "utf-8" in declared:
        return body.decode("utf-8", "replace"), "utf-8"
    detected = _detect(body)
    if detected is not None:
        return detected[0], _public_name(detected[1])
    if "utf-8" in declared or _mostly_utf8(body):
        return body.decode("utf-8", "replace"), "utf-8"
    return body.decode("cp1252", "replace"), "windows-1252"


# --------------------------------------------------------------------------------------
# Input checks and parsing
# --------------------------------------------------------------------------------------

_BINARY_MAGIC = (
    b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"PK\x03\x04", b"\x1f\x8b",
    b"BZh", b"7z\xbc\xaf", b"RIFF", b"OggS", b"ID3", b"fLaC", b"wOFF", b"wOF2", b"\x7fELF",
    b"\x00\x00\x01\x00", b"%!PS", b"{\\rtf", b"\xd0\xcf\x11\xe0", b"\x28\xb5\x2f\xfd",
)
_NON_HTML_TYPES = re.compile(r"^\s*(image|audio|video|font|model)/|^\s*application/(pdf|zip|gzip|x-|vnd\.|msword|octet-stream|postscript|rtf|wasm)", re.I)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_TAG = re.compile(rb"<(?:[a-zA-Z!/?])")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _not_html_reason(body: bytes, content_type: str | None) -> str | None:
    """Return why ``body`` is no HTML document, or ``None`` when it may be one."""
    head = body[:4096]
    stripped = head.lstrip()
    if any(stripped.startswith(magic) for magic in _BINARY_MAGIC):
        return "not HTML"
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return None  # UTF-16: NUL bytes are expected
    if content_type and _NON_HTML_TYPES.search(content_type) and not re.search(rb"(?i)<(html|head|body|!doctype)", head):
        return "not HTML"
    if len(_CONTROL_BYTES.findall(head)) > max(8, len(head) // 50):
        return "not HTML"
    if not _TAG.search(body[:65536]):
        return "not HTML"
    return None


#: Bytes that decode to characters lxml refuses (C0 controls but tab, LF, CR) in any
#: ASCII-compatible charset, and the UTF-8 spellings of U+FFFE and U+FFFF.
_LXML_REFUSED_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))


@functools.lru_cache(maxsize=64)
def _control_bytes_are_control_chars(encoding: str) -> bool:
    """Whether, in ``encoding``, the C0 characters are exactly the bytes 0x00-0x1F and
    U+FFFE/U+FFFF have no spelling but UTF-8's: UTF-8, ASCII and the single-byte ISO 8859
    and Windows code pages. Not GB18030 (which spells U+FFFF in printable bytes), EBCDIC,
    UTF-16 or UTF-32."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in ("utf-8", "ascii") or name.startswith(("iso8859-", "cp125", "latin-1", "iso8859"))


def _parse(text: str, raw: bytes | None = None, encoding: str = "") -> lxml.html.HtmlElement | None:
    """Parse decoded HTML with the parser settings trafilatura uses.

    ``raw`` and ``encoding``, when given, are the bytes ``text`` was decoded from: for an
    ASCII-compatible charset, bytes free of control characters (a C-speed check) mean the
    text is too, and the character scan of the whole text is skipped.
    """
    xml_declared = text[:200].lstrip()[:5].lower() == "<?xml"
    if xml_declared:
        text = _XML_DECL.sub("", text, count=1)
    clean = (raw is not None and _control_bytes_are_control_chars(encoding)
             and len(raw.translate(None, _LXML_REFUSED_BYTES)) == len(raw)
             and b"\xef\xbf\xbe" not in raw and b"\xef\xbf\xbf" not in raw)
    if not clean:
        text = _INVALID_XML_CHARS.sub("", text)
    if not text.strip():
        return None
    # Valid UTF-8 bytes, free of what lxml refuses, parse to the same tree as their text,
    # about a quarter faster (no round trip through Python's str). A U+FFFD in the text may
    # be a replaced byte, and a BOM or an XML declaration changed the text: those parse text.
    as_bytes = (clean and raw is not None and encoding == "utf-8" and not xml_declared
                and not raw.startswith(b"\xef\xbb\xbf") and "\ufffd" not in text)
    # huge_tree: libxml2 otherwise stops at 255 nested elements and drops the rest of the
    # page (the story with it); the response size is bounded by the download limit.
    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True,
                                  huge_tree=True, encoding="utf-8" if as_bytes else None)
    try:
        tree = lxml.html.document_fromstring(raw if as_bytes and raw is not None else text, parser=parser)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return None
    return tree if tree is not None and len(tree) else None


