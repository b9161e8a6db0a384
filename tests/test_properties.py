"""Property tests: any command line gets an answer, and configurations re-parse to themselves."""

import string

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import make_unit


WORDS = ["show", "sh", "run", "running-config", "version", "interface", "Ethernet0", "e1",
         "nameif", "ip", "address", "10.0.0.1", "255.255.255.0", "no", "hostname", "conf", "t",
         "terminal", "pager", "0", "|", "include", "exclude", "begin", "?", "write", "end", "exit",
         "names", "name", "username", "password", "privilege", "15", "clock", "set", "mtu",
         "security-level", "100", "standby", "all", "dir", "disk0:", "!", ":", "...", "-1", "99999999999"]

lines = st.one_of(
    st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
    st.text(alphabet=string.printable + "\x00\x1b\x7f\u00e9", max_size=120),
)

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(commands=st.lists(lines, max_size=12))
def test_any_input_gets_an_answer_never_an_exception(tmp_path_factory, images, commands):
    unit = make_unit(tmp_path_factory.mktemp("u"), images)
    unit.power_on()
    system = unit.system
    for family_system in (system,):
        session = family_system.open_session("ssh", priv=15)
        for line in commands:
            out = session.execute(line)
            assert "Internal error" not in out
            assert isinstance(out, str)
            if session.closed:
                break


# ---------------------------------------------------------------- render/parse round trip

names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
octet = st.integers(1, 254)


def _config_commands(family: str):
    ip = st.builds(lambda a, b: f"10.{a}.{b}.1", octet, octet)
    common = [
        st.builds(lambda n: f"hostname {n}", names),
        st.builds(lambda n: f"domain-name {n}.example", names),
        st.builds(lambda a, n: f"name {a} {n}", ip, names),
        st.builds(lambda n, p: f"username {n}x password {p} privilege 15", names, names),
        st.builds(lambda n: f"pager lines {n}", st.integers(0, 100)),
        st.just("no pager"),
        st.builds(lambda p: f"passwd {p}", names),
        st.builds(lambda p: f"enable password {p}", names),
        st.builds(lambda n: f"telnet timeout {n}", st.integers(1, 60)),
        st.builds(lambda n: f"console timeout {n}", st.integers(0, 60)),
        st.sampled_from(["aaa authentication ssh console LOCAL", "no names", "names",
                         "terminal width 511", "no terminal width"]),
    ]
    if family == "7.x":
        common.append(st.sampled_from([
            "failover", "failover lan unit secondary", "failover lan interface fover Ethernet3",
            "failover polltime unit msec 200 holdtime msec 800", "failover polltime interface 3 holdtime 15",
            "failover interface-policy 50%", "failover key k3y", "failover replication http",
            "failover interface ip fover 10.250.0.1 255.255.255.0 standby 10.250.0.2",
            "failover mac address Ethernet0 0011.2233.4455 0011.2233.4456"]))
        iface = st.sampled_from(["Ethernet0", "Ethernet1", "Ethernet2"])
        common.append(st.builds(
            lambda i, n, lvl, a, shut: "\n".join([f"interface {i}", f" nameif {n}",
                                                  f" security-level {lvl}",
                                                  f" ip address {a} 255.255.255.0",
                                                  " shutdown" if shut else " no shutdown"]),
            iface, names, st.integers(0, 100), ip, st.booleans()))
    else:
        common.append(st.builds(lambda i, s: f"interface ethernet{i} {s}", st.integers(0, 5),
                                st.sampled_from(["auto", "100full", "10baset", "auto shutdown"])))
        common.append(st.builds(lambda i, n, lvl: f"nameif ethernet{i} {n} security{lvl}",
                                st.integers(2, 5), names, st.integers(1, 99)))
    return st.lists(st.one_of(common), max_size=15)


def _roundtrip(tmp_path_factory, images, image_key, commands):
    first = make_unit(tmp_path_factory.mktemp("a"), images, image_key=image_key)
    first.power_on()
    first.system.apply_config("\n".join(commands))
    rendered = first.system.running_config()
    # Booting from it as startup-config; the second unit has another serial and other MACs,
    # which the configuration must not care about.
    second = make_unit(tmp_path_factory.mktemp("b"), images, image_key=image_key,
                       config="\n".join(rendered) + "\n")
    second.power_on()
    assert "ERROR" not in second.console.text() and "Usage" not in second.console.text()
    assert second.system.running_config() == rendered


@SETTINGS
@given(commands=_config_commands("7.x"))
def test_render_parse_render_7x(tmp_path_factory, images, commands):
    _roundtrip(tmp_path_factory, images, "pix-7.2(1)", commands)


@SETTINGS
@given(commands=_config_commands("6.x"))
def test_render_parse_render_6x(tmp_path_factory, images, commands):
    _roundtrip(tmp_path_factory, images, "pix-6.3(5)", commands)


@given(st.text(alphabet="0123456789.٣ a-", max_size=17) | st.ip_addresses(v=4).map(str))
def test_ipv4_check_agrees_with_ipaddress(text):
    import ipaddress

    from vpix.cli.types import _is_ipv4

    try:
        ipaddress.IPv4Address(text)
        expected = True
    except ValueError:
        expected = False
    assert _is_ipv4(text) == expected
