"""The wire format between grader and sandbox: plain data only, no pickle, bounded sizes."""

import base64
import io
import json
import sys

import numpy as np
import pytest

from mlpbook.grading import wire


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, 2.0, None], {"a": 1, "b": [2, 3]},
    np.arange(6).reshape(2, 3), np.ones((2, 3), order="F"), np.zeros(0),
    np.array(1.5), np.array([True, False]), np.arange(4, dtype=np.int32),
    np.linspace(0, 1, 5, dtype=np.float32), np.array([1 + 2j]),
])
def test_roundtrip_keeps_values_types_shapes_and_dtypes(value):
    back = wire.loads(wire.dumps(value))
    if isinstance(value, np.ndarray):
        assert isinstance(back, np.ndarray)
        assert back.shape == value.shape and back.dtype == value.dtype
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value and type(back) is type(value)


def test_numpy_scalars_come_back_as_numpy_scalars_not_arrays():
    for scalar in (np.float64(0.25), np.float32(-1.5), np.int64(7), np.bool_(True)):
        back = wire.loads(wire.dumps(scalar))
        assert type(back) is type(scalar) and back == scalar


def test_tuples_become_lists_and_nesting_is_kept():
    back = wire.loads(wire.dumps((np.ones(2), (1, [2.0]))))
    assert isinstance(back, list) and isinstance(back[1], list)
    np.testing.assert_array_equal(back[0], np.ones(2))
    assert back[1] == [1, [2.0]]


def test_nan_and_infinity_survive():
    back = wire.loads(wire.dumps([float("nan"), np.array([np.inf, -np.inf, np.nan])]))
    assert np.isnan(back[0])
    assert np.isposinf(back[1][0]) and np.isneginf(back[1][1]) and np.isnan(back[1][2])


@pytest.mark.parametrize("value, words", [
    (np.array([object()]), "dtype object"),
    (np.array(["a", "b"]), "dtype <U1"),
    ((v for v in range(3)), "type generator"),
    (lambda: 1, "type function"),
    ({1: 2}, "keys that are not strings"),
    (type("MyFloat", (float,), {})(1.0), "type MyFloat"),
])
def test_unsupported_values_are_refused_with_a_reason(value, words):
    with pytest.raises(wire.WireError, match=words):
        wire.encode(value)


def test_too_deep_and_too_big_values_are_refused():
    deep = []
    for _ in range(wire.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested"):
        wire.encode(deep)
    with pytest.raises(wire.WireError, match="more than"):
        wire.encode([np.zeros(wire.MAX_ITEMS // 2 + 1)] * 2)


def _npy_text(arr) -> str:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode()


def test_decoding_never_unpickles_and_checks_headers_before_allocating():
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError, match="dtype object"):
        wire.decode({"__npy__": base64.b64encode(pickled.getvalue()).decode()})
    raw = base64.b64decode(_npy_text(np.zeros(3)))
    huge = io.BytesIO()  # a valid header that claims 10^10 entries, followed by 24 bytes
    np.lib.format.write_array_header_1_0(
        huge, {"descr": "<f8", "fortran_order": False, "shape": (10**10,)})
    huge.write(bytes(24))
    with pytest.raises(wire.WireError, match="too big or truncated"):
        wire.decode({"__npy__": base64.b64encode(huge.getvalue()).decode()})
    with pytest.raises(wire.WireError, match="too big or truncated"):
        wire.decode({"__npy__": base64.b64encode(raw[:-8]).decode()})
    with pytest.raises(wire.WireError, match="malformed"):
        wire.decode({"__npy__": "not base64 !"})


@pytest.mark.parametrize("data", [{"other": 1}, {"__npy__": 3}, {"__dict__": [1]}, 1.5j])
def test_unknown_shapes_of_data_are_refused(data):
    with pytest.raises(wire.WireError):
        wire.decode(data)


def test_loads_refuses_malformed_json():
    with pytest.raises(wire.WireError, match="JSON"):
        wire.loads("{not json")
    assert wire.loads(json.dumps([1, 2])) == [1, 2]


def test_decoding_is_bounded(monkeypatch):
    """What a sandbox sends is bounded when it is decoded: integers (10**400 is refused, not
    compared), nesting and the number of items."""
    for big in (10**400, 2**63, -(2**63) - 1):
        with pytest.raises(wire.WireError, match="more than 64 bits"):
            wire.decode(big)
        with pytest.raises(wire.WireError, match="more than 64 bits"):
            wire.encode(big)
    assert wire.decode(2**63 - 1) == 2**63 - 1
    deep = 1
    for _ in range(wire.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested"):
        wire.decode(deep)
    monkeypatch.setattr(wire, "MAX_ITEMS", 1000)
    assert wire.decode([[0] * 499] * 2) == [[0] * 499] * 2
    with pytest.raises(wire.WireError, match="more than 1000 items"):
        wire.decode([[0] * 500] * 2)
    with pytest.raises(wire.WireError, match="more than 1000 items"):
        wire.decode({"__dict__": {str(i): 0 for i in range(1001)}})
    with pytest.raises(wire.WireError, match="more than 1000 numbers"):
        wire.decode([wire.encode(np.zeros(600))] * 2)


@pytest.mark.parametrize("items", [
    [f"n{i}" for i in range(1000)], list(range(-500, 500)), [True, 2, False],
    [0.5, None, "x", True], (1.0, 2.0), [2**63 - 1, -(2**63)], [],
])
def test_lists_of_plain_scalars_travel_as_they_are(items):
    assert wire.decode(wire.encode(items)) == list(items)
    assert [type(v) for v in wire.loads(wire.dumps(items))] == [type(v) for v in items]


@pytest.mark.parametrize("items", [[1, 2**63], [-(2**63) - 1, 0], ["a", 2**64], [1, [2**70]]])
def test_an_integer_beyond_64_bits_is_refused_inside_a_list_too(items):
    with pytest.raises(wire.WireError, match="more than 64 bits"):
        wire.encode(items)
    with pytest.raises(wire.WireError, match="more than 64 bits"):
        wire.loads(json.dumps(items))


def test_a_long_list_of_names_costs_no_python_call_per_item():
    """A two-million-name answer (the hostile fixture huge_topological_order) is encoded in the
    answer's process under the own-work watch, whose profile function sees every Python call:
    one call per item made that take about 15 s."""
    names, calls = [f"n{i}" for i in range(100_000)], [0]

    def count(frame, event, arg):
        calls[0] += event == "call"

    sys.setprofile(count)
    try:
        text = wire.dumps(names)
    finally:
        sys.setprofile(None)
    assert calls[0] < 100 and json.loads(text) == names
