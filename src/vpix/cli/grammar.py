"""Command grammar: specs like ``ip address <if:WORD> <ip:IP> <mask:MASK> [standby <sby:IP>]``
expand into paths of a tree per mode; a command line is matched against the tree.

Spec syntax: ``word`` is a keyword, ``<name:TYPE>`` a parameter (types in ``cli.types``),
``[ ... ]`` an optional part, ``{ a | b }`` a choice. Keyword matching is case-insensitive
and accepts any unique prefix, as the device does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, NamedTuple

from vpix.cli.types import ParamType, lookup
from vpix.versions import Version, VersionRange


# ---------------------------------------------------------------- spec expansion

_SPEC_TOKEN = re.compile(r"<[^>]+>|\[|\]|\{|\}|\||[^\s\[\]{}|<>]+")


@dataclass(frozen=True)
class Keyword:
    word: str


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType


Step = Keyword | Param


def expand(spec: str) -> list[list[Step]]:
    """All linear paths a spec allows, shortest first."""
    tokens = _SPEC_TOKEN.findall(spec)
    paths, rest = _sequence(tokens, 0)
    if rest != len(tokens):
        raise ValueError(f"bad spec {spec!r}")
    return sorted(paths, key=len)


def _sequence(tokens: list[str], i: int) -> tuple[list[list[Step]], int]:
    paths: list[list[Step]] = [[]]
    while i < len(tokens) and tokens[i] not in ("]", "}", "|"):
        tok = tokens[i]
        if tok in ("[", "{"):
            close = "]" if tok == "[" else "}"
            choices: list[list[Step]] = [[]] if tok == "[" else []
            i += 1
            while True:
                alt, i = _sequence(tokens, i)
                choices.extend(alt)
                if tokens[i] == "|":
                    i += 1
                    continue
                if tokens[i] != close:
                    raise ValueError(f"unbalanced spec near {tok!r}")
                i += 1
                break
            paths = [p + c for p in paths for c in choices]
        else:
            paths = [p + [_step(tok)] for p in paths]
            i += 1
    return paths, i


def _step(tok: str) -> Step:
    if tok.startswith("<"):
        name, _, type_name = tok[1:-1].partition(":")
        return Param(name, lookup(type_name or "WORD"))
    return Keyword(tok.lower())


# ---------------------------------------------------------------- commands and trees


@dataclass
class Command:
    spec: str
    handler: Callable[..., Any]
    mode: str
    priv: int = 15
    versions: VersionRange = field(default_factory=VersionRange)
    help: dict[str, str] = field(default_factory=dict)
    changes_config: bool = False
    hidden: bool = False
    spaces: frozenset[str] | None = None     # single, system, context; None: its feature's

    def lives_in(self, space: str) -> bool:
        return self.spaces is None or space in self.spaces


@dataclass
class Node:
    help: str = ""
    keywords: dict[str, "Node"] = field(default_factory=dict)
    params: list[tuple[Param, "Node"]] = field(default_factory=list)
    command: Command | None = None
    hidden: bool = True

    def child_for(self, step: Step, help_text: str) -> "Node":
        if isinstance(step, Keyword):
            node = self.keywords.setdefault(step.word, Node())
        else:
            for param, node in self.params:
                if param == step:
                    break
            else:
                node = Node()
                self.params.append((step, node))
        if help_text and not node.help:
            node.help = help_text
        return node


def build_tree(commands: list[Command], common_help: dict[str, str] | None = None) -> Node:
    common_help = common_help or {}
    root = Node(hidden=False)
    for command in commands:
        for path in expand(command.spec):
            node = root
            for step in path:
                key = step.word if isinstance(step, Keyword) else step.name
                node = node.child_for(step, command.help.get(key) or common_help.get(key, ""))
                node.hidden = node.hidden and command.hidden
            if node.command is None:
                node.command = command
    return root


# ---------------------------------------------------------------- matching


class Token(NamedTuple):
    text: str
    start: int


_WORD = re.compile(r"\S+")


def tokenize(line: str) -> list[Token]:
    return [Token(m[0], m.start()) for m in _WORD.finditer(line)]


@dataclass
class Match:
    command: Command
    args: dict[str, Any]
    positions: dict[str, int]   # where each argument starts, for a caret from the handler
    words: tuple[str, ...] = ()  # the line as the configuration writes it: keywords in full


@dataclass
class ParseError(Exception):
    kind: str           # "invalid", "incomplete", "ambiguous"
    position: int = 0   # character index in the line for "invalid"

    def __str__(self) -> str:
        return f"{self.kind} at {self.position}"


def match(root: Node, line: str) -> Match:
    tokens = tokenize(line)
    if not tokens:
        raise ParseError("incomplete", 0)
    straight = _straight(root, line, tokens)
    if straight is not None:
        return straight
    best: list[ParseError] = []
    for result in _walk(root, line, tokens, 0, {}, {}, best, ()):
        return result
    raise max(best, key=error_rank)


def error_rank(err: ParseError) -> tuple[int, int]:
    """The error to report when several paths fail: the one that got furthest."""
    return (err.position, {"invalid": 0, "incomplete": 1, "ambiguous": 2}[err.kind])


# Words the device takes for a short prefix even when other commands share it (`sh` is show,
# though `shun` exists), as its parser ranks them.
PREFERRED = frozenset({"show", "configure", "interface", "write", "terminal", "enable", "exit"})


def _candidates(node: Node, text: str) -> tuple[list[tuple[str, Node]], list[tuple[Param, Node]], bool]:
    """Keyword candidates (an exact match wins over the other keywords), accepting params
    (tried when no keyword path matches), and whether it's ambiguous."""
    lowered = text.lower()
    params = [(p, n) for p, n in node.params if p.type.accepts(text)]
    if lowered in node.keywords:
        return [(lowered, node.keywords[lowered])], params, False
    prefixed = [(w, n) for w, n in node.keywords.items() if w.startswith(lowered)]
    if len(prefixed) > 1:
        preferred = [(w, n) for w, n in prefixed if w in PREFERRED]
        if len(preferred) == 1:
            prefixed = preferred
    if len(prefixed) > 1 and not params:
        return [], [], True
    return (prefixed if len(prefixed) == 1 else []), params, False


def _straight(node: Node, line: str, tokens: list[Token]) -> Match | None:
    """The match when every word has one way on (a keyword in full, else the one parameter
    that takes it) and that way leads to a command: the path ``_walk`` would find first,
    without its search. None for anything else (an abbreviation, a choice, an error)."""
    args: dict[str, Any] = {}
    positions: dict[str, int] = {}
    words: list[str] = []
    count = len(tokens)
    i = 0
    while i < count:
        text, start = tokens[i]
        lowered = text.lower()
        child = node.keywords.get(lowered)
        if child is not None:
            args[lowered] = True
            words.append(lowered)
            node = child
            i += 1
            continue
        if any(word.startswith(lowered) for word in node.keywords):
            return None
        taking = [(param, child) for param, child in node.params if param.type.accepts(text)]
        if len(taking) != 1:
            return None
        param, node = taking[0]
        positions[param.name] = start
        if param.type.rest_of_line:
            args[param.name] = rest = line[start:].rstrip()
            words.append(rest)
            break
        args[param.name] = param.type.convert(text)
        words.append(text)
        i += 1
    if node.command is None:
        return None
    return Match(node.command, args, positions, tuple(words))


def _walk(node, line, tokens, i, args, positions, errors, words) -> Iterator[Match]:
    if i == len(tokens):
        if node.command is not None:
            yield Match(node.command, dict(args), dict(positions), words)
        else:
            errors.append(ParseError("incomplete", len(line)))
        return
    tok = tokens[i]
    lowered = tok.text.lower()
    exact = node.keywords.get(lowered)
    if exact is not None:          # the word in full, as configurations write it: tried first, alone
        yield from _walk(exact, line, tokens, i + 1, {**args, lowered: True}, positions, errors, words + (lowered,))
        params = [(p, n) for p, n in node.params if p.type.accepts(tok.text)]
        yield from _walk_params(params, line, tokens, i, args, positions, errors, words)
        return
    keywords, params, ambiguous = _candidates(node, tok.text)
    if ambiguous:
        errors.append(ParseError("ambiguous", tok.start))
        return
    if not keywords and not params:
        errors.append(ParseError("invalid", tok.start))
        return
    for word, child in keywords:
        yield from _walk(child, line, tokens, i + 1, {**args, word: True}, positions, errors, words + (word,))
    yield from _walk_params(params, line, tokens, i, args, positions, errors, words)


def _walk_params(params, line, tokens, i, args, positions, errors, words) -> Iterator[Match]:
    tok = tokens[i]
    for param, child in params:
        if param.type.rest_of_line:
            text, nxt = line[tok.start:].rstrip(), len(tokens)
            value = text
        else:
            text, nxt = tok.text, i + 1
            value = param.type.convert(tok.text)
        yield from _walk(child, line, tokens, nxt, {**args, param.name: value},
                         {**positions, param.name: tok.start}, errors, words + (text,))


# ---------------------------------------------------------------- help and completion


def _descend(root: Node, tokens: list[Token], line: str) -> Node | None:
    """The node reached by the complete tokens, preferring keywords, then parameters."""
    node = root
    i = 0
    while i < len(tokens):
        keywords, params, _ = _candidates(node, tokens[i].text)
        if keywords:
            node = keywords[0][1]
        elif params:
            param, node = params[0]
            if param.type.rest_of_line:
                return node
        else:
            return None
        i += 1
    return node


@dataclass(frozen=True)
class HelpEntry:
    label: str
    help: str


def help_entries(root: Node, line: str) -> tuple[list[HelpEntry], bool] | None:
    """What may follow ``line`` (ending in space) or complete its last word.

    Returns (entries, partial) or None when the line is already invalid.
    """
    tokens = tokenize(line)
    partial = bool(line) and not line[-1].isspace()
    prefix = tokens.pop().text.lower() if partial else ""
    node = _descend(root, tokens, line)
    if node is None:
        return None
    entries = [HelpEntry(w, n.help) for w, n in sorted(node.keywords.items())
               if w.startswith(prefix) and not n.hidden]
    if not partial:
        entries += [HelpEntry(p.type.label, n.help) for p, n in node.params]
        if node.command is not None:
            entries.append(HelpEntry("<cr>", ""))
    return entries, partial


def complete(root: Node, line: str) -> str | None:
    """The line with its last word completed, when exactly one keyword fits."""
    if not line or line[-1].isspace():
        return None
    tokens = tokenize(line)
    last = tokens.pop()
    node = _descend(root, tokens, line)
    if node is None:
        return None
    fits = [w for w, n in node.keywords.items() if w.startswith(last.text.lower()) and not n.hidden]
    if len(fits) != 1:
        return None
    return line[: last.start] + fits[0] + " "


def usage(command: Command) -> str:
    """The spec as the 6.x ``Usage:`` line shows it."""
    text = re.sub(r"<(\w+):[^>]*>|<(\w+)>", lambda m: f"<{m[1] or m[2]}>", command.spec)
    return text


# ---------------------------------------------------------------- the set of all commands


class CommandSet:
    """Every command of every feature; trees are built per (version, mode, privilege) and cached."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.common_help: dict[str, str] = {}
        self._trees: dict[tuple[Version, str, int, str], Node] = {}
        self._chains: dict[tuple[Version, tuple[str, ...], int, str], list[Node]] = {}

    def add(self, command: Command) -> None:
        self.commands.append(command)
        self.forget_trees()

    def forget_trees(self) -> None:
        """Commands changed where they exist: build the trees afresh."""
        self._trees.clear()
        self._chains.clear()

    def trees(self, version: Version, modes: tuple[str, ...], priv: int, space: str = "single") -> list[Node]:
        """The trees of a chain of modes (a mode, then the modes its commands fall back to)."""
        key = (version, modes, priv, space)
        trees = self._chains.get(key)
        if trees is None:
            trees = self._chains[key] = [self.tree(version, mode, priv, space) for mode in modes]
        return trees

    def tree(self, version: Version, mode: str, priv: int, space: str = "single") -> Node:
        key = (version, mode, priv, space)
        tree = self._trees.get(key)
        if tree is None:
            chosen = [c for c in self.commands if c.mode == mode and c.priv <= priv
                      and version in c.versions and c.lives_in(space)]
            tree = self._trees[key] = build_tree(chosen, self.common_help)
        return tree
