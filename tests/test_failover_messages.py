"""The failover wire format: round trips, keys, and every kind of bad message dropped and counted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from vpix.failover import messages
from vpix.failover.messages import Config, Endpoint, Exec, Hello

text = st.text(max_size=12)
count = st.integers(0, 2**40)
seconds = st.floats(0, 1e9, allow_nan=False)
# a strategy per message type: every field drawn, defaults included
STRATEGIES = {
    Hello: st.builds(Hello, st.booleans(), text, count, seconds, seconds, st.integers(0, 2), seconds, text,
                     st.lists(text, max_size=3).map(tuple), st.dictionaries(text, text, max_size=3),
                     st.dictionaries(text, st.one_of(text, count, st.booleans()), max_size=3), count,
                     st.booleans(), st.none() | st.tuples(count, count)),
    messages.LanTest: st.builds(messages.LanTest, st.booleans(), text),
    messages.Order: st.builds(messages.Order, text, text, st.integers(0, 2)),
    Config: st.builds(Config, st.lists(text, max_size=5).map(tuple), text, st.booleans(), count),
    messages.SyncStart: st.builds(messages.SyncStart, count),
    messages.SyncEnd: st.just(messages.SyncEnd()),
    messages.WantConfig: st.just(messages.WantConfig()),
    messages.Save: st.builds(messages.Save, text),
    Exec: st.builds(Exec, count, text),
    messages.ExecReply: st.builds(messages.ExecReply, count, text, st.booleans()),
    messages.Reload: st.just(messages.Reload()),
    messages.Update: st.builds(messages.Update, text,
                               st.lists(st.lists(st.one_of(text, count), max_size=4), max_size=3), text),
    messages.File: st.builds(messages.File, text)}


def test_every_message_type_is_drawn():
    assert set(STRATEGIES) == set(messages.TYPES.values())


@settings(max_examples=300, deadline=None)
@given(message=st.one_of(*STRATEGIES.values()), key=st.none() | st.text(min_size=1, max_size=12))
def test_round_trip(message, key):
    sender, receiver = _paired(key)
    received = receiver.unpack(sender.pack(message))
    assert received is not None and received.body == message


def _raw(type_id: int, body) -> bytes:
    return messages.frame(type_id, body, epoch=1, seq=1, boot=5, to=0)


@pytest.mark.parametrize("body", [{"primary": "yes", "state": "Active"}, {"primary": True}, {"state": "Active"},
                                  {"primary": True, "state": "Active", "macs": "0050.5600.0001"},
                                  {"primary": True, "state": "Active", "synced": [1]},
                                  {"primary": True, "state": "Active", "failed_interfaces": 1.5},
                                  {"primary": True, "state": "Active", "cfg": True}, ["primary"], 7])
def test_a_field_of_the_wrong_type_or_missing_drops_the_message_as_malformed(body):
    receiver = Endpoint(2)
    assert receiver.unpack(_raw(messages.TYPE_IDS[Hello], body)) is None
    assert receiver.dropped["malformed"] == 1


def test_unknown_fields_are_ignored_and_defaults_filled():
    received = Endpoint(2).unpack(_raw(messages.TYPE_IDS[Hello], {"primary": True, "state": "Active", "new": 1}))
    assert received.body == Hello(True, "Active")


def test_wrong_or_missing_key_is_a_decryption_failure():
    data = Endpoint(1, "secret").pack(Hello(True, "Active"))
    for key in ("other", None):
        receiver = Endpoint(2, key)
        assert receiver.unpack(data) is None and receiver.dropped["decryption"] == 1
    plain = Endpoint(1).pack(Hello(True, "Active"))
    keyed = Endpoint(2, "secret")
    assert keyed.unpack(plain) is None and keyed.dropped["decryption"] == 1
    assert "same failover shared key" in messages.DECRYPTION_FAILURE


def test_replays_are_dropped_but_a_new_boot_is_not():
    sender, receiver = Endpoint(1), Endpoint(2)
    first = sender.pack(Hello(True, "Active", 1))
    assert receiver.unpack(first) is not None
    assert receiver.unpack(first) is None and receiver.dropped["replayed"] == 1
    rebooted = Endpoint(99)
    assert receiver.unpack(rebooted.pack(Hello(True, "Active", 1))) is not None


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=200), key=st.none() | st.just("k"))
def test_garbage_is_dropped_and_counted(data, key):
    receiver = Endpoint(2, key)
    result = receiver.unpack(data)
    assert result is None or type(result.body) in messages.TYPE_IDS
    assert result is not None or sum(receiver.dropped.values()) == 1


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 60), flip=st.integers(0, 500), key=st.none() | st.just("k"))
def test_truncated_or_flipped_messages(cut, flip, key):
    data = Endpoint(1, key).pack(Config(("hostname a", "names")))
    receiver = Endpoint(2, key)
    assert receiver.unpack(data[:cut % len(data)]) is None
    tampered = bytearray(data)
    tampered[flip % len(data)] ^= 0x40
    result = receiver.unpack(bytes(tampered))
    if key:                                    # authenticated: any change is caught
        assert result is None


def _paired(key=None, boots=(1001, 2002)) -> tuple[Endpoint, Endpoint]:
    a = Endpoint(11, key, messages.Pairing(boots[0]))
    b = Endpoint(22, key, messages.Pairing(boots[1]))
    assert b.unpack(a.pack(Hello(False, "Standby Ready"))) is None          # b learns a's boot, not yet believing it
    assert a.unpack(b.pack(Hello(False, "Standby Ready"))) is not None      # b's answer names a's boot: believed
    assert b.unpack(a.pack(Hello(False, "Standby Ready"))) is not None      # and a's, naming b's
    return a, b


def test_a_message_of_an_earlier_pairing_is_a_replay_whoever_rebooted():
    a, b = _paired("k")
    captured = a.pack(Config(("hostname renamed",)))
    assert b.unpack(captured) is not None
    rebooted_b = Endpoint(23, "k", messages.Pairing(2003))          # b rebooted: a new boot id
    assert rebooted_b.unpack(captured) is None and rebooted_b.dropped["replayed"] == 1
    new_a, new_b = _paired("k", boots=(1002, 2004))                  # both rebooted and paired again
    assert new_b.unpack(captured) is None and new_b.dropped["replayed"] == 1
    assert new_b.unpack(new_a.pack(Config(("hostname current",)))) is not None


def test_only_the_messages_that_find_the_mate_go_before_it_is_known():
    a = Endpoint(11, None, messages.Pairing(1001))
    fresh = Endpoint(33, None, messages.Pairing(3003))
    assert fresh.unpack(a.pack(Exec(1, "failover active"))) is None
    assert fresh.unpack(a.pack(Hello(True, "Active"))) is None     # heard, answered, not believed
    assert fresh.pairing.mate == 1001 and fresh.dropped["replayed"] == 1
