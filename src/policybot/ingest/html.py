"""Pull the title, date, source and main text out of a news web page.

Standard library only: ``html.parser`` builds a small, forgiving element
tree; a few heuristics then drop boilerplate and pick the element that holds
the article text.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import re
from collections.abc import Set
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit


@dataclass(frozen=True)
class HtmlArticle:
    """What :func:`extract_html` found in one page."""

    title: str | None
    date: str | None  # YYYY-MM-DD
    source: str | None
    url: str | None
    paragraphs: list[str]


# ---------------------------------------------------------------- constants

_VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()
)
# Never visible text.
_HARD_SKIP = frozenset(
    "script style noscript template iframe svg math canvas object embed button "
    "select option textarea title".split()
)
# Page furniture: kept for metadata search, never part of the article body.
_BOILER_TAGS = frozenset("nav header footer aside form".split())
_BLOCK = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li "
    "main menu nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
# Elements whose text is credited to their parent when choosing the container.
_PARA_TAGS = frozenset("p li dt dd pre figcaption".split())
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Opening one of these implicitly closes an open <p>, as browsers do.
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre "
    "section summary table ul".split()
)
_NEVER_BOILER = frozenset("html body main article #root".split())
_MAX_DEPTH = 250  # keeps the recursive walk far from Python's recursion limit

_BOILER_WORDS = frozenset(
    "ad ads adv advert advertisement advertising nav navbar navigation menu "
    "menubar footer foot comment comments share sharing related breadcrumb breadcrumbs "
    "crumb crumbs sidebar copyright recommend toolbar social".split()
)
_BOILER_PREFIX = re.compile(
    r"^(?:nav|menu|footer|comment|share|related|breadcrumb|crumb|sidebar|advert|copyright|recommend)"
)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_WIDE = f"{_CJK}\u3000-\u303f\uff00-\uffef"
# A line break in the source between two CJK characters is just source wrapping.
_CJK_WRAP = re.compile(f"(?<=[{_WIDE}])[^\\S\n]*\n\\s*(?=[{_WIDE}])")
_SPACE = re.compile(r"\s+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_LATIN = re.compile(r"[A-Za-z0-9]")

_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)"
)
_COMPACT_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_SOURCE = re.compile(
    r"(?<!数据)(?<!资料)(?:来源|稿源|出处)\s*[:：]\s*([^\s|｜,，;；、。【】\[\]()（）<>]{1,40})"
)
_SOURCE_TAIL = re.compile(r"(?:\d{4}|作者|记者|编辑|责任编辑|发布|时间|日期|浏览).*$")
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|--|\s[-–—]\s)\s*")
_META_LINE = re.compile(
    r"^[【\[(（]?\s*(?:来源|稿源|作者|责任编辑|责编|编辑|发布时间|发布日期|字号|字体|浏览次数|点击数|阅读次数)\s*[:：]"
)
_DATE_TIME_PREFIX = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}\s*日?)"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*"
)
_JUNK_LINES = frozenset(
    "打印 关闭 打印本页 关闭窗口 【打印】 【关闭】 [打印] [关闭] 分享到： 分享到: 返回顶部 扫一扫".split()
)

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "datepublished",
    "publishdate",
    "pubdate",
    "publish_date",
    "publish-date",
    "publishtime",
    "firstpublishedtime",
    "date",
    "dc.date",
    "dc.date.issued",
)
_TITLE_META = ("og:title", "twitter:title", "articletitle", "title")
_SOURCE_META = ("source", "contentsource")
_SITE_META = ("og:site_name", "author")  # weaker than a "来源：" byline
_CLIMB_RATIO = 0.3
_MAX_LINK_RATIO = 0.9
_MIN_BODY_WEIGHT = 20.0  # below this the strict filter probably ate the article
_WINDOW = 15  # lines after the title searched for a date / source


# ---------------------------------------------------------------- tree


class _Node:
    __slots__ = ("tag", "attrs", "parent", "children")

    def __init__(self, tag: str, attrs: dict[str, str], parent: _Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[_Node | str] = []


class _TreeBuilder(HTMLParser):
    """Build a loose element tree, closing tags the way browsers imply."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self._stack: list[_Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = self._append(tag, attrs)
        if tag not in _VOID and len(self._stack) < _MAX_DEPTH:
            self._stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._append(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, 0, -1):
            if self._stack[i].tag == tag:
                del self._stack[i:]
                return
        if tag == "br":  # browsers read a stray </br> as <br>
            self._append("br", [])

    def handle_data(self, data: str) -> None:
        top = self._stack[-1]
        if top.tag not in ("script", "style"):
            top.children.append(data)

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            # Unknown <![keyword[ ...> junk (pasted from Word etc.): skip it.
            end = self.rawdata.find(">", i)
            return -1 if end < 0 else end + 1

    def _append(self, tag: str, attrs: list[tuple[str, str | None]]) -> _Node:
        self._close_implied(tag)
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")
        node = _Node(tag, values, self._stack[-1])
        self._stack[-1].children.append(node)
        return node

    def _close_implied(self, tag: str) -> None:
        if tag in _CLOSES_P:
            self._pop_through("p", stop=_BLOCK)
        if tag == "li":
            self._pop_through("li", stop={"ul", "ol", "menu", "table", "body"})
        elif tag in ("dt", "dd"):
            self._pop_through("dt", "dd", stop={"dl", "table", "body"})
        elif tag in ("td", "th"):
            self._pop_through("td", "th", stop={"tr", "table", "body"})
        elif tag == "tr":
            self._pop_through("tr", stop={"table", "tbody", "thead", "tfoot", "body"})

    def _pop_through(self, *tags: str, stop: Set[str]) -> None:
        for i in range(len(self._stack) - 1, 0, -1):
            current = self._stack[i].tag
            if current in tags:
                del self._stack[i:]
                return
            if current in stop:
                return


def _parse(html: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# ---------------------------------------------------------------- text walk


class _Para(NamedTuple):
    text: str
    owner: _Node
    weight: float
    link_ratio: float
    heading: int
    boiler_tag: str | None
    class_boiler: bool


class _Ctx(NamedTuple):
    boiler_tag: str | None = None
    class_boiler: bool = False
    in_link: bool = False


class _Walker:
    """Turn the tree into block-level lines in document order."""

    def __init__(self) -> None:
        self.paras: list[_Para] = []
        self.times: list[tuple[str, _Ctx]] = []
        self._buf: list[str] = []
        self._chars = 0
        self._link_chars = 0

    def run(self, root: _Node) -> None:
        """Collect every line of ``root``."""
        self.walk(root, root, _Ctx())
        self._flush(root, _Ctx())

    def walk(self, node: _Node, owner: _Node, ctx: _Ctx) -> None:
        for child in node.children:
            if isinstance(child, str):
                self._add_text(child, ctx.in_link)
            else:
                self._visit(child, owner, ctx)

    def _visit(self, el: _Node, owner: _Node, ctx: _Ctx) -> None:
        if el.tag in _HARD_SKIP or "hidden" in el.attrs:
            return
        if el.tag in ("br", "hr"):
            self._flush(owner, ctx)
            return
        if el.tag == "time":
            self.times.append((el.attrs.get("datetime", "") or _text_of(el), ctx))
        inner = _child_ctx(el, ctx)
        # A boilerplate <span> must not glue its text onto the article line.
        starts_boiler = (inner.boiler_tag, inner.class_boiler) != (ctx.boiler_tag, ctx.class_boiler)
        if el.tag in _BLOCK or starts_boiler:
            self._flush(owner, ctx)
            self.walk(el, el, inner)
            self._flush(el, inner)
        else:
            self.walk(el, owner, inner)

    def _add_text(self, text: str, in_link: bool) -> None:
        self._buf.append(text)
        visible = len(text) - text.count(" ") - text.count("\n") - text.count("\t")
        self._chars += visible
        if in_link:
            self._link_chars += visible

    def _flush(self, owner: _Node, ctx: _Ctx) -> None:
        text = _clean("".join(self._buf))
        if text:
            link_ratio = min(1.0, self._link_chars / self._chars) if self._chars else 0.0
            weight = _text_weight(text) * (1.0 - link_ratio)
            heading = _HEADINGS.get(owner.tag, 0)
            self.paras.append(
                _Para(text, owner, weight, link_ratio, heading, ctx.boiler_tag, ctx.class_boiler)
            )
        self._buf.clear()
        self._chars = self._link_chars = 0


def _child_ctx(el: _Node, ctx: _Ctx) -> _Ctx:
    boiler_tag = ctx.boiler_tag
    if boiler_tag is None and el.tag in _BOILER_TAGS and not _is_wrapper_form(el):
        boiler_tag = el.tag
    class_boiler = ctx.class_boiler or _looks_boilerplate(el)
    return _Ctx(boiler_tag, class_boiler, ctx.in_link or el.tag == "a")


def _is_wrapper_form(el: _Node) -> bool:
    """ASP.NET pages wrap the whole page in one <form>; that one is not furniture."""
    if el.tag != "form":
        return False
    return any(node.tag in ("p", "h1", "article", "main") for node in _descendants(el))


def _looks_boilerplate(el: _Node) -> bool:
    if el.tag in _NEVER_BOILER:
        return False
    names = f"{el.attrs.get('class', '')} {el.attrs.get('id', '')}"
    if not names.strip():
        return False
    for part in re.split(r"[\s_\-]+", _CAMEL.sub(r"\1 \2", names).lower()):
        if part in _BOILER_WORDS or _BOILER_PREFIX.match(part):
            return True
    return False


def _descendants(node: _Node) -> list[_Node]:
    found: list[_Node] = []
    pending = [node]
    while pending:
        for child in pending.pop().children:
            if isinstance(child, _Node):
                found.append(child)
                pending.append(child)
    return found


def _text_of(node: _Node) -> str:
    parts: list[str] = []
    pending: list[_Node | str] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
        elif item.tag not in ("script", "style"):
            pending.extend(reversed(item.children))
    return _clean("".join(parts))


def _clean(text: str) -> str:
    text = text.translate(_ZERO_WIDTH)
    text = _CJK_WRAP.sub("", text)
    return _SPACE.sub(" ", text).strip()


def _text_weight(text: str) -> float:
    return len(_CJK_RE.findall(text)) + len(_LATIN.findall(text)) / 4


# ---------------------------------------------------------------- main text


def _select_content(paras: list[_Para]) -> list[_Para]:
    """Paragraphs of the element that most looks like the article body."""
    strict = [p for p in paras if p.boiler_tag is None and not p.class_boiler]
    strict_weight = _body_weight(strict)
    if strict_weight < _MIN_BODY_WEIGHT:
        # The class/id heuristics can misfire on a wrapper; retry without them.
        loose = [p for p in paras if p.boiler_tag is None]
        loose_weight = _body_weight(loose)
        if loose_weight >= _MIN_BODY_WEIGHT and loose_weight >= 3 * strict_weight:
            return _main_block(loose)
    return _main_block(strict)


def _body_weight(paras: list[_Para]) -> float:
    return sum(p.weight for p in paras if not p.heading and not _is_meta_line(p.text))


def _main_block(paras: list[_Para]) -> list[_Para]:
    direct: dict[_Node, float] = {}
    for para in paras:
        if not para.heading:
            parent = para.owner.parent
            target = parent if parent is not None and para.owner.tag in _PARA_TAGS else para.owner
            direct[target] = direct.get(target, 0.0) + para.weight
    if not direct or max(direct.values()) <= 0:
        return paras
    best = max(direct, key=lambda node: direct[node])
    container = _widen(best, paras)
    return [p for p in paras if _is_inside(p.owner, container)]


def _widen(node: _Node, paras: list[_Para]) -> _Node:
    """Grow ``node`` to an ancestor that holds a lot more body-like text.

    Articles split over sibling blocks (WeChat <section>s, paged CMS output)
    would otherwise lose everything but their biggest part. Wrappers adding
    nothing are passed over; one adding only a little text ends the climb.
    """
    totals: dict[_Node, float] = {}
    for para in paras:
        if para.heading:
            continue
        current: _Node | None = para.owner
        while current is not None:
            totals[current] = totals.get(current, 0.0) + para.weight
            current = current.parent
    container = current = node
    while current.parent is not None and current.parent.tag not in ("body", "html", "#root"):
        current = current.parent
        inside = totals.get(container, 0.0)
        outside = totals.get(current, 0.0) - inside
        if outside <= 0:
            continue  # a bare wrapper, or one adding only links and headings
        if outside < _CLIMB_RATIO * inside:
            break
        container = current
    return container


def _is_inside(node: _Node | None, container: _Node) -> bool:
    while node is not None:
        if node is container:
            return True
        node = node.parent
    return False


def _content_lines(paras: list[_Para], title: str | None) -> list[str]:
    title_key = _SPACE.sub("", title) if title else None
    lines: list[str] = []
    for para in paras:
        text = para.text
        if para.heading and _SPACE.sub("", text) == title_key:
            continue
        # Lines that are all link are menus and "related" lists left unmarked.
        if _is_meta_line(text) or para.link_ratio >= _MAX_LINK_RATIO:
            continue
        lines.append(text)
    return lines


def _is_meta_line(text: str) -> bool:
    """Bylines, dates and page tools that sit inside the content block."""
    if len(text) > 80:
        return False
    if text in _JUNK_LINES:
        return True
    rest = _DATE_TIME_PREFIX.sub("", text)
    if not rest.strip(" |｜:：-"):
        # A bare date may be a signing date; a timestamp is a byline.
        return ":" in text
    return bool(_META_LINE.match(rest))


# ---------------------------------------------------------------- metadata


class _Head(NamedTuple):
    meta: dict[str, str]
    title: str | None
    canonical: str | None


def _read_head(root: _Node) -> _Head:
    meta: dict[str, str] = {}
    title: str | None = None
    canonical: str | None = None
    pending = [root]
    while pending:
        node = pending.pop()
        if node.tag == "meta":
            key = (node.attrs.get("property") or node.attrs.get("name") or node.attrs.get("itemprop") or "")
            value = _clean(node.attrs.get("content", ""))
            if key and value:
                meta.setdefault(key.strip().lower(), value)
        elif node.tag == "title" and title is None:
            title = _text_of(node) or None
        elif node.tag == "link" and canonical is None:
            if "canonical" in node.attrs.get("rel", "").lower().split():
                canonical = node.attrs.get("href", "").strip() or None
        if node.tag not in ("svg", "math", "template", "noscript", "script", "style"):
            pending.extend(c for c in reversed(node.children) if isinstance(c, _Node))
    return _Head(meta, title, canonical)


def _pick_title(head: _Head, paras: list[_Para]) -> str | None:
    site = head.meta.get("og:site_name")
    for key in _TITLE_META:
        if key in head.meta:
            return _strip_site(head.meta[key], site, split=False)
    h1 = next((p.text for p in paras if p.heading == 1), None)
    if not head.title:
        return h1
    doc = _strip_site(head.title, site, split=True)
    # The <h1> is usually the clean headline; a short one is often the site logo.
    if h1 and (doc in h1 or (h1 in head.title and len(h1) * 2 >= len(doc))):
        return h1
    return doc


def _strip_site(title: str, site: str | None, *, split: bool) -> str:
    """Drop a "_Site name" / " - Site" suffix from a page title."""
    if site and title.endswith(site) and len(title) > len(site):
        stripped = title[: -len(site)].rstrip(" _|｜-–—:：")
        if stripped:
            return stripped
    parts = [part for part in _TITLE_SPLIT.split(title) if part] if split else []
    return max(parts, key=len) if len(parts) > 1 else title.strip()


def _pick_date(head: _Head, walker: _Walker, window: list[str]) -> str | None:
    for key in _DATE_META:
        if key in head.meta:
            found = _normalise_date(head.meta[key])
            if found:
                return found
    for value, ctx in walker.times:
        if not ctx.class_boiler and ctx.boiler_tag in (None, "header"):
            found = _normalise_date(value)
            if found:
                return found
    return next(filter(None, map(_find_date, window)), None)


def _pick_source(head: _Head, window: list[str]) -> str | None:
    for key in _SOURCE_META:
        if key in head.meta:
            return _clean_source(head.meta[key]) or head.meta[key]
    for line in window:
        found = _find_source(line)
        if found:
            return found
    for key in _SITE_META:
        if key in head.meta:
            return head.meta[key]
    return None


def _find_source(text: str) -> str | None:
    for match in _SOURCE.finditer(text):
        found = _clean_source(match.group(1))
        if found:
            return found
    return None


def _clean_source(raw: str) -> str | None:
    text = re.sub(r"^(?:来源|稿源)\s*[:：]\s*", "", raw.strip())
    text = _SOURCE_TAIL.sub("", text).strip("《》\"'“”:： ")
    if not text or text.isdigit():
        return None
    return text


def _normalise_date(value: str) -> str | None:
    compact = _COMPACT_DATE.match(value.strip())
    if compact:
        return _valid_date(*compact.groups())
    return _find_date(value)


def _find_date(text: str) -> str | None:
    for match in _DATE.finditer(text):
        found = _valid_date(*match.groups())
        if found:
            return found
    return None


def _valid_date(year: str, month: str, day: str) -> str | None:
    try:
        return _dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _meta_window(paras: list[_Para], title: str | None, content: list[_Para]) -> list[str]:
    """Lines just below the headline, where bylines put the date and source."""
    title_key = _SPACE.sub("", title) if title else None
    start = None
    if title_key:
        start = next((i for i, p in enumerate(paras) if _SPACE.sub("", p.text) == title_key), None)
    if start is None:
        start = next((i for i, p in enumerate(paras) if p.heading == 1), None)
    if start is None and content:
        first = next((i for i, p in enumerate(paras) if p is content[0]), 0)
        start = max(0, first - 5)
    if start is None:
        start = 0
    return [p.text for p in paras[start : start + _WINDOW]]


def _pick_url(head: _Head, url: str | None) -> str | None:
    for candidate in (head.canonical, head.meta.get("og:url")):
        if candidate:
            absolute = urljoin(url or "", candidate)
            if urlsplit(absolute).scheme.lower() in ("http", "https"):
                return absolute
    return url


# ---------------------------------------------------------------- public API


def extract_html(html: str, url: str | None = None) -> HtmlArticle:
    """Extract title, date, source, canonical URL and body paragraphs from a page.

    ``paragraphs`` is empty when the page has no visible article text; the
    caller decides whether that is an error.
    """
    root = _parse(html)
    head = _read_head(root)
    walker = _Walker()
    walker.run(root)
    paras = walker.paras
    title = _pick_title(head, paras)
    content = _select_content(paras)
    window = _meta_window(paras, title, content)
    return HtmlArticle(
        title=title,
        date=_pick_date(head, walker, window),
        source=_pick_source(head, window),
        url=_pick_url(head, url),
        paragraphs=_content_lines(content, title),
    )


_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._:\-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Browsers (WHATWG Encoding) decode these labels with a wider codec.
_WIDER_CODEC = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}
_LABEL_ALIASES = {"x-gbk": "gbk", "csgb2312": "gb2312", "gb_2312-80": "gb2312", "x-big5": "big5"}


def sniff_html_charset(data: bytes) -> str | None:
    """The encoding a page declares in a BOM or ``<meta>`` within its first 2 KB.

    Returns a Python codec name (GB2312/GBK map to ``gb18030``, their
    superset), or None when nothing usable is declared.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:2048]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    return _codec_name(match.group(1).decode("ascii").strip().lower())


def _codec_name(label: str) -> str | None:
    label = _LABEL_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        # A page readable as ASCII to find this tag cannot really be UTF-16.
        return "utf-8"
    return _WIDER_CODEC.get(name, name)
