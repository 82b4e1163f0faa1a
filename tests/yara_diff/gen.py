"""Deterministic generator of YARA-subset rule sets and inputs (shared by run.py and bench.py).

Every construct of docs/yara-subset.md appears: text strings with nocase/wide/ascii/fullword/private,
hex strings with ??, nibble wildcards, bounded jumps and alternatives, regexes with i/s flags,
classes, escapes, anchors, word boundaries, greedy/lazy quantifiers and alternation; conditions
with and/or/not, parentheses, any/all/none/N of them or of sets and wildcards, #a comparisons,
$a at N, $a in (X..Y), filesize with KB suffixes, true/false, references to earlier (private,
global) rules; meta, tags and comments.
"""

import random

# Data alphabet: letters of both cases, digits, word/non-word separators, NUL and newline.
DATA_ALPHABET = b"abcABC01_ -.\n\x00"
TEXT_ALPHABET = "abcABC01_ -."


def text_literal(rng):
    n = rng.randint(1, 4) if rng.random() < 0.6 else rng.randint(5, 9)
    chars = [rng.choice(TEXT_ALPHABET) for _ in range(n)]
    src = ""
    raw = b""
    for c in chars:
        if rng.random() < 0.05:
            src += "\\x00"
            raw += b"\x00"
        else:
            src += c
            raw += c.encode()
    return src, raw


def gen_text_string(rng):
    src, raw = text_literal(rng)
    mods = [m for m in ("nocase", "wide", "ascii", "fullword", "private") if rng.random() < 0.25]
    rng.shuffle(mods)
    return f'"{src}"' + "".join(" " + m for m in mods), ("text", raw, mods)


def hex_byte(rng):
    b = rng.choice(DATA_ALPHABET)
    r = rng.random()
    if r < 0.12:
        return "??"
    if r < 0.2:
        return f"{b >> 4:X}?"
    if r < 0.28:
        return f"?{b & 15:X}"
    return f"{b:02X}"


def hex_seq(rng, n, depth):
    toks = [hex_byte(rng)]
    for _ in range(n - 1):
        r = rng.random()
        if r < 0.15:
            lo = rng.randint(0, 3)
            hi = lo + rng.randint(0, 3)
            # [0] is invalid in YARA: emitted rarely, both must reject it.
            single = hi if hi > 0 or rng.random() < 0.05 else 1
            toks.append(f"[{lo}-{hi}]" if rng.random() < 0.7 else f"[{single}]")
        elif r < 0.25 and depth < 2:
            alts = [hex_seq(rng, rng.randint(1, 2), depth + 1) for _ in range(rng.randint(2, 3))]
            toks.append("( " + " | ".join(alts) + " )")
        toks.append(hex_byte(rng))
    return " ".join(toks)


def gen_hex_string(rng):
    body = hex_seq(rng, rng.randint(1, 4) if rng.random() < 0.6 else rng.randint(5, 8), 0)
    if rng.random() < 0.1:
        body += " // trailing comment\n"
    return "{ " + body + " }", ("hex",)


RE_CLASSES = ["[a-c]", "[^a]", "[A-C0-1]", "[ab_]", "[^\\n]", "\\d", "\\w", "\\s", "\\W", "\\D", "\\S",
              ".", "[\\x00-\\x2f]", "[]a]", "[a-]"]
RE_CHARS = ["a", "b", "c", "A", "B", "0", "1", "_", "-", "\\.", "\\x00", "\\n", " "]


def re_atom(rng, depth):
    r = rng.random()
    if r < 0.5:
        return rng.choice(RE_CHARS)
    if r < 0.8:
        return rng.choice(RE_CLASSES)
    if depth < 2:
        branches = [re_seq(rng, rng.randint(1, 3), depth + 1) for _ in range(rng.randint(2, 3))]
        return "(" + "|".join(branches) + ")"
    return rng.choice(RE_CHARS)


LAZY = [False]


def re_quant(rng):
    q = rng.choice(["*", "+", "?", "{1,3}", "{2}", "{,2}", "{1,}", "{0,2}"])
    # YARA rejects mixing greedy and lazy quantifiers: a regex is all-lazy, except rarely (to
    # check that we reject the mix too).
    if LAZY[0] != (rng.random() < 0.02):
        q += "?"
    return q


def re_seq(rng, n, depth):
    # The first item is never quantified, so no branch can match the empty string.
    parts = [re_atom(rng, depth)]
    for _ in range(n - 1):
        a = re_atom(rng, depth)
        if rng.random() < 0.35:
            a += re_quant(rng)
        parts.append(a)
        if rng.random() < 0.08:
            parts.append(rng.choice(["\\b", "\\B"]))
    return "".join(parts)


def gen_regex(rng):
    LAZY[0] = rng.random() < 0.25
    body = re_seq(rng, rng.randint(1, 5), 0)
    if rng.random() < 0.1:
        body = "^" + body
    if rng.random() < 0.1:
        body += "$"
    if rng.random() < 0.1:
        body = "\\b" + body
    flags = "".join(f for f in ("i", "s") if rng.random() < 0.3)
    return f"/{body}/{flags}", ("regex",)


def gen_strings(rng, count):
    out = []
    names = []
    prefixes = ["a", "b", "s"]
    for i in range(count):
        kind = rng.random()
        if kind < 0.5:
            val, info = gen_text_string(rng)
        elif kind < 0.75:
            val, info = gen_hex_string(rng)
        else:
            val, info = gen_regex(rng)
        anon = rng.random() < 0.05
        name = "" if anon else f"{rng.choice(prefixes)}{i}"
        out.append((name, val, info))
        names.append(name)
    return out


def int_lit(rng):
    n = rng.randint(0, 40)
    return str(n) if rng.random() < 0.9 else hex(n)


def gen_cond(rng, strings, earlier_rules, depth, used):
    named = [s[0] for s in strings if s[0]]
    choices = ["bool", "filesize"]
    if named:
        choices += ["present", "count", "at", "in", "of_set", "of_wild"] * 2
    if strings:
        choices += ["of_them"]
    if earlier_rules:
        choices += ["rule"]
    if depth < 3:
        choices += ["and", "or", "not", "paren"] * 2
    c = rng.choice(choices)
    op = lambda: rng.choice(["==", "!=", "<", "<=", ">", ">="])  # noqa: E731
    if c == "bool":
        return rng.choice(["true", "false"])
    if c == "filesize":
        rhs = rng.choice([str(rng.randint(0, 300)), "1KB", "0x40", "1MB"])
        return f"filesize {op()} {rhs}"
    if c == "present":
        n = rng.choice(named)
        used.add(n)
        return f"${n}"
    if c == "count":
        n = rng.choice(named)
        used.add(n)
        return f"#{n} {op()} {rng.randint(0, 4)}" if rng.random() < 0.8 else f"{rng.randint(0, 4)} {op()} #{n}"
    if c == "at":
        n = rng.choice(named)
        used.add(n)
        return f"${n} at {rng.randint(0, 60)}"
    if c == "in":
        n = rng.choice(named)
        used.add(n)
        lo = rng.randint(0, 80)
        hi = lo + (rng.randint(-5, 120) if rng.random() < 0.03 else rng.randint(0, 120))
        hi_s = "filesize" if rng.random() < 0.15 else str(max(hi, 0))
        return f"${n} in ({lo}..{hi_s})"
    if c == "of_them":
        used.update(s[0] for s in strings)
        q = rng.choice(["any", "all", "none", str(rng.randint(1, len(strings)))])
        return f"{q} of them"
    if c == "of_set":
        k = rng.randint(1, len(named))
        sel = rng.sample(named, k)
        used.update(sel)
        q = rng.choice(["any", "all", "none", str(rng.randint(1, k))])
        return f"{q} of (" + ", ".join("$" + s for s in sel) + ")"
    if c == "of_wild":
        p = rng.choice(sorted({n[0] for n in named}))
        members = [n for n in named if n.startswith(p)]
        used.update(members)
        q = rng.choice(["any", "all", "none", str(rng.randint(1, len(members)))])
        return f"{q} of (${p}*)"
    if c == "rule":
        return rng.choice(earlier_rules)
    if c == "not":
        return "not " + gen_cond(rng, strings, earlier_rules, depth + 1, used)
    if c == "paren":
        return "(" + gen_cond(rng, strings, earlier_rules, depth + 1, used) + ")"
    a = gen_cond(rng, strings, earlier_rules, depth + 1, used)
    b = gen_cond(rng, strings, earlier_rules, depth + 1, used)
    return f"{a} {c} {b}"


def gen_rule(rng, idx, earlier_rules, allow_global):
    name = f"r{idx}"
    strings = gen_strings(rng, rng.randint(0, 4))
    used = set()
    cond = gen_cond(rng, strings, earlier_rules, 0, used)
    anon = any(not s[0] for s in strings)
    missing = [s[0] for s in strings if s[0] and s[0] not in used]
    for n in missing:
        cond = f"({cond}) and #{n} >= 0" if rng.random() < 0.5 else f"({cond}) or #{n} < 0"
    if anon and "them" not in cond:
        cond = f"({cond}) or (any of them and false)"
    mods = []
    if rng.random() < 0.15:
        mods.append("private")
    if allow_global and rng.random() < 0.04:
        mods.append("global")
    tags = " : " + " ".join(f"t{j}" for j in range(rng.randint(1, 2))) if rng.random() < 0.3 else ""
    lines = [f"{' '.join(mods + ['rule'])} {name}{tags} {{"]
    if rng.random() < 0.4:
        lines.append("  meta:")
        lines.append('    family = "phishing-kit"')
        lines.append(f"    weight = {rng.randint(-5, 50)}")
        lines.append(f"    active = {rng.choice(['true', 'false'])}")
    if strings:
        lines.append("  strings: /* the strings */")
        for n, val, _ in strings:
            lines.append(f"    ${n} = {val}")
    lines.append("  condition: // the condition")
    lines.append(f"    {cond}")
    lines.append("}")
    return name, "\n".join(lines), strings


def realize(rng, strings):
    """Byte snippets likely to match the rule's strings."""
    out = []
    for _, _, info in strings:
        if info[0] == "text":
            raw, mods = info[1], info[2]
            s = raw
            if "nocase" in mods and rng.random() < 0.5:
                s = s.swapcase()
            if "wide" in mods and ("ascii" not in mods or rng.random() < 0.5):
                s = b"".join(bytes([c, 0]) for c in s)
            out.append(s)
    return out


def gen_input(rng, snippets):
    big = rng.random() < 0.04
    # Big inputs cross the scanner's 64 KiB chunk boundary; snippets land near it.
    n = rng.randint(65536 - 200, 65536 + 200) if big else rng.randint(0, 120)
    data = bytearray(rng.choice(DATA_ALPHABET) for _ in range(n))
    for s in snippets:
        for _ in range(rng.randint(0, 3)):
            pos = rng.randint(65536 - 12, 65536 + 4) if big and rng.random() < 0.7 else rng.randint(0, len(data))
            pos = min(pos, len(data))
            data[pos:pos] = s
    return bytes(data)


def gen_case(seed):
    """One case: (rules source, [inputs])."""
    rng = random.Random(seed)
    n_rules = rng.randint(1, 4)
    names, texts, snippets = [], [], []
    for i in range(n_rules):
        name, text, strings = gen_rule(rng, i, names, allow_global=True)
        names.append(name)
        texts.append(text)
        snippets += realize(rng, strings)
    inputs = [gen_input(rng, snippets) for _ in range(rng.randint(1, 4))]
    return "\n\n".join(texts) + "\n", inputs
