#!/usr/bin/env python3
"""Generates the big benchmark pack and inputs for benches/ (issue 2, "Speed and memory").

Deterministic: the same seed gives byte-identical output. Writes

  target/bench-pack/              a loadable pack (the engine reads it like packs/default):
    pack.json, brands.json          copies of the default pack's
    rules/*.yar                     copies of the default pack's rules
    rules/bench_generated.yar       1,000 generated rules, ~10,000 strings (text with some
                                    nocase/fullword, hex strings, a few regexes; conditions
                                    `any of them`, `2 of ($a*)`, `#a1 > 2`, ...)
    reputation/*.txt                copies of the default pack's (small) lists
    reputation/bench-hosts.fwrep    1,000,000 generated hosts, compiled with
                                    `ferretwatch reputation compile`
  target/bench-src/               inputs that are not pack files:
    bench-hosts.txt                 the text copy of the 1,000,000 hosts
    page-1mib.html                  a 1 MiB HTML-like page with occasional rule hits
    page-1mib.features.json         its features (`ferretwatch features`)
    page-1mib-disjoint.html, .features.json
                                    the same with text in words the rules never use
    corpus-features.jsonl           features of tests/corpus/index.json (`ferretwatch features --corpus`)
    atoms.json                      the literals of the engine's automaton for the bare
                                    aho-corasick comparison (rule text strings, the longest
                                    fixed run of each hex string, each regex's literal
                                    prefix, urgency keywords, brand names)
    urls.json                       a mixed URL sample: benign brand sites, lookalikes,
                                    random hosts, reputation hits ({"url", "kind"})
    manifest.json                   what was generated (counts, seed)

Usage: python3 benches/gen_pack.py [--cli target/release/ferretwatch] [--seed N]
Needs packs/default/brands.json and the release CLI (cargo build --release -p ferretwatch-cli).
"""

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACK = ROOT / "packs" / "default"

N_RULES = 1000
N_HOSTS = 1_000_000
PAGE_BYTES = 1024 * 1024
PAGE_URL = "https://bench-page.example/account/login"

WORDS = """account access action admin alert apply archive auth backup balance bank billing block
bonus browser cache card cart case center change check claim client cloud code confirm connect
contact control cookie credit customer data delivery device digital direct document domain download
drive email enable entry event express file finance form fund gateway global group guard help
history home identity inbox info invoice item key label limit link login mail manage member message
mobile money network notice office online order page panel partner pass payment phone photo pin
portal post premium privacy profile protect public quick reward recover refund region remote report
request reset review safe sale scan secure service session setting share shield sign smart social
status store support sync system task team ticket token track transfer trust unlock update upload
user valid vault verify wallet web zone""".split()

TLDS = ["com"] * 30 + ["net"] * 8 + ["org"] * 5 + ["xyz"] * 6 + ["top"] * 5 + ["info"] * 4 + [
    "online", "site", "shop", "live", "app", "io", "co", "me", "cc", "ru", "cn", "de", "fr", "br", "in",
    "co.uk", "com.br", "com.au", "co.jp", "com.tr", "pl", "it", "es", "nl", "icu", "buzz", "click", "link",
]
SUBS = ["www", "login", "secure", "account", "mail", "cdn", "app", "auth", "my", "portal", "update", "verify"]

JS_FRAGMENTS = [
    "var {a} = document.getElementById('{b}');",
    "function {a}{B}(e) {{ e.preventDefault(); return {b}.value; }}",
    "if (window.{a} && {b}.length > 3) {{ {a}.{b}(); }}",
    "$('#{a}').on('click', function() {{ {b}(); }});",
    "fetch('/api/{a}/{b}', {{ method: 'POST' }});",
    "const {a}_{b} = JSON.parse(localStorage.getItem('{a}'));",
]


# The second page's text: words that the generated rules never use (lorem-ipsum style).
OTHER_WORDS = """lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut
labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi
aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu
fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt
mollit anim id est laborum curabitur pretium tincidunt lacus nulla gravida orci a odio nullam varius
turpis et commodo pharetra est eros bibendum elit nec luctus magna felis sollicitudin mauris integer
quam nunc interdum""".split()


def word(rng, vocab=None):
    return rng.choice(vocab or WORDS)


def cap(s):
    return s[:1].upper() + s[1:]


def yara_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def text_string(rng, used):
    """A kit-like literal, 8-40 bytes, unlikely to occur in random page text."""
    while True:
        form = rng.randrange(8)
        a, b, c = word(rng), word(rng), word(rng)
        n = rng.randrange(10, 9999)
        if form == 0:
            s = f"{a}{cap(b)}{cap(c)}"
        elif form == 1:
            s = f"{a}_{b}_{n}"
        elif form == 2:
            s = f"/{a}/{b}{n}.php"
        elif form == 3:
            s = f"{a}-{b}-{c}.js"
        elif form == 4:
            s = f"id=\"{a}{b}{n}\""
        elif form == 5:
            s = f"{cap(a)} your {b} {c} now"
        elif form == 6:
            s = f"{a}{n}{b}"
        else:
            s = f"data-{a}-{b}=\"{c}\""
        if len(s) >= 8 and s.lower() not in used:
            used.add(s.lower())
            return s


def hex_string(rng, used):
    """A hex string over ASCII bytes with a wildcard and sometimes a jump; returns (source, longest fixed run)."""
    while True:
        a, b = word(rng), word(rng)
        left = f"<{a} {b}"
        right = f"{word(rng)}{rng.randrange(100, 999)}>"
        if left.lower() + right.lower() not in used:
            used.add(left.lower() + right.lower())
            break
    parts = [" ".join(f"{x:02X}" for x in left.encode())]
    if rng.random() < 0.5:
        parts.append("??")
    else:
        lo = rng.randrange(1, 4)
        parts.append(f"[{lo}-{lo + rng.randrange(1, 6)}]")
    parts.append(" ".join(f"{x:02X}" for x in right.encode()))
    atom = max([left, right], key=len)
    return "{ " + " ".join(parts) + " }", atom


def regex_string(rng):
    """A regex with a literal prefix; returns (source, literal prefix)."""
    a, b = word(rng), word(rng)
    prefix = f"/{a}-{b}/"
    form = rng.randrange(3)
    if form == 0:
        body = r"[a-z0-9]{4,12}\.(php|html?)"
    elif form == 1:
        body = r"[0-9]{3,8}\?(id|token|session)="
    else:
        body = r"[A-Za-z0-9_-]{16,40}"
    src = "/" + prefix.replace("/", "\\/") + body + "/"
    if rng.random() < 0.3:
        src += "i"
    return src, prefix


def gen_rules(rng):
    """Returns (yara source, atoms, number of strings, string kinds count)."""
    used = set()
    out = ["// Generated by benches/gen_pack.py for the engine benchmarks. Not real detections.", ""]
    atoms = []
    counts = {"text": 0, "nocase": 0, "fullword": 0, "hex": 0, "regex": 0}
    families = ["phishing-kit", "credential-harvest", "crypto-scam", "malware-dropper"]
    for i in range(N_RULES):
        n_text = rng.randrange(7, 12)
        n_hex = 1 if rng.random() < 0.9 else 2
        n_re = 1 if i % 5 == 0 else 0
        lines = []
        for j in range(n_text):
            s = text_string(rng, used)
            mods = []
            if rng.random() < 0.3:
                mods.append("nocase")
                counts["nocase"] += 1
            if rng.random() < 0.1:
                mods.append("fullword")
                counts["fullword"] += 1
            lines.append(f'        $a{j + 1} = "{yara_escape(s)}"' + ("" if not mods else " " + " ".join(mods)))
            atoms.append(s)
            counts["text"] += 1
        for j in range(n_hex):
            src, atom = hex_string(rng, used)
            lines.append(f"        $h{j + 1} = {src}")
            atoms.append(atom)
            counts["hex"] += 1
        for j in range(n_re):
            src, prefix = regex_string(rng)
            lines.append(f"        $r{j + 1} = {src}")
            atoms.append(prefix)
            counts["regex"] += 1
        # YARA rejects unreferenced strings: every condition covers $a*, $h* (and $r1).
        k = rng.randrange(6)
        if k == 0:
            cond = "any of them"
        elif k == 1:
            cond = "2 of ($a*) or all of ($h*)"
        elif k == 2:
            cond = "#a1 > 2 or (any of ($a*) and any of ($h*))"
        elif k == 3:
            cond = "($a1 and any of ($h*)) or 3 of ($a*)"
        elif k == 4:
            cond = "all of ($h*) or 3 of ($a*)"
        else:
            cond = "(#a2 >= 1 and any of ($h*)) or 2 of ($a*)"
        if n_re and k != 0:
            cond += " or $r1"
        sev = "high" if rng.random() < 0.3 else "medium"
        out += [
            f"rule Bench_Generated_{i:04d} : {families[i % 4].replace('-', '_')}",
            "{",
            "    meta:",
            f'        description = "generated benchmark rule {i}"',
            f'        family = "{families[i % 4]}"',
            f'        severity = "{sev}"',
            "    strings:",
            *lines,
            "    condition:",
            f"        {cond}",
            "}",
            "",
        ]
    return "\n".join(out), atoms, counts


def default_rule_literals():
    """Text strings of the default pack's rules (they share the automaton too)."""
    lits = []
    for p in sorted((DEFAULT_PACK / "rules").glob("*.yar")):
        for m in re.finditer(r'^\s*\$\w*\s*=\s*"((?:[^"\\]|\\.)*)"', p.read_text(), re.M):
            lits.append(m.group(1).encode().decode("unicode_escape"))
    return lits


def gen_hosts(rng):
    hosts = set()
    while len(hosts) < N_HOSTS:
        form = rng.randrange(6)
        a, b = word(rng), word(rng)
        tld = rng.choice(TLDS)
        if form == 0:
            h = f"{a}-{b}{rng.randrange(1000)}.{tld}"
        elif form == 1:
            h = f"{rng.choice(SUBS)}.{a}{b}-{rng.randrange(100000)}.{tld}"
        elif form == 2:
            h = f"{a}{b}{rng.randrange(1000000)}.{tld}"
        elif form == 3:
            letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randrange(8, 16)))
            h = f"{letters}.{tld}"
        elif form == 4:
            h = f"{rng.choice(SUBS)}-{a}.{b}{rng.randrange(10000)}.{tld}"
        else:
            h = f"{a}.{b}-{word(rng)}-{rng.randrange(100000)}.{tld}"
        hosts.add(h)
    return sorted(hosts)


CONFUSABLE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445", "i": "\u0456"}


def lookalikes(rng, domain):
    label, _, suffix = domain.partition(".")
    out = []
    if len(label) > 3:
        i = rng.randrange(len(label))
        out.append(label[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + label[i + 1:] + "." + suffix)
        out.append(label[:i] + label[i + 1:] + "." + suffix)
        j = rng.randrange(len(label) - 1)
        out.append(label[:j] + label[j + 1] + label[j] + label[j + 2:] + "." + suffix)
    swaps = [k for k, ch in enumerate(label) if ch in CONFUSABLE]
    if swaps:
        k = rng.choice(swaps)
        out.append(label[:k] + CONFUSABLE[label[k]] + label[k + 1:] + "." + suffix)
    out.append(f"{label}-login-secure.com")
    out.append(f"{domain}-verify.{rng.choice(['info', 'xyz', 'top'])}")
    return out


def gen_urls(rng, brands, hosts):
    domains = [d for b in brands for d in b["domains"][:1]]
    urls = []
    for d in rng.sample(domains, min(300, len(domains))):
        urls.append({"url": f"https://www.{d}/", "kind": "benign"})
    for d in rng.sample(domains, min(150, len(domains))):
        for h in rng.sample(lookalikes(rng, d), 2):
            urls.append({"url": f"https://{h}/login", "kind": "lookalike"})
    for _ in range(300):
        a, b = word(rng), word(rng)
        urls.append({"url": f"https://{a}{b}{rng.randrange(10**6)}.{rng.choice(TLDS)}/", "kind": "random"})
    for h in rng.sample(hosts, 100):
        urls.append({"url": f"http://{h}/index.php", "kind": "reputation"})
    rng.shuffle(urls)
    return urls


def gen_page(rng, atoms, keywords, vocab=None):
    """1 MiB of HTML-like text; a rule literal about every 16 KiB and a keyword about every 64 KiB.

    The text is made of `vocab` (default: the words the rule strings are made of, so 4-byte
    pieces of rule strings occur all over the page, as on real pages; OTHER_WORDS gives a page
    that shares no words with the rules)."""
    parts = ["<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Benchmark page</title></head><body>\n"]
    size = len(parts[0])
    next_hit, next_kw = 16384, 65536
    hits = 0
    while size < PAGE_BYTES - 64:
        r = rng.random()
        if r < 0.55:
            words = " ".join(word(rng, vocab) for _ in range(rng.randrange(20, 80)))
            chunk = f"<p class=\"{word(rng, vocab)}-{word(rng, vocab)}\">{cap(words)}.</p>\n"
        elif r < 0.75:
            chunk = (f"<div id=\"{word(rng, vocab)}{rng.randrange(1000)}\"><a href=\"https://{word(rng, vocab)}.example/{word(rng, vocab)}\">"
                     f"{word(rng, vocab)} {word(rng, vocab)}</a></div>\n")
        elif r < 0.9:
            frag = rng.choice(JS_FRAGMENTS).format(a=word(rng, vocab), b=word(rng, vocab), B=cap(word(rng, vocab)))
            chunk = f"<script>{frag}</script>\n"
        else:
            chunk = f"<img src=\"/static/{word(rng, vocab)}/{word(rng, vocab)}.png\" alt=\"{word(rng, vocab)}\">\n"
        if size >= next_hit:
            chunk = f"<span>{rng.choice(atoms)}</span>\n" + chunk
            next_hit += 16384
            hits += 1
        if size >= next_kw and keywords:
            chunk = f"<p>{rng.choice(keywords)}</p>\n" + chunk
            next_kw += 65536
        parts.append(chunk)
        size += len(chunk.encode())
    tail = "</body></html>\n"
    body = "".join(parts).encode()
    body = body[: PAGE_BYTES - len(tail)]
    body = body.rsplit(b"\n", 1)[0] + b"\n"
    pad = PAGE_BYTES - len(body) - len(tail)
    body += b"<!--" + b" " * max(0, pad - 8) + b"-->\n" if pad >= 8 else b" " * pad
    page = body + tail.encode()
    assert len(page) == PAGE_BYTES, len(page)
    return page, hits


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default=str(ROOT / "target" / "release" / "ferretwatch"))
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--out", default=str(ROOT / "target" / "bench-pack"))
    ap.add_argument("--src", default=str(ROOT / "target" / "bench-src"))
    ap.add_argument("--brands", default=str(DEFAULT_PACK / "brands.json"), help="brand list to copy into the pack")
    args = ap.parse_args()
    out, src = Path(args.out), Path(args.src)
    brands_file = Path(args.brands)
    if not brands_file.exists():
        sys.exit(f"gen_pack: {brands_file} is missing (the brand list must be in the default pack first)")
    if not Path(args.cli).exists():
        sys.exit(f"gen_pack: {args.cli} not found; build it first: cargo build --release -p ferretwatch-cli")
    rng = random.Random(args.seed)

    if out.exists():
        shutil.rmtree(out)
    (out / "rules").mkdir(parents=True)
    (out / "reputation").mkdir()
    src.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEFAULT_PACK / "pack.json", out / "pack.json")
    shutil.copy(brands_file, out / "brands.json")
    for p in sorted((DEFAULT_PACK / "rules").glob("*.yar")):
        shutil.copy(p, out / "rules" / p.name)
    for p in sorted((DEFAULT_PACK / "reputation").glob("*.txt")):
        shutil.copy(p, out / "reputation" / p.name)

    yara, atoms, counts = gen_rules(rng)
    (out / "rules" / "bench_generated.yar").write_text(yara)

    config = json.loads((DEFAULT_PACK / "pack.json").read_text())
    brands = json.loads(brands_file.read_text())
    keywords = [k.lower() for k in config.get("urgency_keywords", [])]
    brand_names = [b["name"].lower() for b in brands if len(b["name"]) >= 4]
    all_atoms = atoms + default_rule_literals() + keywords + brand_names
    (src / "atoms.json").write_text(json.dumps(all_atoms, ensure_ascii=False))

    hosts = gen_hosts(rng)
    hosts_txt = src / "bench-hosts.txt"
    with open(hosts_txt, "w") as f:
        f.write("# source: bench-generated\n# kind: host\n# 1,000,000 generated hosts (benches/gen_pack.py). Not real.\n")
        f.write("\n".join(hosts))
        f.write("\n")
    subprocess.run([args.cli, "reputation", "compile", str(hosts_txt), "--out", str(out / "reputation" / "bench-hosts.fwrep")],
                   check=True, stdout=subprocess.DEVNULL)

    urls = gen_urls(rng, brands, hosts)
    (src / "urls.json").write_text(json.dumps(urls, ensure_ascii=False, indent=0))
    page, hits = gen_page(rng, atoms, keywords)
    (src / "page-1mib.html").write_bytes(page)
    features = subprocess.run([args.cli, "features", "--url", PAGE_URL, "--html", str(src / "page-1mib.html")],
                              check=True, capture_output=True).stdout
    (src / "page-1mib.features.json").write_bytes(features)
    other, _ = gen_page(random.Random(args.seed + 1), atoms, keywords, OTHER_WORDS)
    (src / "page-1mib-disjoint.html").write_bytes(other)
    features = subprocess.run([args.cli, "features", "--url", PAGE_URL, "--html", str(src / "page-1mib-disjoint.html")],
                              check=True, capture_output=True).stdout
    (src / "page-1mib-disjoint.features.json").write_bytes(features)
    corpus = ROOT / "tests" / "corpus" / "index.json"
    corpus_pages = 0
    if corpus.exists():
        lines = subprocess.run([args.cli, "features", "--corpus", str(corpus)], check=True, capture_output=True).stdout
        (src / "corpus-features.jsonl").write_bytes(lines)
        corpus_pages = sum(1 for line in lines.splitlines() if line.strip())
    else:
        print(f"gen_pack: warning: {corpus} is missing; the corpus benchmarks cannot run", file=sys.stderr)

    manifest = {
        "seed": args.seed,
        "rules_generated": N_RULES,
        "strings_generated": sum(counts[k] for k in ("text", "hex", "regex")),
        "string_kinds": counts,
        "atoms": len(all_atoms),
        "reputation_hosts": len(hosts),
        "brands": len(brands),
        "urls": {k: sum(1 for u in urls if u["kind"] == k) for k in ("benign", "lookalike", "random", "reputation")},
        "page_bytes": len(page),
        "page_planted_hits": hits,
        "corpus_pages": corpus_pages,
    }
    (src / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
