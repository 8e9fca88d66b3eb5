"""Knowledge learned from a kernel tree, beside the hand-written knowledge.toml.

Design note: the API the rules use
----------------------------------
The rules get one :class:`LearnedKnowledge` per run (built from the
config: ``LearnedKnowledge.for_config(config)``) and ask it about the names
a changed function calls, once per file::

    learned = LearnedKnowledge.for_config(config)
    facts = learned.lookup(call_names, classes=guard_classes, structs=struct_tags,
                           file="drivers/pwm/pwm-foo.c", known=known_names(kb))
    facts.sleeps["regulator_enable"]   # SleepFact: may sleep (gfp_arg: only if its flags allow)
    learned.chain("regulator_enable", file=...)   # the calls down to the sleeping primitive
    facts.refs["of_get_child_by_name"] # RefFact: returns a reference, and the put that drops it
    facts.gets["pci_dev_get"]          # GetFact: takes a reference on its argument and returns it
    facts.locks["lock_page_lruvec_irq"]  # LockFact: returns holding a [[lock]] variant; its releases
    facts.takes["adis_write_reg"]      # TakesFact: takes a lock of its argument and drops it again
    facts.cleanups["device_node"]      # CleanupFact: guard/__free class, release, ERR_PTR tolerance
    facts.members["irq_chip"]["irq_mask"]  # CallbackFact: core code calls it in atomic context

Every fact carries :class:`Evidence` (file and line in the tree it was
learned from, and what is there) and its origin (the shipped database or
the user's). A lookup reads only the index and the compressed buckets of
the names asked for, so a one-patch ``check`` pays for the names it calls
and nothing else; constructing :class:`LearnedKnowledge` reads nothing.

Precedence, lowest first: the database shipped in this package (built
from the kernel named in its metadata) < ``rules/knowledge.toml`` < the
user's config ``[knowledge]`` tables < a database the user built
(``knowledge = PATH`` in the config, or the one ``reviewkit knowledge
build TREE`` wrote for ``--repo TREE``). ``known`` carries what the
hand-written knowledge says (:func:`known_names` of the KnowledgeBase):
shipped facts on those names are dropped, a user database's are kept. A
user database built from a whole tree replaces the shipped one.

The package, one job each: ``seeds`` (knowledge.toml's tables as the
learning's starting points: no kernel name lives in this code),
``extract`` (one file -> a small summary; runs in worker processes),
``derive`` (summaries -> facts: the call graph and its fixed points),
``resolve`` (which definition a call reaches; shared by the build and the
lookups), ``store`` (the database file), ``build`` (the command's walk),
``learned`` (the lookups). Only ``learned``, ``resolve`` and ``store`` are
imported by a lookup; tree-sitter is not.
"""

from reviewkit.knowledge.learned import (
    CallbackFact,
    CleanupFact,
    Evidence,
    GetFact,
    KnownNames,
    LearnedFacts,
    LearnedKnowledge,
    LockFact,
    RefFact,
    SleepFact,
    TakesFact,
    known_names,
)

__all__ = [
    "CallbackFact",
    "CleanupFact",
    "Evidence",
    "GetFact",
    "KnownNames",
    "LearnedFacts",
    "LearnedKnowledge",
    "LockFact",
    "RefFact",
    "SleepFact",
    "TakesFact",
    "known_names",
]
