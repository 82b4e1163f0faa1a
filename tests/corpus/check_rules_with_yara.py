#!/usr/bin/env python3
"""Checks the default pack's YARA rules against the corpus with real YARA (yara-python).

FerretWatch's matcher implements a subset of YARA; this script is the reference check that the
rules in packs/default/rules/ are valid YARA and fire exactly where the corpus says they should:

* an entry listing `yara_phishing_high` must match at least one rule with `severity = "high"`;
* an entry listing `yara_phishing_medium` must match at least one rule with `severity = "medium"`;
* a benign entry (expected `green`) must match no rule at all.

Like the engine, rules run separately over three targets of each page: the visible text, the HTML
source and the inline script text. The text and script are extracted here with Python's
html.parser, following the extractor's contract (no head/script/style/template content, no
elements hidden with the `hidden` attribute or inline `display:none` / `visibility:hidden`).

Usage (yara-python from PyPI):

    python3 -m venv /tmp/yv && /tmp/yv/bin/pip install yara-python
    /tmp/yv/bin/python tests/corpus/check_rules_with_yara.py [-v]

Exit status 0 when every entry agrees, 1 otherwise.
"""

import glob
import html.parser
import json
import os
import re
import sys

import yara

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RULES = os.path.join(REPO, "packs", "default", "rules")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
INVISIBLE = {"head", "script", "style", "template", "title", "noscript"}
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


class Targets(html.parser.HTMLParser):
    """Collects visible text and inline script text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, hides)
        self.text = []
        self.script = []

    def _hidden(self):
        return any(h for _, h in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        hides = tag in INVISIBLE or "hidden" in a or bool(HIDDEN_STYLE.search(a.get("style") or ""))
        if tag == "script" and "src" in a:
            hides = True
        self.stack.append((tag, hides))
        self._in_inline_script = tag == "script" and "src" not in a

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "script":
            if getattr(self, "_in_inline_script", False):
                self.script.append(data)
            return
        if not self._hidden():
            self.text.append(data)


def targets(source):
    p = Targets()
    p.feed(source)
    p.close()
    text = re.sub(r"\s+", " ", " ".join(p.text)).strip()
    return {"text": text, "html": source, "inline script": "\n".join(p.script)}


def compile_rules():
    files = sorted(glob.glob(os.path.join(RULES, "*.yar")))
    rules = yara.compile(filepaths={os.path.basename(f): f for f in files})
    return rules, files


def main():
    verbose = "-v" in sys.argv
    rules, files = compile_rules()
    index_path = os.path.join(HERE, "index.json")
    with open(index_path, encoding="utf-8") as f:
        index = json.load(f)
    fired_rules = set()
    problems = []
    for e in index:
        with open(os.path.join(HERE, e["html"]), encoding="utf-8") as f:
            source = f.read()
        hits = {}
        for target, data in targets(source).items():
            if not data:
                continue
            for m in rules.match(data=data.encode("utf-8")):
                hits.setdefault(m.rule, (m.meta.get("severity"), set()))[1].add(target)
        fired_rules.update(hits)
        severities = {sev for sev, _ in hits.values()}
        want = set(e.get("signals", []))
        why = []
        if "yara_phishing_high" in want and "high" not in severities:
            why.append("no high-severity rule matched")
        if "yara_phishing_medium" in want and "medium" not in severities:
            why.append("no medium-severity rule matched")
        if e["expected"] == "green" and hits:
            why.append("benign page matched rules")
        desc = ", ".join(f"{r} [{s}] in {'/'.join(sorted(t))}" for r, (s, t) in sorted(hits.items())) or "-"
        if why:
            problems.append(f"{e['id']}: {'; '.join(why)} (matched: {desc})")
        if verbose or why:
            print(f"{e['id']:32} {e['expected']:6} {desc}")
    all_rules = set()
    for path in files:
        with open(path, encoding="utf-8") as f:
            all_rules.update(re.findall(r"^rule\s+(\w+)", f.read(), re.M))
    unused = sorted(all_rules - fired_rules)
    print(f"\n{len(files)} rule files, {len(all_rules)} rules; {len(index)} corpus entries.")
    if unused:
        print("rules that match no corpus page:", ", ".join(unused))
    if problems:
        print(f"\n{len(problems)} disagreement(s):")
        for p in problems:
            print("  " + p)
        return 1
    print("every entry agrees with the rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
