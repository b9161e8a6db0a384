"""The failover wire format: round trips, keys, and every kind of bad message dropped and counted."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from vpix.failover import messages
from vpix.failover.messages import Endpoint

bodies = st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=20), st.booleans()),
                         max_size=5)


@settings(max_examples=200, deadline=None)
@given(body=bodies, kind=st.sampled_from(sorted(messages.TYPE_IDS)), key=st.none() | st.text(min_size=1, max_size=12))
def test_round_trip(body, kind, key):
    sender, receiver = Endpoint(7, key), Endpoint(9, key)
    message = receiver.unpack(sender.pack(kind, body))
    assert message is not None and message.type == kind and message.body == body


def test_wrong_or_missing_key_is_a_decryption_failure():
    data = Endpoint(1, "secret").pack("hello", {"state": "Active"})
    for key in ("other", None):
        receiver = Endpoint(2, key)
        assert receiver.unpack(data) is None and receiver.dropped["decryption"] == 1
    plain = Endpoint(1).pack("hello", {})
    keyed = Endpoint(2, "secret")
    assert keyed.unpack(plain) is None and keyed.dropped["decryption"] == 1
    assert "same failover shared key" in messages.DECRYPTION_FAILURE


def test_replays_are_dropped_but_a_new_boot_is_not():
    sender, receiver = Endpoint(1), Endpoint(2)
    first = sender.pack("hello", {"n": 1})
    assert receiver.unpack(first) is not None
    assert receiver.unpack(first) is None and receiver.dropped["replayed"] == 1
    rebooted = Endpoint(99)
    assert receiver.unpack(rebooted.pack("hello", {"n": 1})) is not None


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=200), key=st.none() | st.just("k"))
def test_garbage_is_dropped_and_counted(data, key):
    receiver = Endpoint(2, key)
    result = receiver.unpack(data)
    assert result is None or isinstance(result.body, dict)
    assert result is not None or sum(receiver.dropped.values()) == 1


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 60), flip=st.integers(0, 500), key=st.none() | st.just("k"))
def test_truncated_or_flipped_messages(cut, flip, key):
    data = Endpoint(1, key).pack("config", {"lines": ["hostname a", "names"]})
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
    assert b.unpack(a.pack("hello", {})) is None          # b learns a's boot, not yet believing it
    assert a.unpack(b.pack("hello", {})) is not None      # b's answer names a's boot: believed
    assert b.unpack(a.pack("hello", {})) is not None      # and a's, naming b's
    return a, b


def test_a_message_of_an_earlier_pairing_is_a_replay_whoever_rebooted():
    a, b = _paired("k")
    captured = a.pack("config", {"lines": ["hostname renamed"]})
    assert b.unpack(captured) is not None
    rebooted_b = Endpoint(23, "k", messages.Pairing(2003))          # b rebooted: a new boot id
    assert rebooted_b.unpack(captured) is None and rebooted_b.dropped["replayed"] == 1
    new_a, new_b = _paired("k", boots=(1002, 2004))                  # both rebooted and paired again
    assert new_b.unpack(captured) is None and new_b.dropped["replayed"] == 1
    assert new_b.unpack(new_a.pack("config", {"lines": ["hostname current"]})) is not None


def test_only_the_messages_that_find_the_mate_go_before_it_is_known():
    a = Endpoint(11, None, messages.Pairing(1001))
    fresh = Endpoint(33, None, messages.Pairing(3003))
    assert fresh.unpack(a.pack("exec", {"command": "failover active"})) is None
    assert fresh.unpack(a.pack("hello", {"state": "Active"})) is None     # heard, answered, not believed
    assert fresh.pairing.mate == 1001 and fresh.dropped["replayed"] == 1
