"""DRF's parsers, made to answer every malformed body with a 400 (ParseError), never a 500.

- JSON nested deeper than the interpreter's recursion limit ('[' * 5000) made the stdlib decoder
  raise RecursionError, which DRF does not catch.
- Text PostgreSQL cannot store is refused where it enters: a NUL character (also refused in
  queries and forms by aragora_support.request_guard) or a lone surrogate ("\\ud800", which
  UTF-8 cannot encode), in any key or value of the body, whatever field it is bound for.
"""
from __future__ import annotations

import io
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


def _children(item, where: str):
    def at(key) -> str:
        return (f"{where}.{key}" if where else str(key))[:200]

    if isinstance(item, dict):
        return [(at(key), key) for key in item] + [(at(key), value) for key, value in item.items()]
    if isinstance(item, (list, tuple)):
        return [(f"{where}[{index}]"[:200], value) for index, value in enumerate(item)]
    if hasattr(item, "lists"):  # QueryDict / MultiValueDict of a form
        return [(at(key), value) for key, values in item.lists() for value in (key, *values) if isinstance(value, str)]
    return []


def refuse_unstorable(data) -> None:
    """ParseError, naming where, if any string (key or value) in the parsed body is not storable."""
    stack = [("", data)]  # a stack, not recursion: the body may be as deep as the decoder allowed
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = _bad_text(item)
            if problem:
                raise ParseError(f"The request body {problem}" + (f" (at {where})." if where else "."))
        else:
            stack.extend(_children(item, where))


# In valid JSON, NUL and lone surrogates can only be written as these escapes: a body without
# any is not walked at all (the walk costs more than the decoding).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if _SUSPECT_ESCAPE.search(raw):
            refuse_unstorable(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_unstorable(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_unstorable(data.data)
        return data
