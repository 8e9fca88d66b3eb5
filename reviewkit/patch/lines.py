"""Line-level recognisers shared by the real and the tolerant diff parsers.

Each function looks at one line of text (quote markers already removed)
and says what it is. Nothing here keeps state.
"""

from __future__ import annotations

import re

from reviewkit.quotes.comments import is_snip_line

# "@@ -189,32 +171,42 @@ unsigned int munlock_vma_page(struct page *page)";
# counts may be missing ("@@ -0,0 +1 @@": samples/patchwork/0011).
HUNK_HEADER = re.compile(r"^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@+ ?(.*)$")
DIFF_GIT = re.compile(r"^diff --git (\S+) (\S+)\s*$")
# Other "diff -u a b" style headers (CVS, plain diff).
DIFF_OTHER = re.compile(r"^diff (?:-\S+ )+(\S+) (\S+)\s*$")
INDEX = re.compile(r"^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(?: (\d+))?\s*$")
OLD_FILE = re.compile(r"^--- (\S.*?)(?:\t.*)?$")
NEW_FILE = re.compile(r"^\+\+\+ (\S.*?)(?:\t.*)?$")
RENAME_FROM = re.compile(r"^rename from (.+)$")
RENAME_TO = re.compile(r"^rename to (.+)$")
BINARY = re.compile(r"^(?:Binary files .* differ|GIT binary patch)\s*$")
GIT_EXTENDED = re.compile(
    r"^(?:new file mode|deleted file mode|old mode|new mode|similarity index|"
    r"dissimilarity index|copy from|copy to|rename from|rename to) "
)
NO_NEWLINE = re.compile(r"^\\ No newline at end of file\s*$")
# The "-- " line git format-patch puts before its version footer ("1.8.3.1").
SIGNATURE = re.compile(r"^--\s?$")
VERSION = re.compile(r"^\d+(?:\.\d+)+\S*\s*$")
# Diffstat: " mm/mlock.c | 93 +++---", " pixel.bmp | Bin 0 -> 142 bytes",
# " 1 file changed, ...", " create mode 100644 banana".
DIFFSTAT = re.compile(
    r"^ ?(?:\S.*\|\s+(?:\d+ ?[+-]*|Bin\b.*)|\d+ files? changed.*|"
    r"(?:create|delete) mode \d+ .*|rename .* \(\d+%\)|mode change \d+ => \d+ .*)\s*$"
)

def is_snip(text: str) -> bool:
    """Whether ``text`` is a reviewer's cut mark (``[...]``, ``<snip>``, ``...``)."""
    return is_snip_line(text)


def strip_path(path: str) -> str | None:
    """``a/mm/mlock.c`` -> ``mm/mlock.c``; ``/dev/null`` -> None."""
    path = path.strip()
    if path == "/dev/null":
        return None
    if path.startswith(("a/", "b/")):
        return path[2:]
    return path


def strip_tree_prefixes(old: str | None, new: str | None) -> tuple[str | None, str | None]:
    """Drop the tree names of a non-git diff, as ``patch -p1`` does.

    Replies post diffs made with plain ``diff -u`` between two trees
    (``--- 5.8-rc5-lru16/mm/swap.c`` / ``+++ linux/mm/swap.c``, corpus reply
    002): when both paths have a first component, the components differ and
    the rest is the same, the rest is the path. Otherwise the paths stay.
    """
    if old and new and "/" in old and "/" in new:
        old_tree, _, old_rest = old.partition("/")
        new_tree, _, new_rest = new.partition("/")
        if old_tree != new_tree and old_rest == new_rest and old_rest:
            return old_rest, new_rest
    return old, new


def normalise(text: str) -> str:
    """Text with all whitespace removed: what survives archives and mailers."""
    return "".join(text.split())
