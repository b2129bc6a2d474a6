"""factdiff: what changed between two versions of the facts, list items matched by content."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from generator.factdiff import ABSENT, diff, quoted

A = {"id": "a", "check": "x"}
B = {"id": "b", "check": "y"}
C = {"id": "c", "check": "z"}


def edits(old: Any, new: Any) -> list[tuple[str, str, Any, Any]]:
    return [(e.kind, e.shown, e.old, e.new) for e in diff(old, new)]


def test_an_item_inserted_or_removed_anywhere_is_one_edit() -> None:
    assert edits({"l": [A, B]}, {"l": [C, A, B]}) == [("added", "l[0]", ABSENT, C)]
    assert edits({"l": [A, B, C]}, {"l": [A, C]}) == [("removed", "l[1]", B, ABSENT)]
    assert edits({"l": ["x", "y"]}, {"l": ["y"]}) == [("removed", "l[0]", "x", ABSENT)]


ITEMS = st.one_of(
    st.text(max_size=3),
    st.fixed_dictionaries({"id": st.sampled_from("xyz"), "n": st.integers(0, 2)}),
)


@given(st.lists(ITEMS, max_size=8, unique_by=repr), ITEMS, st.data())
def test_one_item_inserted_into_distinct_items_is_one_edit_and_removing_it_too(
    items: list[Any], item: Any, data: st.DataObject
) -> None:
    if item in items:
        return
    at = data.draw(st.integers(0, len(items)))
    longer = [*items[:at], item, *items[at:]]
    assert [(e.kind, e.path) for e in diff(items, longer)] == [("added", (at,))]
    assert [(e.kind, e.path) for e in diff(longer, items)] == [("removed", (at,))]


def test_an_item_moved_unchanged_is_one_edit_at_its_new_place() -> None:
    found = list(diff({"l": [A, B, C]}, {"l": [A, C, B]}))
    assert [(e.kind, e.shown, e.moved_from, e.new) for e in found] in (
        [("moved", "l[1]", ("l", 2), C)],
        [("moved", "l[2]", ("l", 1), B)],
    )


def test_an_edited_item_is_reported_by_field_at_its_new_index() -> None:
    edited = {**B, "check": "w"}
    assert edits({"l": [A, B]}, {"l": [C, A, edited]}) == [
        ("added", "l[0]", ABSENT, C),
        ("changed", "l[2].check", "y", "w"),
    ]


def test_an_item_whose_identity_changed_but_most_fields_did_not_is_one_edit() -> None:
    old = [{"value": "1.1.1.1", "fact": "hosts.x.ip", "note": "old"}]
    new = [{"value": "2.2.2.2", "fact": "hosts.x.ip", "note": "old"}]
    assert edits(old, new) == [("changed", "[0].value", "1.1.1.1", "2.2.2.2")]


def test_an_item_replaced_by_an_unlike_one_is_removed_and_added() -> None:
    assert edits([A], [C]) == [("removed", "[0]", A, ABSENT), ("added", "[0]", ABSENT, C)]


def test_scalars_replaced_one_for_one_are_changes() -> None:
    old = {"stack": ["Redis", "RabbitMQ"]}
    assert edits(old, {"stack": ["Valkey", "RabbitMQ"]}) == [
        ("changed", "stack[0]", "Redis", "Valkey")
    ]


def test_key_order_is_no_change_and_true_is_not_one() -> None:
    assert edits({"a": 1, "b": 2}, {"b": 2, "a": 1}) == []
    assert edits({"a": [{"x": 1, "y": 2}]}, {"a": [{"y": 2, "x": 1}]}) == []
    assert edits({"a": 1}, {"a": True}) == [("changed", "a", 1, True)]


def test_added_and_removed_keys() -> None:
    assert edits({"a": 1, "b": {"c": 2}}, {"a": 1, "b": {}, "d": "x"}) == [
        ("removed", "b.c", 2, ABSENT),
        ("added", "d", ABSENT, "x"),
    ]


def test_quoted_values_cannot_be_mistaken_for_the_change_arrow() -> None:
    assert quoted("a → b") == '"a → b"'
    assert quoted('say "hi"') == '"say \\"hi\\""'
    assert quoted({"port": 8889, "on": True, "off": None, "l": ["x"]}) == (
        '{port: 8889, on: true, off: null, l: ["x"]}'
    )
    assert quoted("x" * 50, 10) == '"xxxxxxxx…'
