"""HTML reader (beautifulsoup4 + lxml) for government web pages.

Owns: finding the article in a page (``<article>``, TRS_Editor/zoom/content-like containers, else
the block with the most Chinese text), dropping navigation, breadcrumbs, share bars, scripts and
上一篇/下一篇 links, keeping h1-h4 as heading paths and tables as table Sections, and reading the
title/date/source from TRS-style meta tags. Leaves: fetching pages (files only) and the metadata
rules for the article text itself (``ingest.metadata``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from assistant.documents import Section
from assistant.errors import BadInput
from ingest.metadata import parse_date
from ingest.readers.text import markdown_sections

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "svg",
    "object",
    "embed",
)
_NOISE_WORDS = {
    "nav",
    "navbar",
    "menu",
    "footer",
    "foot",
    "header",
    "sidebar",
    "side",
    "breadcrumb",
    "breadcrumbs",
    "crumb",
    "crumbs",
    "share",
    "bdsharebuttonbox",
    "copyright",
    "position",
    "location",
    "pager",
    "pagination",
    "toolbar",
    "topbar",
    "sitemap",
    "related",
    "prevnext",
}
_CONTENT_RE = re.compile(
    r"trs_editor|zoom|article|content|main|detail|pages_content|con_text|wzy", re.IGNORECASE
)
_NOISE_TEXT_RE = re.compile(
    r"^\s*(上一篇|下一篇|上一条|下一条|分享到|打印本页|关闭窗口|【?\s*字体|扫一扫|当前位置|您现在的位置)"
)
_CHINESE_RE = re.compile(r"[\u4e00-\u9fff]")
# Tags that start a new line; anything else (span, font, strong, a) is inline text.
_STRUCTURE_TAGS = [
    "p",
    "div",
    "section",
    "li",
    "ul",
    "ol",
    "td",
    "tr",
    "dd",
    "dt",
    "dl",
    "blockquote",
    "pre",
    "article",
    "main",
    "center",
    "br",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
]
_META_DATE_RE = re.compile(r"(?:发布|成文|发文)(?:日期|时间)\s*[:：]\s*(\S+)")


@dataclass
class HtmlPage:
    """What the page tells about itself besides the article text."""

    sections: list[Section] = field(default_factory=list)
    title: str = ""
    publish_date_text: str = ""
    issuing_body: str = ""
    category: str = ""
    url: str = ""


def _chinese_count(element: Tag) -> int:
    return len(_CHINESE_RE.findall(element.get_text()))


def _attributes(element: Tag) -> str:
    """The element's id and classes as one string."""
    return " ".join([str(element.get("id") or ""), *element.get_attribute_list("class")]).strip()


def _is_noise(element: Tag) -> bool:
    attributes = _attributes(element)
    words = set(re.split(r"[\s_\-]+", attributes.lower()))
    return bool(words & _NOISE_WORDS)


def _own_text_count(element: Tag) -> int:
    """Chinese characters in the element's direct text and direct <p> children: a paragraph block."""
    count = 0
    for child in element.children:
        if isinstance(child, NavigableString):
            count += len(_CHINESE_RE.findall(str(child)))
        elif isinstance(child, Tag) and child.name in ("p", "br", "span", "font", "strong", "b"):
            count += _chinese_count(child)
    return count


def find_article(soup: BeautifulSoup) -> Tag:
    """The element holding the article: the tightest content-like container, else the densest block."""
    body = soup.body or soup
    candidates = [
        tag for tag in body.find_all(True) if tag.name == "article" or _CONTENT_RE.search(_attributes(tag))
    ]
    candidates = [tag for tag in candidates if not _is_noise(tag) and _chinese_count(tag) >= 20]
    if candidates:
        best = max(_chinese_count(tag) for tag in candidates)
        tight = [tag for tag in candidates if _chinese_count(tag) >= 0.6 * best]
        return max(tight, key=lambda tag: len(list(tag.parents)))  # deepest: excludes sidebars in <main>
    blocks = [tag for tag in body.find_all(("div", "td", "section")) if not _is_noise(tag)]
    return max(blocks, key=_own_text_count, default=body)


def _strip_noise(article: Tag) -> None:
    for tag in article.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in article.find_all(True):
        if not tag.decomposed and _is_noise(tag):
            tag.decompose()
    for string in list(article.find_all(string=_NOISE_TEXT_RE)):
        block = (
            string.find_parent(("p", "div", "li", "a", "span", "td"))
            if isinstance(string, NavigableString)
            else None
        )
        if (
            block is not None
            and block is not article
            and not block.decomposed
            and len(block.get_text(strip=True)) < 120
        ):
            block.decompose()


def _table_text(table: Tag) -> str:
    rows = []
    for row in table.find_all("tr"):
        cells = [
            " ".join(cell.get_text(" ", strip=True).split()).replace("|", "｜")
            for cell in row.find_all(("td", "th"))
        ]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1:
        rows.insert(1, "| " + " | ".join("---" for _ in rows[0].split(" | ")) + " |")
    return "\n".join(rows)


def _inline_text(parts: list[str]) -> str:
    """Join inline strings; source-code line breaks inside a paragraph are not paragraph breaks."""
    return re.sub(r"[ \t\u00a0]+", " ", re.sub(r"\s*\n\s*", "", "".join(parts))).strip()


def _to_markdown(element: Tag, out: list[str]) -> None:
    """Flatten the article to Markdown-like lines: '#' headings, pipe tables, one block per line."""
    inline: list[str] = []
    for child in element.children:
        if isinstance(child, NavigableString):
            inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        structural = child.name in _STRUCTURE_TAGS or child.find(_STRUCTURE_TAGS) is not None
        if not structural:
            inline.append(child.get_text())
            continue
        out.append(_inline_text(inline))
        inline = []
        if child.name in ("h1", "h2", "h3", "h4"):
            out.append("#" * int(child.name[1]) + " " + _inline_text([child.get_text(" ")]))
        elif child.name in ("h5", "h6"):
            out.append(_inline_text([child.get_text()]))
        elif child.name == "table":
            out.extend(["", _table_text(child), ""])
        elif child.name != "br":
            _to_markdown(child, out)
    out.append(_inline_text(inline))


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"name": re.compile(f"^{name}$", re.IGNORECASE)}) or soup.find(
            "meta", attrs={"property": name}
        )
        content = str(tag.get("content") or "").strip() if isinstance(tag, Tag) else ""
        if content:
            return content
    return ""


def _page_title(soup: BeautifulSoup) -> str:
    title = _meta(soup, "ArticleTitle")
    heading = soup.find("h1")
    if not title and isinstance(heading, Tag):
        title = heading.get_text(" ", strip=True)
    if not title and soup.title is not None:
        title = re.split(r"\s*[_|｜]\s*|\s+-\s+", soup.title.get_text(strip=True))[0]
    return title


def read_html(path: Path) -> HtmlPage:
    """Read a saved government web page: the article as Sections, plus what its meta tags say."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path.name}：无法读取文件（{exc.strerror or exc}）") from exc
    soup = BeautifulSoup(data, "lxml")
    page = HtmlPage(
        title=_page_title(soup),
        issuing_body=_meta(soup, "ContentSource"),
        category=_meta(soup, "ColumnName"),
        url=_meta(soup, "url", "og:url"),
    )
    page.publish_date_text = _meta(soup, "PubDate", "publishdate", "firstpublishedtime")
    if not page.publish_date_text:
        found = _META_DATE_RE.search(soup.get_text(" "))
        page.publish_date_text = found.group(1) if found and parse_date(found.group(1)) else ""
    for tag in soup.find_all(("script", "style", "noscript")):
        tag.decompose()
    article = find_article(soup)
    _strip_noise(article)
    lines: list[str] = []
    _to_markdown(article, lines)
    sections = markdown_sections("\n".join(lines))
    page.sections = [_drop_title_heading(section, page.title) for section in sections]
    if not any(section.text.strip() for section in page.sections):
        raise BadInput(f"{path.name}：网页中没有找到正文内容")
    return page


def _drop_title_heading(section: Section, title: str) -> Section:
    """The page title is metadata; it need not head every chunk's path as well."""
    if section.heading_path and section.heading_path[0] == title:
        section.heading_path = section.heading_path[1:]
    return section
