"""A forgiving HTML element tree and the walk that turns it into lines.

Standard library only: ``html.parser`` builds the tree, closing tags the way
browsers imply; :class:`Walker` then yields block-level lines in document
order, each with what the content picker needs (weight, link share, heading
level, and whether it sits in page furniture).
"""

from __future__ import annotations

import re
from collections.abc import Set
from html.parser import HTMLParser
from typing import NamedTuple

from ..textutil import CJK, FULLWIDTH
from .clean import rules

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
#: Elements whose text is credited to their parent when choosing the container.
PARA_TAGS = frozenset("p li dt dd pre figcaption".split())
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Opening one of these implicitly closes an open <p>, as browsers do.
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre "
    "section summary table ul".split()
)
_NEVER_BOILER = frozenset("html body main article #root".split())
_MAX_DEPTH = 250  # keeps the recursive walk far from Python's recursion limit
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")

_CJK_CHAR = re.compile(f"[{CJK}]")
_WIDE = CJK + FULLWIDTH
# A line break in the source between two CJK characters is just source wrapping.
_CJK_WRAP = re.compile(f"(?<=[{_WIDE}])[^\\S\n]*\n\\s*(?=[{_WIDE}])")
_SPACE = re.compile(r"\s+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_LATIN = re.compile(r"[A-Za-z0-9]")


class Node:
    """An element: tag, attributes, parent, and children (elements or text)."""

    __slots__ = ("tag", "attrs", "parent", "children")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []


class _TreeBuilder(HTMLParser):
    """Build a loose element tree, closing tags the way browsers imply."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self._stack: list[Node] = [self.root]

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

    def _append(self, tag: str, attrs: list[tuple[str, str | None]]) -> Node:
        self._close_implied(tag)
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")
        node = Node(tag, values, self._stack[-1])
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


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# ---------------------------------------------------------------- text walk


class Para(NamedTuple):
    text: str
    owner: Node
    weight: float
    link_ratio: float
    heading: int
    boiler_tag: str | None
    class_boiler: bool


class Ctx(NamedTuple):
    boiler_tag: str | None = None
    class_boiler: bool = False
    in_link: bool = False


class Walker:
    """Turn the tree into block-level lines in document order."""

    def __init__(self) -> None:
        self.paras: list[Para] = []
        self.times: list[tuple[str, Ctx]] = []
        self._buf: list[str] = []
        self._chars = 0
        self._link_chars = 0

    def run(self, root: Node) -> None:
        """Collect every line of ``root``."""
        self.walk(root, root, Ctx())
        self._flush(root, Ctx())

    def walk(self, node: Node, owner: Node, ctx: Ctx) -> None:
        for child in node.children:
            if isinstance(child, str):
                self._add_text(child, ctx.in_link)
            else:
                self._visit(child, owner, ctx)

    def _visit(self, el: Node, owner: Node, ctx: Ctx) -> None:
        if el.tag in _HARD_SKIP or "hidden" in el.attrs:
            return
        if el.tag in ("br", "hr"):
            self._flush(owner, ctx)
            return
        if el.tag == "time":
            self.times.append((el.attrs.get("datetime", "") or text_of(el), ctx))
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

    def _flush(self, owner: Node, ctx: Ctx) -> None:
        text = clean_text("".join(self._buf))
        if text:
            link_ratio = min(1.0, self._link_chars / self._chars) if self._chars else 0.0
            weight = _text_weight(text) * (1.0 - link_ratio)
            heading = _HEADINGS.get(owner.tag, 0)
            self.paras.append(
                Para(text, owner, weight, link_ratio, heading, ctx.boiler_tag, ctx.class_boiler)
            )
        self._buf.clear()
        self._chars = self._link_chars = 0


def _child_ctx(el: Node, ctx: Ctx) -> Ctx:
    boiler_tag = ctx.boiler_tag
    if boiler_tag is None and el.tag in _BOILER_TAGS and not _is_wrapper_form(el):
        boiler_tag = el.tag
    class_boiler = ctx.class_boiler or _looks_boilerplate(el)
    return Ctx(boiler_tag, class_boiler, ctx.in_link or el.tag == "a")


def _is_wrapper_form(el: Node) -> bool:
    """ASP.NET pages wrap the whole page in one <form>; that one is not furniture."""
    if el.tag != "form":
        return False
    return any(node.tag in ("p", "h1", "article", "main") for node in _descendants(el))


def _looks_boilerplate(el: Node) -> bool:
    if el.tag in _NEVER_BOILER:
        return False
    names = f"{el.attrs.get('class', '')} {el.attrs.get('id', '')}"
    if not names.strip():
        return False
    active = rules()
    words, prefixes = active.class_words, active.class_prefixes
    for part in re.split(r"[\s_\-]+", _CAMEL.sub(r"\1 \2", names).lower()):
        if part in words or part.startswith(prefixes):
            return True
    return False


def _descendants(node: Node) -> list[Node]:
    found: list[Node] = []
    pending = [node]
    while pending:
        for child in pending.pop().children:
            if isinstance(child, Node):
                found.append(child)
                pending.append(child)
    return found


def text_of(node: Node) -> str:
    """All text under ``node`` (scripts and styles left out), cleaned."""
    parts: list[str] = []
    pending: list[Node | str] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
        elif item.tag not in ("script", "style"):
            pending.extend(reversed(item.children))
    return clean_text("".join(parts))


def clean_text(text: str) -> str:
    """Zero-width characters out, source line wrapping between Chinese undone, spaces collapsed."""
    text = text.translate(_ZERO_WIDTH)
    text = _CJK_WRAP.sub("", text)
    return _SPACE.sub(" ", text).strip()


def _text_weight(text: str) -> float:
    return len(_CJK_CHAR.findall(text)) + len(_LATIN.findall(text)) / 4


def without_spaces(text: str) -> str:
    """``text`` with all white space removed (to compare headlines)."""
    return _SPACE.sub("", text)
