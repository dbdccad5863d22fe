"""The fast path of WIT parsing: a lexer and an LALR loop of our own over the tables Lark
builds from `grammars/wit.lark`, calling `ToAst` at each reduction, so no Lark token or tree
is made.

It gives the same `ast.File` as Lark's parser followed by a walk of its tree (tests compare
the two on every corpus file), but only for text that parses: at the first thing it does not
expect (a character no terminal matches, a token the table has no action for, a type nested
too deep, an unterminated comment) it raises `NotFast`, and `parse_text` has Lark parse
the text itself (`lalr.lark_errors`), which words the error as before. It reads Lark's own terminal order, keyword table
and parse table, so the grammar file stays the one definition of the language; what it
cannot mirror exactly (a new ignored terminal, a rule option it does not know) fails
`Tables.from_lark` rather than parsing differently.
"""

from __future__ import annotations

import contextlib
import functools
import pickle
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from witkit._cachedirs import cache_folder, keep
from witkit.errors import WitError, location_in_file
from witkit.wit import ast
from witkit.wit.parser import MAX_TYPE_NESTING, _tree_cache_salt
from witkit.wit.to_ast import ToAst

if TYPE_CHECKING:
    from lark import Lark

__all__ = ["NotFast", "Tables", "error_at", "parse_fast", "parse_text", "tables"]


class NotFast(Exception):
    """The text is not one the fast path parses; Lark's parser will say why."""


# What the grammar ignores, as this lexer handles it: whitespace in front of every token,
# comments as tokens of their own (they become docs). Lark's definitions must be exactly these.
_IGNORED = {
    "WHITESPACE": "[ \t\r\n]+",
    "LINE_COMMENT": "\\/\\/[^\n]*",
    "BLOCK_COMMENT": "\\/\\*(?:[^*]|\\*(?!\\/))*\\*\\/",
}
_LINE = "_LINE_COMMENT_"
_CHAR = "_ONE_CHARACTER_"
_BLOCK = "_BLOCK_COMMENT_"
_BLOCK_EDGE = re.compile(r"/\*|\*/")

_CALL, _INLINE, _SINGLE = 0, 1, 2
"""What a reduction makes: a `ToAst` method's node; a list spliced into the parent (rules
named `_x`, Lark's inlined rules); the only child itself (`?rule`)."""

_ALL, _PICK, _SPLICE = 0, 1, 2
"""Which children a reduction keeps: all its symbols; some of them (`_`-named terminals are
dropped); some, with the lists of inlined rules spliced in."""

Rule = tuple[int, str, int, int, Any, Any]
"""(size, origin, what it makes, which children it keeps and their positions, the `ToAst`
method or None)."""


class Tables:
    """Lark's lexer and LALR tables, in the shape the loop below reads fastest."""

    def __init__(
        self,
        pattern: re.Pattern[str],
        keywords: dict[str, str],
        chars: dict[str, str],
        table: list[dict[str, int]],
        rules: list[Rule],
        start: int,
        end: int,
    ) -> None:
        self.pattern = pattern
        self.keywords = keywords
        self.chars = chars
        self.table = table
        self.rules = rules
        self.start = start
        self.end = end

    @classmethod
    def from_lark(cls, parser: Lark) -> Tables:
        """Read the tables of a Lark LALR parser with the basic lexer; `ValueError` where the
        grammar uses something this driver does not mirror."""
        from lark.lexer import UnlessCallback
        from lark.parsers.lalr_analysis import Shift

        frontend: Any = parser.parser
        lexer = frontend.lexer
        scanner = lexer.scanner
        if set(lexer.ignore_types) != set(_IGNORED) or len(scanner._mres) != 1:
            raise ValueError("the grammar's ignored terminals are not the ones the driver knows")
        alternatives = [f"(?P<{_LINE}>//[^\n]*)", f"(?P<{_BLOCK}>/\\*)"]
        chars: dict[str, str] = {}
        for terminal in scanner.terminals:
            regexp = terminal.pattern.to_regexp()
            value = terminal.pattern.value
            if terminal.name in _IGNORED:
                if regexp != _IGNORED[terminal.name]:
                    raise ValueError(f"terminal {terminal.name} is not {_IGNORED[terminal.name]}")
            elif terminal.pattern.type == "str" and len(value) == 1 and not terminal.pattern.flags:
                chars[str(value)] = str(terminal.name)
            elif chars:
                # Lark tries terminals in this order; one-character strings, which cannot
                # overlap each other, are matched together only when they come last.
                raise ValueError(f"terminal {terminal.name} comes after one-character ones")
            else:
                alternatives.append(f"(?P<{terminal.name}>{regexp})")
        if chars:
            alternatives.append(f"(?P<{_CHAR}>[{''.join(map(re.escape, chars))}])")
        pattern = re.compile("[ \t\r\n]*(?:" + "|".join(alternatives) + ")", lexer.g_regex_flags)
        keywords: dict[str, str] = {}
        callbacks = dict(lexer.callback)
        if set(callbacks) - {"ID"} or not all(
            isinstance(c, UnlessCallback) for c in callbacks.values()
        ):
            raise ValueError("the lexer has callbacks the driver does not know")
        if "ID" in callbacks:
            for keyword in callbacks["ID"].scanner.terminals:
                if keyword.pattern.type != "str" or keyword.pattern.flags:
                    raise ValueError(f"keyword {keyword.name} is not a plain string")
                keywords[str(keyword.pattern.value)] = str(keyword.name)

        parse_table = frontend.parser.parser.parse_table
        rule_index: dict[Any, int] = {}
        rules: list[Rule] = []
        for rule in parser.rules:
            options = rule.options
            if rule.alias or options.keep_all_tokens or options.template_source:
                raise ValueError(f"rule {rule.origin.name} uses an option the driver lacks")
            plan = tuple(
                (i, not symbol.is_term and symbol.name.startswith("_"))
                for i, symbol in enumerate(rule.expansion)
                if not (symbol.is_term and getattr(symbol, "filter_out", False))
            )
            name = str(rule.origin.name)  # Lark's names are Tokens: slow to compare
            if name.startswith("_"):
                made = _INLINE
            elif options.expand1:
                if len(plan) != 1 or plan[0][1]:
                    raise ValueError(f"`?{name}` alternative without exactly one child")
                made = _SINGLE
            else:
                made = _CALL
            keep: Any = plan
            kept = _SPLICE
            if not any(splice for _, splice in plan):
                keep = tuple(i for i, _ in plan)
                kept = _ALL if keep == tuple(range(len(rule.expansion))) else _PICK
            method = getattr(ToAst, name) if made == _CALL else None
            rule_index[rule] = len(rules)
            rules.append((len(rule.expansion), name, made, kept, keep, method))
        table: list[dict[str, int]] = [{} for _ in range(max(parse_table.states) + 1)]
        for state, actions in parse_table.states.items():
            row = table[state]
            for symbol, (action, arg) in actions.items():
                row[str(symbol)] = arg if action is Shift else ~rule_index[arg]
        (start,) = parse_table.start_states.values()
        (end,) = parse_table.end_states.values()
        return cls(pattern, keywords, chars, table, rules, start, end)


@functools.lru_cache(maxsize=1)
def tables() -> Tables:
    """The tables, once per process: read back from the grammar cache folder, where they are
    kept next to Lark's own (named by the tree cache's digest of the grammar, this code, the
    node classes and the Lark and Python versions), so a process that parses valid WIT
    neither imports Lark nor loads its parser; built from `lalr._parser()` otherwise."""
    folder = cache_folder("grammar")
    entry = (
        None if folder is None else folder / f"wit-tables-{_tree_cache_salt().hex()[:32]}.pickle"
    )
    if entry is not None:
        with contextlib.suppress(Exception), entry.open("rb") as f:
            kept = pickle.load(f)
            if isinstance(kept, Tables):
                return kept
    from witkit.wit.lalr import _parser

    built = Tables.from_lark(_parser())
    if entry is not None:
        keep(entry, built, 2)
    return built


_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    "\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5]"
)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DISCOURAGED = frozenset("\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5")


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def error_at(message: str, source: str, path: str, offset: int, length: int = 1) -> WitError:
    """A `WitError` pointing at `offset` in `source` (`length` characters underlined)."""
    line, column = _line_column(source, offset)
    return WitError(message, location_in_file(path, source, line, column, max(1, length)))


def _check_input(source: str, path: str) -> None:
    """Reject the code points wit-parser refuses: control codes, bidi overrides, deprecated ones."""
    bad = _FORBIDDEN.search(source)
    if bad is None:
        return
    char = bad.group()
    line, _ = _line_column(source, bad.start())
    escaped = f"'\\u{{{ord(char):x}}}'"
    if char in _BIDI:
        message = f"Input contains bidirectional override codepoint {escaped} at line {line}"
    elif char in _DISCOURAGED:
        message = f"Codepoint {escaped} at line {line} is discouraged by Unicode"
    else:
        message = f"Control code {escaped} at line {line}"
    raise error_at(message, source, path, bad.start())


def parse_text(source: str, path: str) -> ast.File:
    """Parse the text of one `.wit` file (its size already checked) into an `ast.File`.

    The fast path parses valid WIT; where it stops (a syntax error, or a `WitError` of its
    own such as an invalid identifier), Lark parses the text again (`lalr.lark_errors`) so
    that the error reported is the one wit-parser reports first: syntax errors anywhere in
    the file before the checks made on the parsed items.
    """
    _check_input(source, path)
    stopped: Exception
    try:
        return parse_fast(tables(), source, path)
    except WitError as error:
        from witkit.wit.lalr import lark_errors

        lark_errors(source, path)
        raise error from None
    except Exception as error:  # NotFast, or a bug in the fast path or the transformer
        stopped = error
    from witkit.wit.lalr import lark_errors

    lark_errors(source, path)
    # Lark parsed what the fast path did not: a bug here, not in the WIT.
    raise WitError(
        f"internal error while reading WIT: {stopped!r}", location_in_file(path, source, 1, 1)
    ) from stopped


def _lex(
    tables: Tables, source: str
) -> tuple[list[str], list[str], list[int], tuple[list[int], list[int], list[str]]]:
    """The tokens of `source` (kinds, texts, start offsets; `$END` last) and its comments."""
    kinds: list[str] = []
    values: list[str] = []
    starts: list[int] = []
    comment_starts: list[int] = []
    comment_ends: list[int] = []
    comment_texts: list[str] = []
    match = tables.pattern.match
    keywords = tables.keywords
    chars = tables.chars
    position = 1 if source.startswith("\ufeff") else 0
    while (found := match(source, position)) is not None:
        kind = found.lastgroup
        assert kind is not None
        start = found.start(kind)
        end = found.end()
        if kind == "ID":
            value = source[start:end]
            kinds.append(keywords.get(value, "ID"))
            values.append(value)
            starts.append(start)
        elif kind == _CHAR:
            value = source[start]
            kinds.append(chars[value])
            values.append(value)
            starts.append(start)
        elif kind == _LINE:
            comment_starts.append(start)
            comment_ends.append(end)
            comment_texts.append(source[start:end])
        elif kind == _BLOCK:
            depth = 1
            while depth:
                edge = _BLOCK_EDGE.search(source, end)
                if edge is None:
                    raise NotFast("unterminated block comment")
                depth += 1 if edge.group() == "/*" else -1
                end = edge.end()
            comment_starts.append(start)
            comment_ends.append(end)
            comment_texts.append(source[start:end])
        else:
            kinds.append(kind)
            values.append(source[start:end])
            starts.append(start)
        position = end
    if source[position:].strip(" \t\r\n"):
        raise NotFast("a character no terminal matches")
    kinds.append("$END")
    values.append("")
    starts.append(len(source))
    return kinds, values, starts, (comment_starts, comment_ends, comment_texts)


def _nests_too_deep(kinds: list[str]) -> bool:
    """Whether `<` nests deeper than wit-parser allows (counted as `lalr` counts it)."""
    if kinds.count("_LANGLE") <= MAX_TYPE_NESTING:
        return False
    depth = 0
    for kind in kinds:
        if kind == "_LANGLE":
            depth += 1
            if depth > MAX_TYPE_NESTING:
                return True
        elif kind == "_RANGLE" and depth:
            depth -= 1
    return False


def parse_fast(tables: Tables, source: str, path: str) -> ast.File:
    """Parse `source` into an `ast.File`; `NotFast` where Lark should parse it instead, and
    the `WitError` of a `ToAst` check (an invalid identifier, version, attribute)."""
    kinds, values, starts, comments = _lex(tables, source)
    if _nests_too_deep(kinds):
        raise NotFast("type nesting too deep")
    to_ast = ToAst(path, source, kinds, values, starts, comments)
    table = tables.table
    rules = tables.rules
    end_state = tables.end
    states = [tables.start]
    stack: list[Any] = []
    firsts: list[int] = []
    index = 0
    kind = kinds[0]
    while True:
        action = table[states[-1]].get(kind)
        if action is None:
            raise NotFast(f"unexpected {kind}")
        if action >= 0:
            if kind == "$END":
                raise NotFast("shift at the end")
            states.append(action)
            stack.append(index)
            firsts.append(index)
            index += 1
            kind = kinds[index]
            continue
        size, origin, made, kept, keep, method = rules[~action]
        children: list[Any]
        if size:
            got = stack[-size:]
            del stack[-size:]
            del states[-size:]
            first = firsts[-size]
            if size > 1:
                del firsts[-size + 1 :]
        else:
            got = []
            first = index
            firsts.append(index)
        if kept == _ALL:
            children = got
        elif kept == _PICK:
            children = [got[i] for i in keep]
        else:
            children = []
            for i, splice in keep:
                if not splice:
                    children.append(got[i])
                elif children:
                    children += got[i]
                else:
                    children = got[i]  # a left-recursive list: grow it in place
        value: Any
        if made == _CALL:
            call: Callable[..., Any] = method
            value = call(to_ast, first, index - 1, children)
        elif made == _INLINE:
            value = children
        else:
            value = children[0]
        states.append(table[states[-1]][origin])
        stack.append(value)
        if kind == "$END" and states[-1] == end_state:
            assert isinstance(value, ast.File)
            return value
