"""Markdown to safe HTML, for pages, blog posts and FAQ answers.

Staff write Markdown; pages imported from the system we replace hold HTML.
markdown-it-py renders both (raw HTML passes through the parser), then nh3
keeps only an explicit allow-list: whatever the parser lets through, no
script, no event handler, no javascript:/data: URL reaches a visitor.
"""

import nh3
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote",
    "ul", "ol", "li", "strong", "em", "b", "i", "s", "del", "code", "pre",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    # Column alignment of Markdown tables; filter_style_properties keeps only it.
    "th": {"style"},
    "td": {"style"},
}
# Relative URLs (our own pages and media) stay; data: and javascript: are not schemes we allow.
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text):
    """The HTML of ``text`` (Markdown, possibly with HTML), sanitised."""
    if not text:
        return ""
    return nh3.clean(
        _parser.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties={"text-align"},
        # A wide table or code block scrolls inside itself on a phone (app.css):
        # it must take the keyboard focus to be scrolled without a mouse.
        set_tag_attribute_values={"table": {"tabindex": "0"}, "pre": {"tabindex": "0"}},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
