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
