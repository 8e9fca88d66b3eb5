"""Attribution lines: "On <date>, <name> wrote:" and its relatives.

An attribution names who wrote the quoted text that follows it. The forms
seen on the kernel lists (and in the corpus) are recognised here; each
returns the name so that the quotes stage can credit quoted text to its
real author rather than to the person replying.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from reviewkit.quotes.prefix import parse_quote_prefix

# One pattern per form. Group "who" holds the name part, date included where
# the form puts the date before the name.
_FORMS: tuple[re.Pattern[str], ...] = (
    # English: "On Fri, Jul 10, 2020 at 5:59 PM Alex Shi <a@b> wrote:"; some
    # clients glue the name to the verb ("On 2021/4/12, 9:20 PM,Rob Herringwrote:")
    # or drop the colon ("On Fri, July 24, 2020 5:51 AM, Randy Dunlap wrote"),
    # both in the linux-pwm archive
    re.compile(r"^On (?P<who>.*\d{1,2}:\d{2}.*?)\s*wrote\s*:?\s*$"),
    re.compile(r"^On (?P<who>.+?)\s+(?:wrote|writes|said)\s*:\s*$"),
    # French: "Le 26/03/2025 à 16:35, Corentin Guillevic a écrit :"
    re.compile(r"^Le (?P<who>.+?)\s+a [ée]crit\s*:\s*$"),
    # German: "Am 25.08.23 um 15:36 schrieb Matthew Brost:"
    re.compile(r"^Am (?P<date>.+?)\s+schrieb\s+(?P<who>.+?)\s*:\s*$"),
    # Spanish: "El vie, 10 jul 2020 a las 17:59, Alex Shi (<a@b>) escribió:"
    re.compile(r"^El (?P<who>.+?)\s+escribi[óo]\s*:\s*$"),
    # Italian: "Il giorno ven 10 lug 2020 alle ore 17:59 Alex Shi <a@b> ha scritto:"
    re.compile(r"^Il (?P<who>.+?)\s+ha scritto\s*:\s*$"),
    # Chinese mail clients: "在 2020/7/16 下午10:11, Alexander Duyck 写道:"
    # (threads/mlock-v16-16.mbox, Alex Shi's replies)
    re.compile(r"^在\s*(?P<who>.+?)\s*写道\s*[:：]\s*$"),
    # Gmail in Chinese: "Maxime Ripard <maxime@cerno.tech> 于2021年3月5日周五 上午12:07写道："
    re.compile(r"^(?P<who>[^<>]+<[^<>\s]+@[^<>\s]+>)\s*于.*写道\s*[:：]\s*$"),
    # trivial-merge style: "Quoting Jane Doe (2020-07-10 17:59:00):"
    re.compile(r"^Quoting (?P<who>.+?)(?:\s+\([^()]*\))?\s*:\s*$"),
    # mutt: "* Jane Doe <jane@example.org> [2020-07-10 17:59]:"
    re.compile(r"^\* (?P<who>[^\[\]]+?<[^<>\s]+@[^<>\s]+>)\s*\[[^\]]*\]\s*:\s*$"),
)

# A date with a time, then the name: "Wednesday, July 29, 2020 3:37 PM,
# Dmitry Torokhov wrote:", "2023-05-23 at 01:34, Peter Rosin wrote:",
# 'At 2023-03-19 20:21:48, "Christophe JAILLET" <c@w.fr> wrote:' (linux-pwm).
_DATED = re.compile(r"^(?P<who>.*\b\d{1,2}:\d{2}\b.*?)\s+(?:wrote|writes)\s*:\s*$")

# "Alex Shi wrote:", "Jane <j@x> writes:" without a date.
_BARE = re.compile(r"^(?P<who>[^\s:>][^:]{0,120}?)\s+(?:wrote|writes)\s*:\s*$")

# Words that, last before "wrote:", mean a sentence rather than a name
# ("As I wrote:", "what you wrote:").
_NOT_A_NAME = frozenset(
    "i you he she we they it this that which who what as above below earlier "
    "previously already also just have has had and or but then".split()
)

# Outlook's header block: "-----Original Message-----" or the underscore
# rule newer Outlook puts before "From:".
_OUTLOOK_START = re.compile(r"^\s*-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^_{10,}\s*$")
_HEADER = re.compile(r"^(?:From|Sent|To|Cc|Subject|Date|Reply-To|Importance)\s*:", re.IGNORECASE)

# Words of the date part of an attribution ("at 5:59 PM", "um 15:36 Uhr",
# "a las 17:59", "alle ore 17:59"); the name follows the last of them.
_DATEISH_WORDS = frozenset("at am pm um uhr à a las alle ore giorno".split())
_TZ = frozenset(
    "UTC GMT Z EST EDT CST CDT MST MDT PST PDT CET CEST BST IST JST KST MSK "
    "AEST AEDT EET EEST WET WEST HKT SGT".split()
)


def _is_dateish(word: str) -> bool:
    w = word.strip(",")
    if "@" in w:  # "On 11.05.24 08:40, xu.xin16@zte.com.cn wrote:"
        return False
    return (
        # "2020/7/16", "10:02:32AM", "+0200"; not "B4" ("Radu Sabau via B4 Relay")
        bool(re.match(r"^\(?[+-]?\d", w))
        or w.lower() in _DATEISH_WORDS
        or w.strip("()") in _TZ
        or word.endswith(",")
    )


def _clean_name(text: str) -> str | None:
    """Turn "Alex Shi <a@b>", "a@b (Alex Shi)" or "\"Alex\" <a@b>" into a name."""
    text = text.strip().strip(",").strip()
    if not text:
        return None
    # "Alex Shi (<a@b>)" as Gmail's Spanish form writes it.
    text = re.sub(r"\(\s*(<[^<>]*>)\s*\)", r"\1", text)
    name, addr = parseaddr(text)
    if "<" in text or "@" in text:
        name = name.strip().strip('"').strip()
        if name:
            return name
        if addr:
            return addr
    return text.strip('"').strip() or None


def _name_after_date(who: str) -> str | None:
    """Split "<date>, <name> <email>" and return the name (or the email)."""
    email_part = ""
    m = re.search(r"\(?<[^<>]*>\)?\s*$", who)
    if m:
        email_part = m.group(0)
        who = who[: m.start()].rstrip()
    quoted = re.findall(r'"([^"]+)"', who)
    if quoted:  # 'On ..., "Shutemov, Kirill" <k@s> wrote:'
        return _clean_name(quoted[-1])
    if "," in who and not _looks_like_name(who):
        # "On 2021/4/12, 9:20 PM,Rob Herringwrote:" has no space after the comma
        who = who.rsplit(",", 1)[1]
    # KMail spells the zone out: "On Sunday, 3 May 2026 12:46:23 Central
    # European Summer Time William Breathitt Gray wrote:" (linux-pwm archive)
    who = re.sub(r"^.*\b(?:Standard|Summer|Daylight|Universal|Coordinated Universal) Time\b", "", who)
    words = who.split()
    last_date = -1
    for i, w in enumerate(words):
        if _is_dateish(w):
            last_date = i
    name_words = words[last_date + 1 :]
    name = " ".join(name_words)
    # "Radu Sabau via B4 Relay": the list or relay that sent it is not the author
    name = re.sub(r"(?<!\s)\s+via\s.*$", "", name)
    if name:
        return _clean_name(name + (" " + email_part if email_part else ""))
    if email_part:
        return _clean_name(email_part)
    return None


def _looks_like_name(text: str) -> bool:
    # "Shutemov, Kirill" is rare; any digit means the comma ends a date.
    return not any(c.isdigit() for c in text) and text.count(",") == 1 and len(text.split()) <= 3


def parse_attribution(line: str) -> str | None:
    """The author an attribution line names.

    Quote markers are removed first, so ``> On ..., Alex Shi wrote:`` works.

    Args:
        line: one body line.

    Returns:
        The name (or the bare address when no name is given) when ``line``
        is an attribution, else None. An Outlook header start returns "" (its
        name is on the following ``From:`` line; see :func:`attribution_span`).
    """
    _, text = parse_quote_prefix(line)
    # leftover markers of a mixed-up quote (">   > \tOn Mon, ...") and
    # Outlook's indent or byte-order mark ("\ufeffOn 2021/5/15, ...")
    text = text.lstrip(" \t>\ufeff").strip()
    if not text or len(text) > 300:
        return None
    # every form ends in ":" (or "wrote" without it, or Outlook's dashes):
    # a cheap test first, as this runs on every body line
    if text[-1] not in ":：-e":
        return None
    # only the first English form ends in a letter: "... wrote" without its colon
    if text[-1] == "e" and not text.endswith("wrote"):
        return None
    if _OUTLOOK_START.match(text):
        return ""
    for i, form in enumerate(_FORMS):
        m = form.match(text)
        if not m:
            continue
        who = m.group("who")
        if i == 3 or i >= 7:  # German, Gmail-Chinese, Quoting, mutt: the name stands alone
            return _clean_name(who)
        name = _name_after_date(who)
        if name and name.split()[-1].lower() in _NOT_A_NAME:
            return None  # "On the other hand, you wrote:" is prose
        return name or ""
    m = _DATED.match(text)
    if m:
        return _name_after_date(m.group("who")) or ""
    m = _BARE.match(text)
    if m:
        who = m.group("who")
        words = who.replace("<", " <").split()
        if not words or len(words) > 8:
            return None
        plain = [w for w in words if "@" not in w]
        if plain and plain[-1].lower().strip(",") in _NOT_A_NAME:
            return None
        if not ("@" in who or all(w[:1].isupper() or w[:1] in "\"'(<" for w in plain)):
            return None
        return _clean_name(who)
    return None


def is_attribution(line: str) -> bool:
    """True when ``line`` (quoted or not) is a one-line attribution."""
    return parse_attribution(line) is not None


# A wrapped first half: "On Fri, 25 Aug 2023 15:45:49 +0200" (the name and
# "wrote:" are on the next line: samples/lists/dri-devel-drm-sched-nested-qp-excerpt.mbox).
_WRAPPED_HEAD = re.compile(r"^(?:(?:On|Le|Am|El|Il) |在 ?)\S.*$")
_HEAD_WORDS = ("On ", "Le ", "Am ", "El ", "Il ", "在")


_VERB_END = re.compile(r"(?:wrote|writes|[ée]crit|schrieb.*|escribi[óo]|scritto|写道)\s*[:：]?\s*$")


def attribution_span(lines: list[str], i: int) -> tuple[int, str | None]:
    """How many lines from ``lines[i]`` form one attribution, at one depth.

    Handles the one-line forms, a form wrapped over two or three lines (all
    at the same quote depth), and Outlook's header block (the start line and the
    ``From:``/``Sent:``/``To:``/``Subject:`` lines up to a blank line).

    Returns:
        ``(count, name)``: ``(0, None)`` when no attribution starts here.
    """
    line = lines[i]
    depth, text = parse_quote_prefix(line)
    stripped = text.strip()
    # This runs on every body line, most of them quoted code: every form
    # below ends in one of these characters or opens with one of these words.
    if not stripped or (stripped[-1] not in ":：-e_" and not stripped.startswith(_HEAD_WORDS)):
        return 0, None
    if _OUTLOOK_START.match(stripped) or (
        _UNDERSCORES.match(stripped)
        and i + 1 < len(lines)
        and re.match(r"^From\s*:", parse_quote_prefix(lines[i + 1])[1].strip(), re.IGNORECASE)
    ):
        return _outlook_span(lines, i, depth)
    name = parse_attribution(line)
    if name is not None:
        return 1, name
    if _WRAPPED_HEAD.match(stripped) and len(stripped) < 200:
        # wrapped over two or three lines at the same depth:
        # "> On Fri, 20 Mar 2026 13:03:57 +0200" / "> Radu Sabau via B4 Relay <...>" /
        # "> wrote:" (linux-pwm archive)
        joined = stripped
        for k in (1, 2):
            if i + k >= len(lines):
                break
            d2, t2 = parse_quote_prefix(lines[i + k])
            if d2 != depth or not t2.strip():
                break
            joined += " " + t2.strip()
            if _VERB_END.search(t2):
                name = parse_attribution(joined)
                if name is not None:
                    return k + 1, name
                break
    return 0, None


def _outlook_span(lines: list[str], i: int, depth: int) -> tuple[int, str | None]:
    name: str | None = None
    j = i + 1
    while j < len(lines):
        d, t = parse_quote_prefix(lines[j])
        t = t.strip()
        if d != depth or not t or not _HEADER.match(t):
            break
        if re.match(r"^From\s*:", t, re.IGNORECASE):
            name = _clean_name(t.split(":", 1)[1])
        j += 1
    return j - i, name


def is_outlook_start(lines: list[str], i: int) -> bool:
    """True when ``lines[i]`` opens an Outlook header block."""
    text = parse_quote_prefix(lines[i])[1].strip()
    if _OUTLOOK_START.match(text):
        return True
    return bool(
        _UNDERSCORES.match(text)
        and i + 1 < len(lines)
        and re.match(r"^From\s*:", parse_quote_prefix(lines[i + 1])[1].strip(), re.IGNORECASE)
    )
