"""The grammar engine on its own: expansion, abbreviation, errors, help, completion."""

import pytest

from vpix.cli.grammar import Command, ParseError, build_tree, complete, expand, help_entries, match


def _tree(*specs):
    return build_tree([Command(s, handler=lambda ctx: None, mode="exec",
                               help={"show": "Show things", "version": "The version"}) for s in specs])


def test_expand_optional_and_choice():
    paths = expand("a [b <x:INT:1-5>] {c|d}")
    texts = sorted(" ".join(getattr(s, "word", None) or s.name for s in p) for p in paths)
    assert texts == ["a b x c", "a b x d", "a c", "a d"]


def test_unique_prefix_and_exact_match():
    tree = _tree("show version", "show running-config", "shun <ip:IP>")
    assert match(tree, "sh ver").command.spec == "show version"
    assert match(tree, "show run").command.spec == "show running-config"
    assert match(tree, "shun 10.0.0.1").args["ip"] == "10.0.0.1"


def test_a_keyword_cut_short_wins_over_a_word_that_would_take_it_and_a_dead_end_falls_back():
    tree = _tree("show version", "show <name:WORD>", "clear <name:WORD> all", "clear counters")
    assert match(tree, "show ver").command.spec == "show version"
    assert match(tree, "show verbose").args["name"] == "verbose"
    assert match(tree, "clear counters all").command.spec == "clear <name:WORD> all"
    assert match(tree, "clear counters").command.spec == "clear counters"


def test_ambiguous_incomplete_invalid():
    tree = _tree("show version", "shun <ip:IP>", "shutdown")
    with pytest.raises(ParseError) as err:
        match(tree, "shu")
    assert err.value.kind == "ambiguous"
    assert match(tree, "s version").command.spec == "show version"  # `show` wins short prefixes
    with pytest.raises(ParseError) as err:
        match(tree, "show")
    assert err.value.kind == "incomplete"
    with pytest.raises(ParseError) as err:
        match(tree, "show verzion")
    assert (err.value.kind, err.value.position) == ("invalid", 5)
    with pytest.raises(ParseError) as err:
        match(tree, "show version extra")
    assert (err.value.kind, err.value.position) == ("invalid", 13)


def test_parameter_types_reject_bad_values():
    tree = _tree("pager lines <n:INT:0-100>", "ip address <ip:IP> <mask:MASK>")
    assert match(tree, "pager lines 24").args["n"] == 24
    for bad, pos in (("pager lines 101", 12), ("ip address 10.0.0.300 255.0.0.0", 11),
                     ("ip address 10.0.0.1 255.0.255.0", 20)):
        with pytest.raises(ParseError) as err:
            match(tree, bad)
        assert err.value.position == pos


def test_rest_of_line_parameter():
    tree = _tree("name <ip:IP> <n:WORD> [description <text:LINE>]")
    m = match(tree, "name 10.1.1.1 srv description  the  web server ")
    assert m.args["text"] == "the  web server"


def test_help_lists_children_and_cr():
    tree = _tree("show version", "show version detail")
    entries, partial = help_entries(tree, "show version ")
    assert [e.label for e in entries] == ["detail", "<cr>"]
    entries, partial = help_entries(tree, "sh")
    assert partial and [e.label for e in entries] == ["show"]
    assert help_entries(tree, "bogus ") is None


def test_completion():
    tree = _tree("show version", "shun <ip:IP>")
    assert complete(tree, "show ver") == "show version "
    assert complete(tree, "sh") is None


def _searched(root, line):
    """What the full search finds first, without the straight path."""
    from vpix.cli import grammar

    tokens = grammar.tokenize(line)
    errors: list = []
    for found in grammar._walk(root, line, tokens, 0, {}, {}, errors, ()):
        return found
    return max(errors, key=grammar.error_rank) if errors else None


def _config_lines() -> list[str]:
    from pathlib import Path

    lines = []
    for path in sorted((Path(__file__).parent / "data" / "configs").glob("*.cfg")):
        lines += [line for line in path.read_text().splitlines() if line.strip() and not line.startswith(("!", ":"))]
    return lines


@pytest.mark.parametrize("version", ["6.3(5)", "7.2(1)", "8.0(4)"])
def test_the_straight_path_finds_what_the_search_finds_first(version):
    """Every line of the configuration corpus, as typed in full and with its words cut short,
    in every mode that has commands: the fast path and the full search agree."""
    import vpix.features  # noqa: F401  (the commands)
    from vpix.cli.registry import COMMANDS
    from vpix.versions import Version

    v = Version.parse(version)
    modes = sorted({c.mode for c in COMMANDS.commands})
    lines = _config_lines()
    lines += [" ".join(word[:3] if len(word) > 4 else word for word in line.split()) for line in lines]
    checked = 0
    for mode in modes:
        root = COMMANDS.tree(v, mode, 15)
        for line in lines:
            try:
                fast = match(root, line)
            except ParseError:
                fast = None
            searched = _searched(root, line)
            if fast is not None:
                assert fast == searched, (mode, line)
                checked += 1
    assert checked > 100
