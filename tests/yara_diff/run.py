#!/usr/bin/env python3
"""Differential test: `ferretwatch yara scan --json` must agree with yara-python on every
generated case (see gen.py). Exits 1 on any disagreement, printing the rules and the input.

    .venv/bin/python tests/yara_diff/run.py --bin target/debug/ferretwatch --cases 400 \
        --pack-rules packs/default/rules --corpus tests/corpus/pages
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import yara

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402


def ours(binary, rules_path, input_paths):
    p = subprocess.run([binary, "yara", "scan", rules_path, *input_paths, "--json"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return None, p.stderr.strip()
    got = {}
    for line in p.stdout.splitlines():
        rec = json.loads(line)
        got[rec["input"]] = rec["matches"]
    return got, None


def corpus_check(binary, rules_dir, corpus):
    """The real pack rules over a real page corpus: both engines must agree on every page."""
    src = "\n".join(open(p).read() for p in sorted(glob.glob(os.path.join(rules_dir, "*.yar"))))
    files = sorted(p for p in glob.glob(os.path.join(corpus, "**", "*"), recursive=True) if os.path.isfile(p))
    with tempfile.NamedTemporaryFile("w", suffix=".yar", delete=False) as f:
        f.write(src)
        rules_path = f.name
    try:
        got, err = ours(binary, rules_path, files)
    finally:
        os.unlink(rules_path)
    if got is None:
        print(f"pack rules: ferretwatch rejected them: {err}", file=sys.stderr)
        return 1
    compiled = yara.compile(source=src)
    bad = 0
    hits = 0
    for p in files:
        want = sorted(m.rule for m in compiled.match(p))
        hits += len(want)
        if want != got.get(p):
            bad += 1
            print(f"pack rules: DISAGREEMENT on {p}: yara-python {want}, ferretwatch {got.get(p)}", file=sys.stderr)
    print(f"yara_diff corpus: {len(files)} pages, {hits} rule matches, {bad} disagreements")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/debug/ferretwatch")
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--max-failures", type=int, default=5)
    ap.add_argument("--pack-rules", help="also compare these .yar files (compiled together) ...")
    ap.add_argument("--corpus", help="... over every file under this directory")
    args = ap.parse_args()

    failures = 0
    checked = 0
    yara_rejected = 0
    yara_scan_errors = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(args.cases):
            src, inputs = gen.gen_case(args.seed * 100003 + case)
            rules_path = os.path.join(tmp, f"c{case}.yar")
            with open(rules_path, "w") as f:
                f.write(src)
            paths = []
            for i, data in enumerate(inputs):
                p = os.path.join(tmp, f"c{case}_{i}.bin")
                with open(p, "wb") as f:
                    f.write(data)
                paths.append(p)
            got, err = ours(args.bin, rules_path, paths)
            try:
                compiled = yara.compile(source=src)
            except yara.Error as e:
                # The generator sometimes emits rules YARA rejects on purpose (e.g. mixed greedy
                # and lazy quantifiers, [0] jumps, empty ranges): we must reject them too.
                yara_rejected += 1
                if got is not None:
                    failures += 1
                    print(f"case {case}: yara-python rejected the rules ({e}) but ferretwatch accepted them\n{src}",
                          file=sys.stderr)
                continue
            if got is None:
                failures += 1
                print(f"case {case}: ferretwatch rejected rules yara accepts: {err}\n{src}", file=sys.stderr)
                if failures >= args.max_failures:
                    break
                continue
            for p, data in zip(paths, inputs):
                try:
                    want = sorted(m.rule for m in compiled.match(data=data))
                except yara.Error as e:
                    # libyara gives up on some regexes (e.g. "internal error: 46", too many
                    # regex fibers): nothing to compare against.
                    yara_scan_errors += 1
                    print(f"case {case}: skipped one input: yara-python could not scan it ({e})", file=sys.stderr)
                    continue
                have = got.get(p)
                checked += 1
                if want != have:
                    failures += 1
                    print(f"case {case}: DISAGREEMENT\n--- rules ---\n{src}--- input ---\n{data!r}\n"
                          f"yara-python: {want}\nferretwatch: {have}\n", file=sys.stderr)
            if failures >= args.max_failures:
                break
    if args.pack_rules and args.corpus:
        failures += corpus_check(args.bin, args.pack_rules, args.corpus)
    print(f"yara_diff: {args.cases} rule sets ({yara_rejected} rejected by both), {checked} inputs checked, "
          f"{yara_scan_errors} skipped (libyara scan error), {failures} failures "
          f"(yara-python {yara.__version__}, libyara {yara.YARA_VERSION})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
