"""Hypothesis at the command line: whatever is typed, the unit answers in its own words and
nothing raises. A traceback anywhere in the unit's log fails the test, not only an "Internal
error" on the screen."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import make_unit

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

COMMANDS = ["terminal width", "terminal pager", "pager lines", "enable", "more", "dir", "delete /noconfirm",
            "mkdir /noconfirm", "rmdir /noconfirm", "verify /md5", "copy /noconfirm", "show", "show running-config",
            "show version |", "show flash", "boot system", "logging buffered", "logging host inside", "ssh",
            "telnet", "timeout conn", "access-list a extended permit tcp any any eq", "route outside",
            "interface", "hostname", "username", "activation-key", "failover polltime", "failover key",
            "name", "mtu outside", "ping", "clear xlate", "show conn", "context", "config-url", "class",
            "limit-resource conns", "aaa local authentication attempts max-fail", "write memory",
            "no access-list a line", "show aaa local user"]
TOKENS = st.one_of(
    st.sampled_from(["²", "١٢٣", "٣", "0", "65536", "-1", "4294967296", "flash:/", "disk0:/", "..", "/", "|", "^",
                     "(a*)*b", "inside", "outside", "255.255.255.0", "10.0.0.1", "\t", "?", "all", "line"]),
    st.integers(0, 9).map(lambda n: "9" * (4300 + n)),
    st.integers(200, 300).map(lambda n: "flash:/" + "a" * n),
    st.text(min_size=1, max_size=12),
)


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@pytest.fixture
def unit(tmp_path, images):
    unit = make_unit(tmp_path, images, config="interface Ethernet0\n nameif outside\n ip address 192.0.2.1 "
                                              "255.255.255.0\ninterface Ethernet1\n nameif inside\n")
    unit.power_on()
    unit.clock.advance(0)
    return unit


@SETTINGS
@given(command=st.sampled_from(COMMANDS), words=st.lists(TOKENS, max_size=4), configure=st.booleans())
def test_no_line_raises(unit, command, words, configure):
    watch = _Tracebacks()
    logging.getLogger("vpix").addHandler(watch)
    try:
        session = unit.system.open_session("ssh", priv=15)
        if configure:
            session.enter("config")
        out = session.execute(" ".join([command, *words]))
        session.feed("\x03")                # leave any question the command asked
        unit.clock.advance(0)
        session.close()
    finally:
        logging.getLogger("vpix").removeHandler(watch)
    assert "Internal error" not in out
    assert not watch.records, watch.records[0].getMessage()
