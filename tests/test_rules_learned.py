"""The rules read what a database learned from a tree (rules/learned.py).

A small tree teaches a sleep chain, a function that returns a counted
reference and one that returns holding a lock; a patch that uses them the
wrong way draws findings only with that database, and the findings say
where the fact was learned.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from reviewkit.config import Config
from reviewkit.pipeline import build_review

LIB = """\
#include <linux/of.h>

static void wait_ready(struct dev *d)
{
	msleep(10);
}

int dev_settle(struct dev *d)
{
	wait_ready(d);
	return 0;
}

struct device_node *dev_find_port(struct device_node *parent)
{
	return of_get_child_by_name(parent, "port");
}

int dev_write(struct dev *d, int reg, int val)
{
	guard(mutex)(&d->lock);
	return __dev_write(d, reg, val);
}
"""

PATCH = """\
From: A Developer <dev@example.org>
Subject: [PATCH] drv: settle and read the port
Message-ID: <learned@example.org>

Signed-off-by: A Developer <dev@example.org>
---
diff --git a/drivers/x/drv.c b/drivers/x/drv.c
new file mode 100644
--- /dev/null
+++ b/drivers/x/drv.c
@@ -0,0 +1,39 @@
+static int drv_start(struct drv *d)
+{
+	unsigned long flags;
+
+	spin_lock_irqsave(&d->lock, flags);
+	dev_settle(d->dev);
+	spin_unlock_irqrestore(&d->lock, flags);
+	return 0;
+}
+
+static int drv_port(struct drv *d)
+{
+	struct device_node *np;
+	u32 v;
+	int ret;
+
+	np = dev_find_port(d->np);
+	if (!np)
+		return -ENODEV;
+	ret = of_property_read_u32(np, "reg", &v);
+	if (ret)
+		return ret;
+	d->reg = v;
+	of_node_put(np);
+	return 0;
+}
+
+
+
+
+static int drv_set(struct drv *d, int v)
+{
+	int ret;
+
+	mutex_lock(&d->dev->lock);
+	ret = dev_write(d->dev, 1, v);
+	mutex_unlock(&d->dev->lock);
+	return ret;
+}
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("learned")
    (root / "linux" / "drivers" / "x").mkdir(parents=True)
    (root / "linux" / "drivers" / "x" / "lib.c").write_text(LIB)
    out = root / "kb.rkdb"
    done = subprocess.run([sys.executable, "-m", "reviewkit", "knowledge", "build", str(root / "linux"), "-o", str(out),
                           "--jobs", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


def _findings(tmp_path: Path, config: Config) -> dict[tuple[str, str, int], str]:
    patch = tmp_path / "drv.patch"
    patch.write_text(PATCH)
    review = build_review([str(patch)], config=config)
    return {(f.rule, f.function or "", f.line or 0): f.message for f in review.findings if f.rule[:3] in ("RK3", "RK4")}


def test_learned_facts_draw_findings_and_say_where_they_come_from(tmp_path: Path, database: Path) -> None:
    found = _findings(tmp_path, Config(knowledge_db=database))
    assert set(found) >= {("RK301", "drv_start", 6), ("RK401", "drv_port", 22)}
    assert "drivers/x/lib.c" in found[("RK301", "drv_start", 6)]  # the chain's evidence
    assert "msleep" in found[("RK301", "drv_start", 6)]


def test_without_the_database_the_names_mean_nothing(tmp_path: Path, database: Path) -> None:
    found = _findings(tmp_path, Config(knowledge_db=database, learned=False))
    assert ("RK301", "drv_start", 6) not in found and ("RK401", "drv_port", 22) not in found


def test_a_learned_function_that_takes_the_lock_held_here(tmp_path: Path, database: Path) -> None:
    patch = tmp_path / "drv.patch"
    patch.write_text(PATCH)
    found = {(f.rule, f.function, f.line, f.severity.value): f for f in build_review([str(patch)], config=Config(knowledge_db=database)).findings
             if f.rule == "RK112"}
    assert set(found) == {("RK112", "drv_set", 36, "error")}
    f = found[("RK112", "drv_set", 36, "error")]
    assert "d->dev->lock" in f.message and "line 35" in f.message
    assert "__dev_write()" in f.suggestion and "(argument 0)->lock and releases it before returning, learned from the tree (drivers/x/lib.c:21)" in f.rationale
    none = build_review([str(patch)], config=Config(knowledge_db=database, learned=False)).findings
    assert not [f for f in none if f.rule == "RK112"]
