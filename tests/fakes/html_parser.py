"""Telegram's HTML parse mode (a port of tdlib's parser), with its errors and offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.fakes.errors import BotAPIError, bad_request


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SPACE = frozenset(b" \t\r\n\v\0")
_NAMED_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_STRICT_NOTE = " [strict_html: Telegram itself would show it literally]"


def _html_error(message: str) -> BotAPIError:
    return bad_request(f"can't parse entities: {message}")


def _decode_entity(src: bytes, pos: int) -> tuple[int, int]:
    """Port of tdlib's decode_html_entity: (code point, end) or (0, pos) if not an entity."""

    def at(i: int) -> int:
        return src[i] if i < len(src) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == 0x23:  # '#'
        end += 1
        if at(pos + 2) == 0x78:  # 'x' (tdlib accepts only the lower-case form)
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        code = _NAMED_ENTITIES.get(src[pos + 1 : end], 0)
        if not code:
            return 0, pos
    if at(end) == 0x3B:  # ';' is optional, as in tdlib
        end += 1
    return code, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_pos: int


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities), raising BotAPIError like Telegram.

    A port of tdlib's parse_html (td/telegram/MessageEntity.cpp), so error descriptions and
    byte offsets match. ``strict`` additionally refuses a bare ``&``/``>`` and unknown named
    entities: Telegram shows those literally, but the Bot API docs require escaping, and a bot
    that does not escape them does not escape ``<`` either.
    """
    try:
        src = text.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request("strings must be encoded in UTF-8") from None
    n = len(src)

    def at(i: int) -> int:
        return src[i] if i < n else 0

    out = bytearray()
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    utf16 = 0
    has_surrogate = False
    i = 0
    while i < n:
        c = src[i]
        if c == 0x26:  # '&'
            code, end = _decode_entity(src, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                has_surrogate = has_surrogate or 0xD800 <= code <= 0xDFFF
                out += chr(code).encode("utf-8", "surrogatepass")
                i = end
                continue
            if strict:
                name = re.match(rb"&#?[A-Za-z0-9]+;", src[i:])
                if name:
                    entity = name.group().decode()
                    raise _html_error(
                        f'Unsupported HTML entity "{entity}" at byte offset {i}{_STRICT_NOTE}'
                    )
                raise _html_error(f'Unescaped "&" at byte offset {i}{_STRICT_NOTE}')
        if c != 0x3C:  # not '<'
            if strict and c == 0x3E:
                raise _html_error(f'Unescaped ">" at byte offset {i}{_STRICT_NOTE}')
            if c & 0xC0 != 0x80:  # first byte of a character
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while at(i) not in _SPACE and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise _html_error(f"Unclosed start tag at byte offset {begin}")
            tag = src[begin + 1 : i].lower().decode("utf-8", "replace")
            if tag not in _ALLOWED_TAGS:
                raise _html_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != 0x3E:
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                # Newer tdlib also stops at '>' so that a bare <blockquote expandable> parses.
                while at(i) not in _SPACE and at(i) not in (0x3D, 0x3E):
                    i += 1
                attr_name = src[attr_begin:i].decode("utf-8", "replace")
                if not attr_name:
                    raise _html_error(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) != 0x3D:  # '='
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "expandable"
                        continue
                    raise _html_error(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) == 0:
                    raise _html_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value = bytearray()
                if at(i) not in (0x22, 0x27):  # an unquoted name token
                    token_begin = i
                    while chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in b".-"):
                        i += 1
                    value += src[token_begin:i].lower()
                    if at(i) not in _SPACE and at(i) != 0x3E:
                        raise _html_error(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    while at(i) != quote and at(i) != 0:
                        if at(i) == 0x26:
                            code, end = _decode_entity(src, i)
                            if code:
                                value += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        value.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                if at(i) == 0:
                    raise _html_error(f"Unclosed start tag at byte offset {begin}")
                attr_value = value.decode("utf-8", "replace")
                if tag == "a" and attr_name == "href":
                    argument = attr_value
                elif tag == "code" and attr_name == "class" and attr_value.startswith("language-"):
                    argument = attr_value[len("language-") :]
                elif tag == "span" and attr_name == "class" and attr_value.startswith("tg-"):
                    argument = attr_value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = attr_value
            if tag == "span" and argument != "spoiler":
                raise _html_error(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append(_OpenTag(tag, argument, utf16, len(out)))
            i += 1  # skip '>'
            continue

        # end tag
        if not stack:
            raise _html_error(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACE and at(i) != 0x3E:
            i += 1
        end_name = src[begin + 2 : i].lower().decode("utf-8", "replace")
        while at(i) != 0 and at(i) in _SPACE:
            i += 1
        if at(i) != 0x3E:
            raise _html_error(f"Unclosed end tag at byte offset {begin}")
        open_tag = stack.pop()
        if end_name and end_name != open_tag.name:
            raise _html_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
                f'found "</{end_name}>"'
            )
        i += 1
        if utf16 > open_tag.utf16_offset:
            found = _html_entity(open_tag, utf16, bytes(out[open_tag.out_pos :]))
            if found:
                entities.append(found)
    if stack:
        raise _html_error(f"Can't find end tag corresponding to start tag {stack[-1].name}")
    if has_surrogate:
        raise _html_error(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.decode("utf-8"), entities


_SIMPLE_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}


def _html_entity(tag: _OpenTag, utf16_end: int, inner: bytes) -> dict[str, Any] | None:
    entity: dict[str, Any] = {"offset": tag.utf16_offset, "length": utf16_end - tag.utf16_offset}
    if tag.name in _SIMPLE_ENTITY:
        entity["type"] = _SIMPLE_ENTITY[tag.name]
    elif tag.name == "pre":
        entity["type"] = "pre"
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise _html_error("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
    else:  # "a": Telegram silently drops links it cannot use
        url = tag.argument or inner.decode("utf-8", "replace")
        if not url.strip() or any(ch.isspace() for ch in url.strip()):
            return None
        entity.update(type="text_link", url=url.strip())
    return entity


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading/trailing whitespace; entities are shifted and clipped to match."""
    stripped = text.lstrip(" \t\r\n")
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(" \t\r\n")
    limit = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def formatted(
    text: Any, parse_mode: Any, entities: Any, strict: bool
) -> tuple[str, list[dict[str, Any]]]:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
    if mode == "html":
        plain, found = parse_html(text, strict=strict)
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown is passed through unvalidated: dondoc formats with HTML only.
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request("strings must be encoded in UTF-8") from None
        plain = text
        found = list(entities) if isinstance(entities, list) and not mode else []
    else:
        raise bad_request("unsupported parse_mode")
    return _trim(plain, found)
