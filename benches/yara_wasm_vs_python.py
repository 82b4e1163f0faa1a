#!/usr/bin/env python3
"""YARA scan throughput side by side, in ONE run, on the same rules and inputs (issue 3):
yara-python (libyara), our native build (`ferretwatch yara bench`, release), our wasm build under
node (`benches/yara_wasm_vs_python.mjs`, the `bench-api` build), and a bare aho-corasick pass over
the same atoms in the same wasm build.

Cases:
  pack     the big bench pack's rules (target/bench-pack/rules: 1,000 generated rules ≈10k strings
           plus the default pack's rules, one source) over the two 1 MiB pages of
           benches/gen_pack.py (words of the rules; lorem-ipsum words the rules never use); the
           bare pass uses target/bench-src/atoms.json.
  stress   tests/yara_diff/bench.py's generator with --common-atoms (1,500 hex strings start with
           the page's most common words) over its 1 MiB page; atoms: every text string, each hex
           string's leading bytes, each regex's literal prefix.

Needs: .venv (scripts/setup.sh: yara-python), the release CLI, the bench-api wasm build and the
pack (scripts/bench builds both; or see docs/BENCHMARKS.md "YARA-subset scanner"):

    .venv/bin/python benches/yara_wasm_vs_python.py [--iters 10] [--bin target/release/ferretwatch]
        [--wasm target/wasm-bench] [--cases pack,stress]

Prints a table; writes target/bench-results/yara_wasm_vs_python.json. Exits 1 when the matching
rules differ between yara-python, native and wasm.
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

import yara

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "yara_diff"))
import bench as diff_bench  # noqa: E402  (tests/yara_diff/bench.py: the stress generator)


def pack_case(tmp):
    rules_dir = os.path.join(ROOT, "target", "bench-pack", "rules")
    src_dir = os.path.join(ROOT, "target", "bench-src")
    names = sorted(os.listdir(rules_dir))
    # The pack loads its rule files in name order into one namespace; one source here.
    src = "\n".join(open(os.path.join(rules_dir, n), encoding="utf-8").read() for n in names)
    inputs = [os.path.join(src_dir, "page-1mib.html"), os.path.join(src_dir, "page-1mib-disjoint.html")]
    return src, inputs, os.path.join(src_dir, "atoms.json")


def stress_case(tmp):
    rng = random.Random(7)
    src = diff_bench.gen_rules(rng, 1000, 10, common_atoms=True)
    page = diff_bench.gen_page(rng, 1 << 20, src)
    ip = os.path.join(tmp, "stress-page.html")
    with open(ip, "wb") as f:
        f.write(page)
    atoms = []
    for line in src.splitlines():
        line = line.strip()
        if '= "' in line:
            atoms.append(line.split('"')[1])
        elif "= {" in line:
            head = line.split("{")[1].split("??")[0].split()
            atoms.append(bytes(int(h, 16) for h in head).decode("latin-1"))
        elif "= /" in line:
            m = re.match(r"\$\w+ = /([A-Za-z0-9\\/-]+?)(?:\[|\\\.|$)", line)
            if m:
                atoms.append(m.group(1).replace("\\/", "/"))
    ap = os.path.join(tmp, "stress-atoms.json")
    with open(ap, "w") as f:
        json.dump(atoms, f)
    return src, [ip], ap


def median_ms(fn, iters):
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "ferretwatch"))
    ap.add_argument("--wasm", default=os.path.join(ROOT, "target", "wasm-bench"))
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--cases", default="pack,stress")
    args = ap.parse_args()

    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "load": os.getloadavg(),
               "yara_python": yara.__version__, "libyara": yara.YARA_VERSION, "cases": []}
    disagree = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            src, inputs, atoms = {"pack": pack_case, "stress": stress_case}[case](tmp)
            rp = os.path.join(tmp, f"{case}.yar")
            with open(rp, "w", encoding="utf-8") as f:
                f.write(src)
            t = time.perf_counter()
            compiled = yara.compile(source=src)
            y_compile = (time.perf_counter() - t) * 1e3
            node = subprocess.run(["node", os.path.join(ROOT, "benches", "yara_wasm_vs_python.mjs"), "--wasm", args.wasm,
                                   "--rules", rp, "--atoms", atoms, "--iters", str(args.iters), *inputs],
                                  capture_output=True, text=True, check=True)
            wasm = json.loads(node.stdout)
            row = {"case": case, "yara_compile_ms": y_compile, "wasm_compile_ms": wasm["compile_ms"],
                   "wasm_heap_bytes": wasm["heap_bytes"], "automaton_patterns": wasm["automaton_patterns"],
                   "bare_patterns": wasm.get("bare_patterns"), "inputs": []}
            for ip, w in zip(inputs, wasm["inputs"]):
                data = open(ip, "rb").read()
                y_names = sorted(m.rule for m in compiled.match(data=data))
                y_ms = median_ms(lambda: compiled.match(data=data), args.iters)
                p = subprocess.run([args.bin, "yara", "bench", rp, ip, "--iters", str(args.iters)],
                                   capture_output=True, text=True, check=True)
                nat = json.loads(p.stdout)
                same = y_names == w["matches"] and nat["matched_rules"] == len(y_names)
                if not same:
                    disagree += 1
                    print(f"DISAGREEMENT on {ip}: yara {len(y_names)}, native {nat['matched_rules']}, "
                          f"wasm {len(w['matches'])}", file=sys.stderr)
                row["inputs"].append({
                    "input": os.path.basename(ip), "bytes": len(data), "matched_rules": len(y_names), "agree": same,
                    "yara_ms": y_ms, "native_ms": nat["scan_ms"], "native_automaton_ms": nat["bare_ac_ms"],
                    "native_compile_ms": nat["compile_ms"],
                    "wasm_ms": w["scan_ms"], "wasm_inside_ms": w["scan_wasm_ms"],
                    "wasm_automaton_ms": w["automaton_only_ms"], "wasm_bare_ac_ms": w.get("bare_ms"),
                    "automaton_hits": w["automaton_hits"], "bare_hits": w.get("bare_hits"),
                })
            results["cases"].append(row)

    print(f"{results['date']}, load average {' '.join(f'{x:.1f}' for x in results['load'])}, "
          f"yara-python {results['yara_python']} (libyara {results['libyara']}), median of {args.iters}")
    hdr = ("case/input", "yara-py ms", "native ms", "wasm ms", "bare AC wasm", "wasm/bare",
           "native vs yara", "wasm vs yara")
    print(" | ".join(hdr))
    for c in results["cases"]:
        for i in c["inputs"]:
            bare = i["wasm_bare_ac_ms"]
            print(" | ".join([
                f"{c['case']}/{i['input']}", f"{i['yara_ms']:.2f}", f"{i['native_ms']:.2f}", f"{i['wasm_ms']:.2f}",
                f"{bare:.2f}" if bare else "-", f"{i['wasm_ms'] / bare:.2f}x" if bare else "-",
                f"{i['yara_ms'] / i['native_ms']:.2f}x", f"{i['yara_ms'] / i['wasm_ms']:.2f}x",
            ]))
        print(f"  {c['case']}: compile yara-python {c['yara_compile_ms']:.1f} ms, wasm {c['wasm_compile_ms']:.1f} ms, "
              f"native {c['inputs'][0]['native_compile_ms']:.1f} ms; wasm heap of the rules "
              f"{c['wasm_heap_bytes'] / (1 << 20):.1f} MiB; automaton patterns {c['automaton_patterns']}, "
              f"bare {c['bare_patterns']}")
    out = os.path.join(ROOT, "target", "bench-results", "yara_wasm_vs_python.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
