"""Encoding repair: file bytes → text, and mojibake → the text the author typed.

Runbooks reach us as UTF-8 that an editor or a copy/paste read as Mac Roman, cp1252, cp1254 or
latin-1 and saved again as UTF-8 (`é` → `√©`, `Ã©`; `🚨` → U+F8FF `üö®`, `ğŸš¨`). The algorithm and
its oracle are in `shared/spec/seed_inventory.md` §1: a whole-file round trip when it works (§1.3
step 2), a per-segment round trip otherwise (step 3), and the re-insertion of bytes the damaging
codec dropped (step 4). A mojibake score guards every step, so a clean file is never touched.

Nothing here adds or removes a "\\n": line numbers in the repaired text are those of the source.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import ftfy

from astreinte.domain.runbook.model import Repair

# §1.3 step 2: whole-file codecs, in the order tried (Mac Roman first: three seeds of five).
WHOLE_FILE_CODECS: Final = ("mac_roman", "cp1252", "cp1254", "latin-1")
# §1.3 step 3: per-segment codecs; on a tie the first wins.
# cp1252 (French Windows) before cp1254: 001's `ğ` makes cp1254 win on its own merits.
SEGMENT_CODECS: Final = ("cp1252", "cp1254", "mac_roman", "latin-1")
# §1.3 step 4: bytes these codecs leave undefined, so a decoder dropped them (001 lost 0x8E,
# 0x8F, 0x9D). All are UTF-8 continuation bytes, which is why re-inserting them can work.
UNDEFINED_BYTES: Final[dict[str, bytes]] = {
    "cp1254": bytes([0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E]),
    "cp1252": bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]),
}
# Double-encoded text needs one pass per layer; three layers is already pathological.
MAX_PASSES: Final = 3

# Emoji that runbooks actually use (the seeds and the public corpus), most common first. When
# bytes are missing the bytes alone cannot tell 🎯 from 🐯 (§1.1: 17 candidates); this is the
# context that decides, as a human reader of a runbook would.
RUNBOOK_EMOJI: Final = (
    "🚨⚠✅❌📋🎯⏱🔴🟠🟡🟢📞🔧📊🔄🔍📚📖📝🚀🔗💡🛑🔥🛠🛡⚙⏳⏰📈📉💥🔁🔒🔑🗄💾🌐🧪🐛"
    "📦🔐🔔📣📢💬👉📌ℹ✔✖❓❗⛔🆘⬆⬇➡🔎🧠🚫📜⚡🟣🔵⚪⚫🕐📅🎉✨👀🤖"
)
# ” is E2 80 9D: cp1252 drops its 0x9D, so `â€` alone is the commonest cp1252 residue; of the
# five candidates (U+2001, ZWJ, RLM, U+2010, ”) only ” is text a runbook holds.
RUNBOOK_PUNCTUATION: Final = "”"
# Code points below U+10000 with the Unicode Emoji property (emoji-data.txt, less #, *, digits,
# © and ®): the stdlib has no emoji table, and "So" alone would take ⍆ or ❆ for emoji.
_BMP_EMOJI: Final = (
    (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122), (0x2139, 0x2139), (0x2194, 0x2199),
    (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328), (0x23CF, 0x23CF), (0x23E9, 0x23F3),
    (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0),
    (0x25FB, 0x25FE), (0x2600, 0x2604), (0x260E, 0x260E), (0x2611, 0x2611), (0x2614, 0x2615),
    (0x2618, 0x2618), (0x261D, 0x261D), (0x2620, 0x2620), (0x2622, 0x2623), (0x2626, 0x2626),
    (0x262A, 0x262A), (0x262E, 0x262F), (0x2638, 0x263A), (0x2640, 0x2640), (0x2642, 0x2642),
    (0x2648, 0x2653), (0x265F, 0x2660), (0x2663, 0x2663), (0x2665, 0x2666), (0x2668, 0x2668),
    (0x267B, 0x267B), (0x267E, 0x267F), (0x2692, 0x2697), (0x2699, 0x2699), (0x269B, 0x269C),
    (0x26A0, 0x26A1), (0x26A7, 0x26A7), (0x26AA, 0x26AB), (0x26B0, 0x26B1), (0x26BD, 0x26BE),
    (0x26C4, 0x26C5), (0x26C8, 0x26C8), (0x26CE, 0x26CF), (0x26D1, 0x26D1), (0x26D3, 0x26D4),
    (0x26E9, 0x26EA), (0x26F0, 0x26F5), (0x26F7, 0x26FA), (0x26FD, 0x26FD), (0x2702, 0x2702),
    (0x2705, 0x2705), (0x2708, 0x270D), (0x270F, 0x270F), (0x2712, 0x2712), (0x2714, 0x2714),
    (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734),
    (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755),
    (0x2757, 0x2757), (0x2763, 0x2764), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
)  # fmt: skip
VS16: Final = "\ufe0f"  # emoji presentation selector, as in ⏱️ and the keycaps 1️⃣
KEYCAP: Final = "\u20e3"
_KEYCAP_BASES: Final = frozenset("0123456789#*")

# Lead bytes of the UTF-8 sequences that runbook text holds: U+0080–U+017F (accents, œ, Œ),
# U+2000–U+2FFF (quotes, dashes, arrows, ✅), U+FE0F/U+FFFD (EF) and emoji (F0).
_LEAD_BYTES: Final = bytes([0xC2, 0xC3, 0xC4, 0xC5, 0xE2, 0xEF, 0xF0])
_CONTINUATION_BYTES: Final = bytes(range(0x80, 0xC0))
_MOJIBAKE_CODECS: Final = ("cp1252", "cp1254", "latin-1", "mac_roman")
_NON_ASCII_RUN: Final = re.compile(r"[^\x00-\x7f]+")
# What a wrong codec produces and a runbook does not hold: controls, private use, unassigned,
# lone surrogates and combining marks (French text is NFC).
_ODD_CATEGORIES: Final = frozenset({"Cc", "Co", "Cn", "Cs", "Mn", "Me"})


def _charset(codec: str, values: bytes) -> str:
    """The characters `codec` reads for `values`, skipping the bytes it leaves undefined."""
    chars = []
    for value in values:
        try:
            chars.append(bytes([value]).decode(codec))
        except UnicodeDecodeError:
            continue
    return "".join(chars)


def _class(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(set(chars))) + "]"


def _mojibake_pattern() -> re.Pattern[str]:
    # One alternative per damaging codec: a lead byte's character followed by a continuation
    # byte's character is a UTF-8 sequence read with the wrong table (§1.1 lists `Ã.`, `â€`,
    # `ğŸ`, `ï¸`, `√.`, `‚Ä`, `Ô£`). Mixing tables across codecs would flag clean `l’été`.
    alternatives = [
        _class(_charset(codec, _LEAD_BYTES)) + _class(_charset(codec, _CONTINUATION_BYTES))
        for codec in _MOJIBAKE_CODECS
    ]
    # U+F8FF is Mac Roman's 0xF0, the first byte of every emoji (§1.1, seed 002).
    alternatives.append("\uf8ff")
    # `Ã` + NBSP is `à`; editors often turn that NBSP into a plain space (`voilÃ  tout`). After
    # a capital it is Portuguese (`IRMÃ E`), which is why the lookbehind is there.
    alternatives.append("(?<![A-ZÀ-Þ])Ã(?= )")
    return re.compile("|".join(alternatives))


_MOJIBAKE: Final = _mojibake_pattern()
# ftfy's uncurl_quotes turns Mac Roman's `‚` (0xE2) into `'`, leaving `'Üí` for → (§1.2).
_MAC_CONTINUATION: Final = _class(_charset("mac_roman", _CONTINUATION_BYTES))
_UNCURLED_RESIDUE: Final = re.compile("'(" + _MAC_CONTINUATION + "{2})")


def _is_uncurled_residue(pair: str) -> bool:
    try:
        (b"\xe2" + pair.encode("mac_roman")).decode("utf-8")
    except UnicodeError:
        return False
    return True


def mojibake_score(text: str) -> int:
    """How many telltale mojibake sequences `text` holds; 0 for clean text.

    Counts a lead byte's character followed by a continuation byte's character as cp1252,
    cp1254, latin-1 or Mac Roman read them (`Ã©`, `â€™`, `ğŸ`, `ï¸`, `√©`, `‚Üí`, `Ô£`),
    U+F8FF, `Ã` before a space (a lost NBSP) and ftfy's `'Üí` residues.
    """
    score = len(_MOJIBAKE.findall(text))
    residues = _UNCURLED_RESIDUE.findall(text)
    return score + sum(1 for pair in residues if _is_uncurled_residue(pair))


# --- bytes → text -------------------------------------------------------------------------

_BOMS: Final = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# cp1252 leaves five bytes undefined; Windows tools read them as the C1 control they are in
# latin-1, so do we ("sloppy" cp1252, as ftfy calls it).
_SLOPPY_CP1252: Final = {
    value: _charset("cp1252", bytes([value])) or chr(value) for value in range(0x80, 0xA0)
}


def decode(data: bytes) -> tuple[str, list[str]]:
    """The text of a file's bytes, and notes on anything that was not plain UTF-8.

    UTF-8 (BOM stripped) and UTF-16/32 with a BOM decode as such; a file that is not UTF-8 is read
    line by line, cp1252 for the lines that are not UTF-8; bytes that are not text at all (NUL
    bytes) become U+FFFD. "\\r\\n" becomes "\\n"; no "\\n" is ever added or removed. Never raises.
    """
    notes: list[str] = []
    text = _decode_bom(data, notes)
    if text is None:
        text = _decode_without_bom(data, notes)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
        notes.append("Windows line endings (CRLF) converted to LF")
    return text, notes


def _decode_bom(data: bytes, notes: list[str]) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            notes.append(f"{codec.upper()} byte order mark removed")
            if codec != "utf-8":
                notes.append(f"decoded as {codec.upper()}")
            return _decode_or_replace(data[len(bom) :], codec, notes)
    return None


def _decode_or_replace(data: bytes, codec: str, notes: list[str]) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace")
        notes.append(f"some bytes are not {codec.upper()}: replaced by U+FFFD")
        return text


def _decode_without_bom(data: bytes, notes: list[str]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        text = data.decode("utf-8", errors="replace")
        notes.append(
            f"not a text file: {text.count(chr(0xFFFD))} undecodable byte sequences "
            "replaced by U+FFFD"
        )
        return text
    lines = data.split(b"\n")
    decoded = [_decode_line(line) for line in lines]
    fallback = [number for number, (_, sloppy) in enumerate(decoded, start=1) if sloppy]
    notes.append(
        f"not valid UTF-8: {len(fallback)} line(s) read as cp1252 (first: line {fallback[0]})"
    )
    return "\n".join(text for text, _ in decoded)


def _decode_line(line: bytes) -> tuple[str, bool]:
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return line.decode("latin-1").translate(_SLOPPY_CP1252), True


# --- text → repaired text -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pass:
    text: str
    method: str
    lossy: tuple[str, ...] = ()
    inserted_fffd: int = 0


def repair(text: str) -> tuple[str, Repair]:
    """The text with its mojibake undone, and what was done (§1.3).

    Returns `text` itself with `repaired=False` when nothing lowers the mojibake score: ASCII,
    clean UTF-8 and anything the codecs cannot explain. Never adds or removes a "\\n".
    """
    if text.isascii():
        return text, Repair(repaired=False, method="none")
    current, score, passes = text, mojibake_score(text), list[_Pass]()
    while score > 0 and len(passes) < MAX_PASSES:
        step = _repair_pass(current, score)
        if step is None:
            break
        passes.append(step)
        current, score = step.text, mojibake_score(step.text)
    if not passes:
        return text, Repair(
            repaired=False, method="none", source_replacement_chars=text.count("\ufffd")
        )
    inserted = sum(step.inserted_fffd for step in passes)
    return current, Repair(
        repaired=True,
        method=" + ".join(step.method for step in passes),
        lossy_segments=tuple(note for step in passes for note in step.lossy),
        source_replacement_chars=current.count("\ufffd") - inserted,
    )


def _repair_pass(text: str, score: int) -> _Pass | None:
    """One layer of repair, or None when no strategy lowers the score."""
    wholes = [
        _Pass(whole, codec) for codec in WHOLE_FILE_CODECS if (whole := _round_trip(text, codec))
    ]
    # §1.3 says "the first that lowers the score"; the best one is safer. Mac Roman also
    # round-trips latin-1's `Ã©` (CC A9 is a combining mark), so oddities break the tie.
    better = [step for step in wholes if mojibake_score(step.text) < score]
    if better:
        return min(better, key=lambda step: (mojibake_score(step.text), _oddities(step.text)))
    candidates = [step for step in (_repair_segments(text), _repair_with_ftfy(text)) if step]
    better = [step for step in candidates if mojibake_score(step.text) < score]
    # min() keeps the first of equals: per-segment (explained, reversible) before ftfy.
    return min(better, key=lambda step: mojibake_score(step.text), default=None)


def _oddities(text: str) -> int:
    """Characters a repair should not produce: controls, private use, unassigned, combining."""
    return sum(
        1 for char in text if char not in "\t\n\r" and unicodedata.category(char) in _ODD_CATEGORIES
    )


def _round_trip(text: str, codec: str) -> str | None:
    try:
        return text.encode(codec).decode("utf-8")
    except UnicodeError:
        return None


def _repair_with_ftfy(text: str) -> _Pass | None:
    # ftfy knows the sloppy codecs and mixed C1 controls that the table above does not; §1.2
    # shows why it is a fallback only (it swallows spaces and leaves the 001 residues).
    fixed = ftfy.fix_encoding(text)
    if fixed == text or fixed.count("\n") != text.count("\n"):
        return None
    return _Pass(fixed, "ftfy fix_encoding")


# --- per segment (§1.3 steps 3 and 4) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fix:
    start: int
    end: int
    text: str
    lossy: str | None = None
    inserted_fffd: int = 0


def _repair_segments(text: str) -> _Pass | None:
    """The per-segment pass of the codec that leaves the least mojibake (then: most exact runs)."""
    passes = [
        _apply_fixes(text, codec, list(_segment_fixes(text, codec))) for codec in SEGMENT_CODECS
    ]
    done = [
        (mojibake_score(step.text), len(step.lossy), order, step)
        for order, step in enumerate(passes)
        if step
    ]
    return min(done, key=lambda entry: entry[:3])[3] if done else None


def _apply_fixes(text: str, codec: str, fixes: list[_Fix]) -> _Pass | None:
    if not fixes:
        return None
    parts: list[str] = []
    position = 0
    for fix in fixes:
        parts.extend((text[position : fix.start], fix.text))
        position = fix.end
    parts.append(text[position:])
    return _Pass(
        "".join(parts),
        f"{codec} per-segment",
        tuple(fix.lossy for fix in fixes if fix.lossy),
        sum(fix.inserted_fffd for fix in fixes),
    )


def _segment_fixes(text: str, codec: str) -> list[_Fix]:
    """The repair of each maximal non-ASCII run that looks like mojibake of `codec`.

    Exact round trips first; then the guesses, which may use what the exact ones revealed (a
    document that shows 🔐 elsewhere more likely lost a byte of 🔐 than of 🔍).
    """
    fixes: list[_Fix] = []
    unresolved: list[tuple[int, int]] = []
    for run in _NON_ASCII_RUN.finditer(text):
        fix = _fix_run(text, run.start(), run.end(), codec)
        if fix is None:
            unresolved.append(run.span())
        else:
            fixes.append(fix)
    seen = frozenset("".join(fix.text for fix in fixes) + "".join(text[s:e] for s, e in unresolved))
    guesses = (_guess_run(text, start, end, codec, seen) for start, end in unresolved)
    fixes.extend(fix for fix in guesses if fix is not None)
    return sorted(fixes, key=lambda fix: fix.start)


def _fix_run(text: str, start: int, end: int, codec: str) -> _Fix | None:
    for s, e, prefix, suffix in _extensions(text, start, end, codec):
        segment = text[s:e]
        if mojibake_score(text[max(0, s - 1) : e + 1]) == 0:
            continue
        try:
            data = prefix + text[start:end].encode(codec) + suffix
        except UnicodeEncodeError:
            return None
        if suffix and not _ends_with_two_byte_sequence(data):
            continue
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _is_plausible(decoded) and mojibake_score(decoded) < mojibake_score(segment):
            return _Fix(s, e, decoded)
    return None


def _is_plausible(decoded: str) -> bool:
    # Mac Roman reads cp1252's `Ã©` as CC A9, valid UTF-8 for a lone combining mark: a decode
    # that yields controls, private-use or unassigned code points is a wrong codec, not a fix.
    if unicodedata.category(decoded[0]).startswith("M"):
        return False
    return not any(unicodedata.category(c) in {"Cc", "Co", "Cn", "Cs"} for c in decoded)


def _extensions(
    text: str, start: int, end: int, codec: str
) -> Iterator[tuple[int, int, bytes, bytes]]:
    """The run as is, then with the neighbours an earlier tool rewrote (§1.2) put back."""
    yield start, end, b"", b""
    if codec != "mac_roman" and text[end : end + 1] == " ":
        yield start, end + 1, b"", b"\xa0"  # NBSP saved as a plain space: `Ã ` → `à`
    if codec == "mac_roman" and text[start - 1 : start] == "'" and start > 0:
        yield start - 1, end, b"\xe2", b""  # ftfy's uncurl_quotes: `'Üí` → `‚Üí` → `→`


def _ends_with_two_byte_sequence(data: bytes) -> bool:
    # Only a two-byte character (`à` = C3 A0) can have lost its NBSP; `ğŸ¯ ` must not become
    # U+1FBE0 the way ftfy makes it (§1.2).
    return len(data) >= 2 and 0xC2 <= data[-2] <= 0xDF


def _guess_run(text: str, start: int, end: int, codec: str, seen: frozenset[str]) -> _Fix | None:
    """Step 4: put back bytes `codec` dropped, choosing among the candidates by context."""
    run = text[start:end]
    if mojibake_score(text[max(0, start - 1) : end + 1]) == 0:
        return None
    try:
        data = run.encode(codec)
        data.decode("utf-8")
    except UnicodeEncodeError:
        return None
    except UnicodeDecodeError:
        pass
    else:
        return None  # it decodes, and _fix_run found the result implausible: not this codec
    units = _units(data, UNDEFINED_BYTES.get(codec, b""))
    previous = text[start - 1] if start > 0 else "\n"
    line = text.count("\n", 0, start) + 1
    if units is None:
        return _Fix(
            start,
            end,
            "\ufffd",
            f"line {line}: bytes {data.hex(' ')} could not be decoded, replaced by U+FFFD",
            1,
        )
    chosen = _choose(units, previous, seen)
    repaired = "".join(chosen)
    if "\ufffd" in chosen and len(repaired) == chosen.count("\ufffd"):
        note = f"line {line}: bytes {data.hex(' ')} could not be restored, replaced by U+FFFD"
    else:
        # The note names the bytes, not the mojibake: no stored string may carry mojibake.
        note = f"line {line}: bytes {data.hex(' ')} restored as {repaired!r} (guessed from context)"
    return _Fix(start, end, repaired, note, chosen.count("\ufffd"))


@dataclass(frozen=True, slots=True)
class _Unit:
    """One UTF-8 sequence of a run: its possible characters, and whether bytes were put back."""

    options: tuple[str, ...]
    guessed: bool


def _units(data: bytes, fillers: bytes) -> list[_Unit] | None:
    """Each UTF-8 sequence of `data` as its possible characters; None if it cannot be UTF-8.

    A sequence short of continuation bytes lists every character that filling the gaps with
    `fillers` gives (none when nothing does); undefined bytes are continuation bytes, so a
    dropped one only ever shortens a sequence.
    """
    units: list[_Unit] = []
    position = 0
    while position < len(data):
        lead = data[position]
        needed = _continuations_needed(lead)
        if needed is None:
            return None
        present = 0
        while (
            present < needed
            and position + 1 + present < len(data)
            and 0x80 <= data[position + 1 + present] < 0xC0
        ):
            present += 1
        tail = data[position + 1 : position + 1 + present]
        units.append(_Unit(tuple(_fill(lead, tail, needed, fillers)), present < needed))
        position += 1 + present
    return units


def _continuations_needed(lead: int) -> int | None:
    if lead < 0x80:
        return 0
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return None


def _fill(lead: int, tail: bytes, needed: int, fillers: bytes) -> list[str]:
    missing = needed - len(tail)
    options: list[str] = []
    for slots in itertools.combinations(range(needed), missing):
        for values in itertools.product(fillers, repeat=missing):
            continuation, given, inserted = [], iter(tail), iter(values)
            for slot in range(needed):
                continuation.append(next(inserted) if slot in slots else next(given))
            try:
                char = (bytes([lead]) + bytes(continuation)).decode("utf-8")
            except UnicodeDecodeError:
                continue
            if char not in options:
                options.append(char)
    return options


def _choose(units: list[_Unit], previous: str, seen: frozenset[str]) -> list[str]:
    """Left to right, the most plausible character of each unit given the one before it."""
    chosen: list[str] = []
    for unit in units:

        def likelihood(char: str, before: str = previous) -> tuple[int, bool, int, int]:
            qualification, rank, code = _plausibility(char, before)
            return qualification, char in seen, rank, code

        best = max(unit.options, key=likelihood, default="\ufffd")
        if unit.guessed and likelihood(best)[0] < 2:
            best = "\ufffd"  # nothing is an emoji, VS16 or keycap: §1.3 step 4 says give up
        chosen.append(best)
        previous = best
    return chosen


def _plausibility(char: str, previous: str) -> tuple[int, int, int]:
    """(qualification, lexicon rank, code point) — bigger is likelier in a runbook."""
    rank = RUNBOOK_EMOJI.find(char)
    if char in RUNBOOK_PUNCTUATION:
        return 3, -len(RUNBOOK_EMOJI), 0
    if char == VS16:
        fits = _is_emoji(previous) or previous in _KEYCAP_BASES
        return (3 if fits else 0), 0, 0
    if char == KEYCAP:
        return (3 if previous == VS16 else 0), 0, 0
    if rank >= 0:
        return 3, -rank, 0
    if _is_emoji(char):
        return 2, -len(RUNBOOK_EMOJI), -ord(char)
    if not previous.isascii() and ord(char) // 0x80 == ord(previous) // 0x80:
        # Same Unicode block as its neighbour: `┌──…─┐` lost the 0x90 of its last corner.
        return 2, -len(RUNBOOK_EMOJI), -ord(char)
    category = unicodedata.category(char)
    return (-1 if category[0] in "CZ" else 0), 0, -ord(char)


def _is_emoji(char: str) -> bool:
    code = ord(char)
    if 0x1F100 <= code <= 0x1FAFF:  # below are mahjong, dominoes and cards: not emoji in use
        return unicodedata.category(char) == "So"
    return any(low <= code <= high for low, high in _BMP_EMOJI)
