"""`reviewkit knowledge build` on the command line, the config's
`knowledge` database, and the database shipped in the package."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from reviewkit.config import load_config
from reviewkit.errors import ConfigError, ReviewkitError
from reviewkit.knowledge import LearnedKnowledge, known_names
from reviewkit.knowledge.learned import SHIPPED, default_database_path
from reviewkit.knowledge.store import BLOOM_HASHES, Database, bloom_has, build_bloom, write_database
from reviewkit.rules.knowledge import knowledge_tables, load_knowledge

runner = CliRunner()

SOURCE = "void waits(void)\n{\n\tmsleep(1);\n}\n"


def _tree(root: Path) -> Path:
    (root / "drivers").mkdir(parents=True)
    (root / "drivers" / "a.c").write_text(SOURCE)
    return root


def test_help_names_the_command_and_its_options():
    result = runner.invoke(app, ["knowledge", "build", "--help"])
    assert result.exit_code == 0, result.output
    for word in ("TREE", "--output", "--jobs", "--config"):
        assert word in result.output
    assert "knowledge" in runner.invoke(app, ["--help"]).output


def test_build_writes_the_database_quietly_off_a_terminal(tmp_path):
    tree = _tree(tmp_path / "linux")
    out = tmp_path / "kb.rkdb"
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "knowledge", "build", str(tree), "-o", str(out),
                           "--jobs", "1"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when stderr is no terminal
    assert re.fullmatch(rf"{re.escape(str(out))}: {out.stat().st_size} bytes, 1 s from 1 files \(1 definitions\) "
                        r"in \d+ s\n", proc.stdout)
    fact = LearnedKnowledge([(out, "mine", True)]).lookup(["waits"]).sleeps["waits"]
    assert (fact.via, fact.evidence.file, fact.evidence.line) == ("msleep", "drivers/a.c", 3)


def test_build_without_output_goes_where_repo_finds_it(tmp_path):
    tree = _tree(tmp_path / "linux")
    result = runner.invoke(app, ["knowledge", "build", str(tree), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    path = default_database_path(tree)
    assert path.is_file() and str(path) in result.output
    kb = LearnedKnowledge.for_config(load_config(repo=tree), shipped=False)
    assert "waits" in kb.lookup(["waits"]).sleeps


def test_build_of_no_directory_is_one_line_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "knowledge", "build", str(tmp_path / "nope")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == f"reviewkit: {tmp_path / 'nope'}: not a directory\n"


def test_config_names_a_database(tmp_path):
    cfg = tmp_path / ".reviewkit.toml"
    cfg.write_text('knowledge = "dbs/mine.rkdb"\n')
    assert load_config(cfg).knowledge_db == tmp_path / "dbs" / "mine.rkdb"
    cfg.write_text('[knowledge]\ndatabase = "/abs/mine.rkdb"\n\n[[knowledge.noreturn]]\nnames = ["die"]\n')
    config = load_config(cfg)
    assert config.knowledge_db == Path("/abs/mine.rkdb")
    assert config.knowledge == {"noreturn": [{"names": ["die"]}]}
    assert "die" in load_knowledge(config.knowledge).noreturn
    cfg.write_text("knowledge = 3\n")
    with pytest.raises(ConfigError, match="knowledge. must be a path"):
        load_config(cfg)


def test_config_database_wins_over_the_hand_written_knowledge(tmp_path):
    out = tmp_path / "kb.rkdb"
    runner.invoke(app, ["knowledge", "build", str(_tree(tmp_path / "linux")), "-o", str(out), "--jobs", "1"])
    cfg = tmp_path / ".reviewkit.toml"
    cfg.write_text(f'knowledge = "{out}"\n')
    kb = LearnedKnowledge.for_config(load_config(cfg))
    known = known_names(load_knowledge({"sleep": [{"names": ["waits"], "confidence": "high"}]}))
    assert "waits" in known.sleep
    assert kb.lookup(["waits"], known=known).sleeps["waits"].origin == str(out)


def test_a_database_that_is_no_database_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.rkdb"
    bad.write_text("not a database\n")
    with pytest.raises(ReviewkitError, match="not a reviewkit knowledge database"):
        LearnedKnowledge([(bad, "x", True)]).lookup(["x"])


def test_store_reads_back_what_it_wrote_across_buckets(tmp_path):
    records = [(f"name{i:05d}", {"n": i, "pad": "x" * 50}) for i in range(500)]
    path = tmp_path / "t.rkdb"
    write_database(path, reversed(records), {"kernel": "t"})
    db = Database(path)
    assert db._keys is None  # nothing read before the first question
    assert db.meta == {"kernel": "t"}
    got = db.get_many(["name00000", "name00499", "name00250", "absent", "a", "zzz"])
    assert got == {"name00000": records[0][1], "name00499": records[499][1], "name00250": records[250][1]}
    assert list(db.items()) == records
    assert len(db._keys) > 5  # several buckets, so the index did the finding


def test_bloom_filter_has_every_key_and_few_others():
    keys = [f"fn_{i}" for i in range(2000)]
    field, bits = build_bloom(keys)
    assert all(bloom_has(field, bits, BLOOM_HASHES, k) for k in keys)
    false = sum(bloom_has(field, bits, BLOOM_HASHES, f"other_{i}") for i in range(2000))
    assert false < 60  # about 1%


def test_absent_names_read_no_bucket(tmp_path):
    path = tmp_path / "t.rkdb"
    write_database(path, [(f"name{i:05d}", i) for i in range(500)], {})
    db = Database(path)
    assert db.meta == {}  # the index and the filter are read
    absent = [f"none{i}" for i in range(50) if not bloom_has(db._bloom, db._bloom_bits, db._bloom_hashes, f"none{i}")]
    assert len(absent) > 40 and db.get_many(absent) == {} and db._buckets == {}


def test_a_database_of_another_format_says_rebuild(tmp_path):
    old = tmp_path / "old.rkdb"
    old.write_bytes(b"reviewkit-knowledge 1\n{}\n")
    with pytest.raises(ReviewkitError, match="made by another version of reviewkit"):
        Database(old).meta


def test_new_tables_are_validated():
    tables = knowledge_tables()
    assert {"learn", "cleanup_define", "atomic_member"} <= set(tables)
    with pytest.raises(ConfigError, match=r"\[\[cleanup_define\]\] #1: key 'kind' must be one of"):
        knowledge_tables({"cleanup_define": [{"macro": "DEFINE_X", "kind": "lock"}]})
    with pytest.raises(ConfigError, match=r"\[\[learn\]\] #1: unknown key 'sleepy'"):
        knowledge_tables({"learn": [{"sleepy": ["x"]}]})


@pytest.mark.skipif(not SHIPPED.is_file(), reason="no shipped database")
def test_shipped_database_says_where_it_came_from_and_answers():
    db = Database(SHIPPED)
    assert db.meta["kernel"].startswith("6.12")
    assert db.meta["complete"] is True
    kb = LearnedKnowledge.for_config(load_config())
    # (i2c_get_adapter, a get of knowledge.toml's [[ref]], is not learned
    # over: the tables fix what it means)
    facts = kb.lookup(["i2c_for_each_dev", "of_get_next_cpu_node"], classes=["mutex"], structs=["irq_chip"])
    assert facts.sleeps["i2c_for_each_dev"].via == "mutex_lock"
    assert facts.cleanups["mutex"].release == "mutex_unlock"
    assert facts.refs["of_get_next_cpu_node"].put == "of_node_put"
    assert "irq_ack" in facts.members["irq_chip"]


def test_progress_bar_on_a_terminal(tmp_path):
    from tests.test_cli_terminal_pty import ANSI, pty_run

    tree = _tree(tmp_path / "linux")
    out = tmp_path / "kb.rkdb"
    code, text = pty_run([sys.executable, "-m", "reviewkit", "knowledge", "build", str(tree), "-o", str(out),
                          "--jobs", "1"])
    assert code == 0, text[-500:]
    plain = ANSI.sub("", text)
    assert "learning" in plain and "1/1 files" in plain  # the bar, then it is cleared
    assert re.search(rf"{re.escape(str(out))}: {out.stat().st_size} bytes, 1 s from 1 files \(1 definitions\) "
                     r"in \d+ s\s*$", plain)
