"""The search box's language, parsed by hand because Whoosh's parser never says no.

    扫黑除恶 宣传          both words (anywhere in the report, or in the chosen sections)
    "小事不出村"           the exact characters, spaces included
    信访 OR 上访           either
    普法 -禁毒             reports without 禁毒

Every word is matched as an exact character string after normalization (simplified,
half-width, lower case), the way grep would find it; quotes only keep spaces and operators
inside a phrase. A query that cannot be read raises QueryError with a message for the user.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .errors import QueryError
from .normalize import normalize

MAX_QUERY_CHARS = 500
MAX_TERMS = 20
_QUOTES = {'"': '"', "“": "”", "”": "“", "「": "」", "＂": "＂"}


@dataclass(frozen=True)
class ParsedQuery:
    clauses: list[tuple[str, ...]] = field(default_factory=list)  # AND of OR-groups
    excluded: list[str] = field(default_factory=list)
    quoted: frozenset[str] = frozenset()  # terms the user put in quotes: never split

    @property
    def terms(self) -> list[str]:
        """The positive terms, each once, in query order."""
        return list(dict.fromkeys(term for clause in self.clauses for term in clause))


@dataclass(frozen=True)
class _Token:
    text: str
    quoted: bool
    negated: bool


def parse_query(query: str) -> ParsedQuery:
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"查询太长（{len(query)} 个字符），请控制在 {MAX_QUERY_CHARS} 个字符以内。"
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in query):
        raise QueryError("查询中含有控制字符，请删除后重试。")
    if any("\ud800" <= ch <= "\udfff" for ch in query):
        # Bytes that were not UTF-8, as Python hands them over from a command line.
        raise QueryError("查询中含有无法识别的字节（不是 UTF-8 文本），请检查终端或文件的编码。")
    tokens = _tokens(query)
    if len(tokens) > MAX_TERMS * 2:
        raise QueryError(f"查询词太多，请不超过 {MAX_TERMS} 个。")
    return _combine(tokens)


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        negated = query[i] == "-"
        start = i + 1 if negated else i
        if start < n and query[start] in _QUOTES:
            close = query.find(_QUOTES[query[start]], start + 1)
            if close < 0:
                raise QueryError(f"引号不成对：{query[start : start + 20]}… 请补上结尾的引号。")
            text, quoted, i = query[start + 1 : close], True, close + 1
        else:
            end = start
            while end < n and not query[end].isspace() and query[end] not in _QUOTES:
                end += 1
            text, quoted, i = query[start:end], False, end
        if negated and not text.strip():
            raise QueryError("“-” 后面要紧跟要排除的词，例如：普法 -禁毒")
        if quoted and not text.strip():
            raise QueryError("引号里没有内容。")
        tokens.append(_Token(text, quoted, negated))
    return tokens


def _combine(tokens: list[_Token]) -> ParsedQuery:
    clauses: list[list[str]] = []
    excluded: list[str] = []
    quoted: set[str] = set()
    joining = after_excluded = False
    for token in tokens:
        if token.text == "OR" and not token.quoted and not token.negated:
            if after_excluded:
                raise QueryError("排除词（-词）不能与 OR 连用。")
            if not clauses or joining:
                raise QueryError("OR 要写在两个词之间，例如：信访 OR 上访")
            joining = True
            continue
        after_excluded = token.negated
        term = normalize(token.text)
        if token.quoted:
            quoted.add(term)
        if token.negated:
            if joining:
                raise QueryError("OR 后面不能接排除词（-词）。")
            excluded.append(term)
        elif joining:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        joining = False
    if joining:
        raise QueryError("OR 要写在两个词之间，例如：信访 OR 上访")
    if len(clauses) + len(excluded) > MAX_TERMS:
        raise QueryError(f"查询词太多，请不超过 {MAX_TERMS} 个。")
    return ParsedQuery(
        [tuple(dict.fromkeys(c)) for c in clauses], list(dict.fromkeys(excluded)), frozenset(quoted)
    )
