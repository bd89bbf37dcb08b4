"""HTTP edge hardening shared by every blueprint: request values, URL converters, redirects, proxies.

- ``AgencyRequest`` removes the characters PostgreSQL cannot store (NUL, lone surrogates) from every
  form and query value as it is parsed, so no view, form or service ever sees them.
- ``BoundedIntConverter`` replaces Flask's ``int`` converter: an id beyond the bigint range answers 404
  instead of reaching the database (where it would be a 500).
- ``SafeStringConverter`` replaces the default path converter: a path segment with a NUL answers 404.
- ``safe_next`` accepts only a same-origin path as a redirect target, after normalising the tricks
  browsers forgive (tabs, newlines, backslashes, percent-encoding).
- ``install_proxy_fix`` trusts ``X-Forwarded-*`` only from as many proxies as the settings name.
- ``isolate_bidi`` is every template's output filter (Jinja ``finalize``): no printed string carries a
  bidi override or an unclosed embedding or isolate, so a stranger's name or text cannot reverse or
  reorder what follows it on the page (ingest already cleans platform text; this also covers rows from
  any other source, e-mails and PDFs rendered from the same templates).
"""

from __future__ import annotations

import builtins
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

BIGINT_MAX = 2**63 - 1
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._~-]{1,200}")


def clean_value(value: str) -> str:
    """``value`` without NUL bytes and unpaired surrogates (PostgreSQL rejects both)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _clean_multidict(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any(isinstance(v, str) and ("\x00" in v or _has_surrogate(v)) for _k, v in values.items(multi=True)):
        return values
    return type(values)([(clean_value(k), clean_value(v) if isinstance(v, str) else v)
                         for k, v in values.items(multi=True)])


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in value)


class AgencyRequest(Request):
    """The request class of the app: form and query values arrive clean (see the module docstring)."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean_multidict(self.__dict__["form"])

    @property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        cached = self.__dict__.get("_agency_args")
        if cached is None:
            cached = self.__dict__["_agency_args"] = _clean_multidict(super().args)
        return cached


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to PostgreSQL's bigint: larger numbers do not match (404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        upper = BIGINT_MAX if max is None else builtins.min(max, BIGINT_MAX)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=upper, signed=signed)



class SafeStringConverter(UnicodeConverter):
    """The default path segment, refusing NUL (404) and overlong segments."""

    def __init__(self, map: Any, minlength: int = 1, maxlength: int | None = 1024, length: int | None = None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)

    def to_python(self, value: str) -> str:
        if "\x00" in value or _has_surrogate(value):
            raise ValidationError()
        return value


def isolate_bidi(value: Any) -> Any:
    """A template value without bidi overrides and with balanced embeddings/isolates.

    Markup too (a translated phrase with a stranger's name interpolated is Markup): HTML syntax never
    uses these characters, so removing or closing them inside markup changes no tag.
    """
    if isinstance(value, str) and not value.isprintable():
        from markupsafe import Markup

        from agency.textsafety import balance_bidi

        cleaned = balance_bidi(str(value))
        # Already markup: only bidi characters were removed or closed, no markup was added.
        return Markup(cleaned) if isinstance(value, Markup) else cleaned  # noqa: S704
    return value


def install(app: Flask) -> None:
    """Use the hardened request class, URL converters and template output filter (before blueprints)."""
    app.request_class = AgencyRequest
    app.jinja_env.finalize = isolate_bidi
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = SafeStringConverter
    app.url_map.converters["string"] = SafeStringConverter
    app.add_template_global(url_pattern)


class UrlPattern:
    """``url_for(endpoint, **fixed, **varying)`` built once, then filled per row: a list page links each of its
    rows to the same route and building 50 URLs through the router cost more than the rows' markup."""

    _MARK = 987654321987654321  # a number no fixed argument carries (checked: it must occur exactly once)

    def __init__(self, endpoint: str, varying: tuple[str, ...], fixed: dict[str, Any]) -> None:
        from flask import url_for

        self.endpoint, self.varying, self.fixed = endpoint, varying, fixed
        self.parts: list[str] | None = None
        marks = {name: str(self._MARK + i) for i, name in enumerate(varying)}
        try:
            built = url_for(endpoint, **fixed, **{name: int(mark) for name, mark in marks.items()})
        except Exception:  # a converter that refuses numbers: no pattern, url_for per call
            return
        parts, rest = [], built
        for name in varying:
            if built.count(marks[name]) != 1:
                return
            before, rest = rest.split(marks[name], 1)
            parts.append(before)
        self.parts = [*parts, rest]

    def __call__(self, *values: Any) -> str:
        from flask import url_for

        texts = [str(v) for v in values]
        if self.parts is None or not all(_PLAIN_SEGMENT.fullmatch(t) for t in texts):
            # Anything the router would escape goes through the router.
            return url_for(self.endpoint, **self.fixed, **dict(zip(self.varying, values, strict=True)))
        out = [self.parts[0]]
        for text, part in zip(texts, self.parts[1:], strict=True):
            out.append(text)
            out.append(part)
        return "".join(out)


def url_pattern(endpoint: str, *varying: str, **fixed: Any) -> UrlPattern:
    """A URL builder for ``endpoint`` whose ``varying`` arguments are given per call, in order (template global)."""
    return UrlPattern(endpoint, varying, fixed)


def install_proxy_fix(app: Flask, trusted_proxies: int) -> None:
    """Trust ``X-Forwarded-For/Proto/Host`` from exactly ``trusted_proxies`` proxies (0: trust none).

    With no proxy in front, a client could otherwise pick its own IP address (escaping the login
    throttle) and host name (poisoning absolute links).
    """
    if trusted_proxies <= 0:
        return
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies,  # type: ignore[method-assign]
                            x_host=trusted_proxies)


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects).

    Browsers drop tabs and newlines inside URLs and read ``\\`` as ``/``, so ``/\\t/evil.example`` and
    ``/%5C/evil.example`` lead elsewhere; the target is normalised the way a browser would read it
    (also after percent-decoding) before it is judged.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    candidates = {target, unquote(target), unquote(unquote(target))}
    for candidate in candidates:
        normalised = "".join(ch for ch in candidate if ch not in "\t\n\r").replace("\\", "/")
        if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in normalised):
            return default
        if not normalised.startswith("/") or normalised.startswith("//"):
            return default
        parts = urlsplit(normalised)
        if parts.scheme or parts.netloc:
            return default
    return "".join(ch for ch in target if ch not in "\t\n\r")
