"""The tone guide's free text: Markdown rendered to HTML that is safe to show (markdown-it-py + nh3).

markdown-it escapes raw HTML (``html: False``); nh3 then keeps only the tags and attributes a guide
needs and only http(s)/mailto links, so that neither a pasted ``<script>`` nor a ``javascript:``
link nor an inline style (our CSP forbids them anyway) reaches the page.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

MAX_MARKDOWN = 20_000

_TAGS = {"p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
         "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])


def render_markdown(source: str | None) -> Markup:
    """Sanitized HTML for a guide written in Markdown."""
    if not source or not source.strip():
        return Markup("")
    html = _parser.render(source[:MAX_MARKDOWN])
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow", strip_comments=True)
    return Markup(clean)  # noqa: S704 - sanitized by nh3 above
