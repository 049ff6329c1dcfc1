"""The Markdown of pages, posts and FAQ answers, against hostile input."""

from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from cms.rendering import render_markdown


class Elements(HTMLParser):
    """Every tag and attribute of the rendered HTML (what a browser would run)."""

    def __init__(self, html):
        super().__init__()
        self.elements = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


@pytest.mark.parametrize("hostile", [
    "<script>alert('x')</script>Bonjour",
    "Bonjour <SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">clic</a>',
    "<div onmouseover='alert(1)'>survol</div>",
    "[clic](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">clic</a>',
    '<a href="  javascript:alert(1)">clic</a>',
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
    '<iframe src="https://evil.example"></iframe>',
    "<style>body { display: none }</style>",
    '<form action="https://evil.example"><input name="password"></form>',
    '<svg><script>alert(1)</script></svg>',
    '<p style="position:fixed;top:0">recouvre la page</p>',
])
def test_hostile_markup_is_stripped(hostile):
    html = render_markdown(hostile)
    for tag, attrs in Elements(html).elements:
        assert tag not in {"script", "iframe", "style", "form", "input", "svg"}, html
        assert not [name for name in attrs if name.startswith("on")], html
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith(("javascript:", "data:")), html
        assert "position" not in (attrs.get("style") or ""), html
    assert "alert(1)</script>" not in html and "display: none" not in html


def test_headings_lists_links_images_tables_and_code_are_kept():
    html = render_markdown(
        "## Titre\n\n- un\n- deux\n\n1. premier\n\n[CGV](/cgv/) et [site](https://example.org \"Exemple\")\n\n"
        "![Couverture](/media/couverture.png)\n\n| Service | Prix |\n|:--|--:|\n| Correction | 2 € |\n\n"
        "`code` et\n\n```\nbloc\n```\n\n> citation\n\n**gras** *italique* ~~barré~~"
    )
    for kept in ("<h2>Titre</h2>", "<ul>", "<ol>", "<li>un</li>", '<a href="/cgv/"', 'href="https://example.org"',
                 'title="Exemple"', '<img src="/media/couverture.png" alt="Couverture">', "<table", "<th",
                 '<td style="text-align:right">2 €</td>', "<code>code</code>", "<pre", "<code>bloc", "<blockquote>",
                 "<strong>gras</strong>", "<em>italique</em>", "<s>barré</s>"):
        assert kept in html, (kept, html)


def test_tables_and_code_blocks_can_be_scrolled_from_the_keyboard():
    html = render_markdown('| a |\n|---|\n| 1 |\n\n```\nbloc\n```\n\n<table tabindex="-1" onfocus="x"><tr><td>t</td></tr></table>')
    assert html.count('<table tabindex="0">') == 2 and '<pre tabindex="0">' in html and "onfocus" not in html


def test_links_get_noopener_noreferrer():
    html = render_markdown("[site](https://example.org)")
    assert 'rel="noopener noreferrer"' in html


def test_mailto_and_relative_links_are_kept():
    html = render_markdown("[écrire](mailto:contact@example.org) [aide](../faq/)")
    assert 'href="mailto:contact@example.org"' in html and 'href="../faq/"' in html


def test_the_template_filter_renders_without_escaping_twice():
    html = Template("{% load cms %}{{ text|markdown }}").render(Context({"text": "**Bonjour** <b onclick=x>à</b> & co"}))
    assert "<strong>Bonjour</strong>" in html and "<b>à</b>" in html and "&amp; co" in html
    assert "onclick" not in html


def test_empty_content_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""
