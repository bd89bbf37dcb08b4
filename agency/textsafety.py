"""Text from outside made safe to store and to show: one place, used by every edge.

Platform data (comments, names, ids, links, the JSON around them) and form input are written
by strangers. What this module removes or rewrites, and why:

* NUL (U+0000): PostgreSQL's ``text`` and ``jsonb`` reject it, so one poisoned comment would
  fail the whole statement — and a sync would retry the same page for ever.
* Lone surrogates (U+D800–U+DFFF outside a pair, e.g. from ``"\\ud83d"`` in JSON): they cannot
  be encoded as UTF-8 at all; they become U+FFFD, the replacement character.
* Other control characters (C0 except tab, newline and carriage return; DEL; C1): never
  meaningful in social text, and they corrupt logs, CSV and XML exports.
* Bidirectional formatting (U+202A–U+202E, U+2066–U+2069): overrides (LRO, RLO) reorder the
  letters that follow them — the classic trick to make a text or a link read as something
  else — so they are removed. Embeddings and isolates are kept for right-to-left text, but
  balanced: a closer without its opener is dropped and an opener left open is closed at the
  end, so nothing spills over into the page around the text. Arabic or Hebrew needs none of
  these characters to display correctly (the Unicode algorithm orders them by itself), and
  the marks LRM/RLM (U+200E/U+200F) are left alone.

All functions accept any value and never raise: a hostile payload must not stop an ingest.
"""

from __future__ import annotations

import re
from typing import Any

_LRE, _RLE, _PDF, _LRO, _RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
_LRI, _RLI, _FSI, _PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_EMBEDDINGS = frozenset((_LRE, _RLE))
_OVERRIDES = frozenset((_LRO, _RLO))
_ISOLATES = frozenset((_LRI, _RLI, _FSI))
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Removed outright: NUL and the other controls (tab, LF and CR stay).
_CONTROLS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_MAX_JSON_DEPTH = 20


def clean_text(value: Any, max_length: int | None = None) -> str:
    """``value`` as a string PostgreSQL accepts and a page can show without surprises.

    None and non-strings other than numbers become "" (a hostile payload may send an object
    where text belongs). The result is at most ``max_length`` characters long.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        value = str(value)
    if max_length is not None:
        value = value[:max_length]
    if value.isprintable():
        # The common case, and a fast one: controls, surrogates and bidi formatting characters
        # are all "non-printable" (categories Cc, Cs, Cf).
        return value
    value = _CONTROLS_RE.sub("", value)
    if _SURROGATES_RE.search(value):
        # A pair split into two code points is joined again; a lone half becomes U+FFFD.
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if _BIDI_RE.search(value):
        value = balance_bidi(value, max_length)
    return value


def clean_optional(value: Any, max_length: int | None = None) -> str | None:
    """Like :func:`clean_text`, but None (not "") when nothing is left."""
    cleaned = clean_text(value, max_length)
    return cleaned or None


def clean_json(value: Any, _depth: int = 0) -> Any:
    """A copy of a JSON-like value with every string (keys too) passed through :func:`clean_text`.

    ``jsonb`` rejects ``\\u0000`` just like ``text`` does. Values that are not JSON types become
    their string form; nesting deeper than a sane payload ever goes is cut off (None).
    """
    if _depth > _MAX_JSON_DEPTH:
        return None
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_json(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item, _depth + 1) for item in value]
    return clean_text(str(value))


def balance_bidi(value: str, max_length: int | None = None) -> str:
    """Remove bidi overrides and balance embeddings and isolates (see the module docstring).

    Openers still open at the end are closed; when the closers would not fit into
    ``max_length``, those openers are removed instead (either way nothing spills over).
    """
    out: list[str] = []
    # Open embeddings/isolates: (kind, index in ``out``); overrides are tracked to swallow their PDF.
    stack: list[tuple[str, int | None]] = []
    for char in value:
        if not ("\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"):
            out.append(char)
        elif char in _OVERRIDES:
            stack.append(("override", None))
        elif char in _EMBEDDINGS:
            stack.append(("embedding", len(out)))
            out.append(char)
        elif char in _ISOLATES:
            stack.append(("isolate", len(out)))
            out.append(char)
        elif char == _PDF:
            # Closes the innermost embedding or override, but never reaches past an isolate.
            if stack and stack[-1][0] != "isolate":
                kind, _index = stack.pop()
                if kind == "embedding":
                    out.append(_PDF)
        elif char == _PDI and any(kind == "isolate" for kind, _index in stack):
            # Closes the innermost isolate and, as the Unicode bidi algorithm says, everything opened inside it.
            while stack.pop()[0] != "isolate":
                pass
            out.append(_PDI)
    open_ = [(kind, index) for kind, index in stack if kind != "override"]
    if not open_:
        return "".join(out)
    if max_length is None or len(out) + len(open_) <= max_length:
        out.extend(_PDI if kind == "isolate" else _PDF for kind, _index in reversed(open_))
        return "".join(out)
    unclosed = {index for _kind, index in open_}
    return "".join(char for index, char in enumerate(out) if index not in unclosed)
