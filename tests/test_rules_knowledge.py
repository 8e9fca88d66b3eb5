"""The knowledge base: shipped data loads, the schema is enforced with
errors naming file, table and key, and the config extends it."""

from __future__ import annotations

import pytest

from reviewkit.errors import ConfigError
from reviewkit.rules.knowledge import OpKind, Success, load_knowledge


def test_shipped_knowledge_loads_with_the_core_pairs():
    kb = load_knowledge()
    assert kb.ops["spin_lock_irq"].kind is OpKind.ACQUIRE
    assert kb.ops["spin_unlock_irq"].family == kb.ops["spin_lock_irqsave"].family == "spinlock"
    assert kb.ops["down_trylock"].kind is OpKind.TRY and kb.ops["down_trylock"].success is Success.ZERO
    assert kb.ops["spin_trylock"].success is Success.NONZERO
    assert kb.ops["get_page_unless_zero"].kind is OpKind.TRY
    assert kb.ops["of_get_child_by_name"].kind is OpKind.RETURNS
    assert kb.ops["local_irq_save"].arg is None
    assert "irq-off" in kb.lock_context("spinlock-irqsave")
    assert kb.irq_twins["__mod_zone_page_state"] == "mod_zone_page_state"
    assert kb.iterators["for_each_child_of_node"].held_arg == 1
    assert kb.iterators["for_each_child_of_node_scoped"].scoped
    assert kb.guards["spinlock_irqsave"] == "spinlock-irqsave"
    assert kb.free_classes["device_node"] == "of_node_put"
    assert kb.sleepers["regmap_write"].confidence.value == "low"
    assert kb.sleepers["kmalloc"].gfp_arg == -1


def test_config_extends_the_knowledge():
    kb = load_knowledge({"lock": [{"id": "my-lock", "family": "my", "acquire": ["my_lock"], "release": ["my_unlock"], "context": ["atomic"]}],
                         "irq_helper": [{"name": "__my_stat", "twin": "my_stat"}]})
    assert kb.ops["my_lock"].family == "my"
    assert kb.irq_twins["__my_stat"] == "my_stat"
    assert "spin_lock" in kb.ops  # the shipped entries stay


@pytest.mark.parametrize(
    "extra,words",
    [
        ({"lokc": []}, ["lokc", "unknown table"]),
        ({"lock": [{"id": "x", "family": "x", "acquire": ["a"], "release": "b", "context": []}]}, ["[[lock]] #1", "'release'"]),
        ({"lock": [{"id": "x", "family": "x", "acquire": ["a"], "release": ["b"]}]}, ["[[lock]] #1", "missing key 'context'"]),
        ({"lock": [{"id": "x", "family": "x", "acquire": ["a"], "release": ["b"], "context": ["sleepy"]}]}, ["'context'", "sleepy"]),
        ({"ref": [{"id": "r", "get": ["g"], "put": ["p"], "colour": 1}]}, ["[[ref]] #1", "unknown key 'colour'"]),
        ({"guard": [{"class": "c", "lock": "nope"}]}, ["[[guard]]", "'lock'", "nope"]),
        ({"lock": [{"id": "spinlock", "family": "x", "acquire": ["a"], "release": ["b"], "context": []}]}, ["'id'", "spinlock"]),
    ],
)
def test_malformed_knowledge_names_table_and_key(extra, words):
    with pytest.raises(ConfigError) as err:
        load_knowledge(extra)
    text = str(err.value)
    assert text.startswith("config [knowledge]")
    for w in words:
        assert w in text
