#!/usr/bin/env python3
"""Writes the ops-probe scenario fixtures under tests/ops/scenarios/ (committed; re-run after a change).

Each scenario is a folder with telemetry batch files (JSON Lines, schema v1) and `scenario.json`:
a list of runs (telemetry files given to one `ops-probe evaluate`, the evaluation time) with what
each run must report. Runs of one scenario share one state file, in order, so a scenario can
restart the probe in the middle of a window. The expectations are written here by hand from the
rules (docs/ops-probe.md), next to the numbers that make each case sit on one side of a boundary.

    python3 tests/ops/make_fixtures.py
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "scenarios")
T0 = 1_800_000_000  # a multiple of 60; "now" of most scenarios
MIN = 60
DAY = 86_400

LAT_BOUNDS = [250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
              2_000_000, 5_000_000, 10_000_000, 30_000_000]
MEM_BOUNDS = [1 << 20, 2 << 20, 5 << 20, 10 << 20, 20 << 20, 40 << 20, 80 << 20, 100 << 20, 200 << 20, 500 << 20]
CPU_BOUNDS = [1, 2, 5, 10, 15, 20, 50, 100]
DUR_BOUNDS = [100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000]


def hist(bounds, obs):
    """obs: list of (value, count)."""
    counts = [0] * (len(bounds) + 1)
    total = 0
    s = 0
    for v, n in obs:
        i = next((k for k, b in enumerate(bounds) if v <= b), len(bounds))
        counts[i] += n
        total += n
        s += v * n
    return {"bounds": bounds, "counts": counts, "sum": s, "count": total}


def batch(end, minutes=1, page_loads=10_000, sessions=500, failures=None, crashes=0, lat_us=15_000,
          lat=None, mem=None, cpu=None, pack_ok=50, pack_failed=None, pack_rejected=None, dl_ms=400,
          phishing=30, fp=0, fp_installs=0, submitted=30, submit_failed=0, submit_ms=200, installs=5_000,
          uninstalls=0):
    """A healthy fleet minute (scaled by `minutes`), with the given changes."""
    m = minutes
    failures = failures or {}
    scanned = page_loads - sum(failures.values())
    return {
        "schema": "ferretwatch.telemetry.v1",
        "period_start": end - m * MIN,
        "period_end": end,
        "extension_version": "0.1.0",
        "pack_version": "2026.11.25.1",
        "browser": "chrome",
        "installs": installs,
        "sessions": sessions * m,
        "page_loads": page_loads * m,
        "engine": {
            "pages_scanned": scanned * m,
            "levels": {"green": scanned * m},
            "partial": 0,
            "failures": {k: v * m for k, v in failures.items()},
            "crashes": crashes,
            "latency_us": hist(LAT_BOUNDS, lat or [(lat_us, scanned * m)]),
            "memory_bytes": hist(MEM_BOUNDS, mem or [(40 << 20, 100 * m)]),
        },
        "cpu_percent": hist(CPU_BOUNDS, cpu or [(3, 100 * m)]),
        "pack_updates": {
            "ok": pack_ok * m,
            "failed": {k: v * m for k, v in (pack_failed or {}).items()},
            "rejected": {k: v * m for k, v in (pack_rejected or {}).items()},
            "download_ms": hist(DUR_BOUNDS, [(dl_ms, pack_ok * m)]),
        },
        "reports": {
            "phishing": phishing * m,
            "false_positive": fp * m,
            "false_positive_installs": fp_installs,
            "submitted": submitted * m,
            "submit_failed": submit_failed * m,
            "submit_ms": hist(DUR_BOUNDS, [(submit_ms, submitted * m)]),
        },
        "uninstalls": uninstalls,
    }


def minutes(end, n, **kw):
    """n one-minute batches ending at `end`."""
    return [batch(end - (n - 1 - i) * MIN, **kw) for i in range(n)]


def write(name, description, files, runs):
    d = os.path.join(OUT, name)
    os.makedirs(d)
    for fname, batches in files.items():
        os.makedirs(os.path.dirname(os.path.join(d, fname)), exist_ok=True)
        with open(os.path.join(d, fname), "w") as f:
            for b in batches:
                f.write(json.dumps(b, separators=(",", ":")) + "\n")
    with open(os.path.join(d, "scenario.json"), "w") as f:
        json.dump({"description": description, "runs": runs}, f, indent=1)
        f.write("\n")


def run(files, now, exit_code, severity, firing=(), not_firing=(), pending=(), level=None, malformed=None,
        duplicates=None, extra=None):
    r = {"telemetry": files, "now": now, "expect": {"exit_code": exit_code, "severity": severity,
                                                  "firing": list(firing), "not_firing": list(not_firing),
                                                  "pending": list(pending)}}
    if level is not None:
        r["expect"]["level"] = level
    if malformed is not None:
        r["expect"]["malformed"] = malformed
    if duplicates is not None:
        r["expect"]["duplicates"] = duplicates
    if extra:
        r["expect"].update(extra)
    return r


# Error ratio denominator per healthy minute: 10 000 page loads + 50 pack updates + 30 reports.
DEN = 10_080
F_19 = {"timeout": 96, "bad_features": 95}    # 191 / 10 080 = 1.895 %
F_21 = {"timeout": 106, "bad_features": 106}  # 212 / 10 080 = 2.103 %


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)

    # --- error rate > 2 % for 5 consecutive minutes --------------------------------------------
    write("error_rate_1_9_percent", "1.9 % errors for 10 minutes: below the 2 % threshold",
          {"t.jsonl": minutes(T0 - 10 * MIN, 20) + minutes(T0, 10, failures=F_19)},
          [run(["t.jsonl"], T0, 2, "P2", firing=["detection_failures"], not_firing=["error_rate"])])
    write("error_rate_2_1_percent_4_minutes", "2.1 % errors for 4 minutes: pending, not firing",
          {"t.jsonl": minutes(T0 - 4 * MIN, 20) + minutes(T0, 4, failures=F_21)},
          # 4 x 212 failures in the last day burn the 99.9 % budget 3.5x: the 1d/2h ticket (P3).
          [run(["t.jsonl"], T0, 1, "P3", pending=["error_rate"], not_firing=["error_rate", "detection_failures"],
               firing=["slo:detection_availability:1d/2h"])])
    write("error_rate_2_1_percent_5_minutes", "2.1 % errors for 5 minutes: fires",
          {"t.jsonl": minutes(T0 - 5 * MIN, 20) + minutes(T0, 5, failures=F_21)},
          # detection_failures (15 min window) sees 5 x 212 / 150 000 = 0.71 %: quiet.
          [run(["t.jsonl"], T0, 2, "P2", firing=["error_rate"], not_firing=["detection_failures"], level=2)])
    write("error_rate_interrupted", "3 bad minutes, 1 good, 3 bad: `for` restarts, still pending",
          {"t.jsonl": minutes(T0 - 7 * MIN, 20) + minutes(T0 - 4 * MIN, 3, failures=F_21)
           + minutes(T0 - 3 * MIN, 1) + minutes(T0, 3, failures=F_21)},
          [run(["t.jsonl"], T0, 1, "P3", pending=["error_rate"], not_firing=["error_rate"])])
    write("error_rate_gap_in_data", "5 bad minutes with the third missing: no data resets `for`",
          {"t.jsonl": minutes(T0 - 5 * MIN, 20) + minutes(T0 - 3 * MIN, 2, failures=F_21)
           + minutes(T0, 2, failures=F_21)},
          [run(["t.jsonl"], T0, 1, "P3", pending=["error_rate"], not_firing=["error_rate"])])

    # --- restart in the middle of a window; idempotent re-runs -------------------------------
    write("restart_mid_window", "2.1 % errors over 6 minutes fed in two runs (the probe restarts after "
          "minute 3); a third run with the same files changes nothing",
          {"a.jsonl": minutes(T0 - 6 * MIN, 20) + minutes(T0 - 3 * MIN, 3, failures=F_21),
           "b.jsonl": minutes(T0, 3, failures=F_21)},
          # After 3 bad minutes only the slowest ticket (3d/6h, burn 2.8) fires: P4.
          [run(["a.jsonl"], T0 - 3 * MIN, 1, "P4", pending=["error_rate"], not_firing=["error_rate"]),
           run(["a.jsonl", "b.jsonl"], T0, 2, "P2", firing=["error_rate"], duplicates=23, level=2),
           run(["a.jsonl", "b.jsonl"], T0, 2, "P2", firing=["error_rate"], duplicates=26, level=2,
               extra={"new": 0})])

    # --- response time > 2x baseline for 10 minutes; baseline shifts ---------------------------
    def with_history(days_at, current, n_bad):
        """Previous 7 days: 2 hours before the same time of day in 10-minute batches; the days in
        `days_at` have p95 48.5 ms (bucket 20-50 ms), the others 19.5 ms (10-20 ms). Today: healthy
        minutes, then n_bad minutes at `current` µs."""
        hist_b = []
        for k in range(1, 8):
            lat = 30_000 if k in days_at else 15_000
            for j in range(12):
                hist_b.append(batch(T0 - k * DAY - j * 10 * MIN, minutes=10, lat_us=lat))
        today = minutes(T0 - n_bad * MIN, 40) + minutes(T0, n_bad, lat_us=current)
        return {"history.jsonl": hist_b, "today.jsonl": today}

    write("latency_2x_baseline_10_minutes", "p95 48.5 ms against a 19.5 ms baseline for 10 minutes: fires",
          with_history(set(), 30_000, 10),
          [run(["history.jsonl", "today.jsonl"], T0, 2, "P2",
               firing=["latency_2x_baseline", "latency_degraded_50", "latency_degraded_20"], level=2,
               extra={"baseline_ms": 19.5})])
    write("latency_2x_baseline_9_minutes", "the same for 9 minutes: pending",
          with_history(set(), 30_000, 9),
          [run(["history.jsonl", "today.jsonl"], T0, 0, None, pending=["latency_2x_baseline"],
               not_firing=["latency_2x_baseline"])])
    write("latency_baseline_shift_3_days", "the last 3 days were slower (48.5 ms): the median of 7 days is "
          "still 19.5 ms, today's 48.5 ms is 2.5x",
          with_history({1, 2, 3}, 30_000, 10),
          [run(["history.jsonl", "today.jsonl"], T0, 2, "P2", firing=["latency_2x_baseline"],
               extra={"baseline_ms": 19.5})])
    write("latency_baseline_shift_4_days", "the last 4 days were slower: the baseline moved to 48.5 ms and "
          "today's 48.5 ms is normal",
          with_history({1, 2, 3, 4}, 30_000, 10),
          [run(["history.jsonl", "today.jsonl"], T0, 0, None,
               not_firing=["latency_2x_baseline", "latency_degraded_20", "latency_degraded_minor"],
               extra={"baseline_ms": 48.5})])
    write("latency_no_baseline", "slow, but only 2 previous days of data: no baseline, no alert",
          {"history.jsonl": [batch(T0 - k * DAY - j * 10 * MIN, minutes=10) for k in (1, 2) for j in range(12)],
           "today.jsonl": minutes(T0, 40, lat_us=30_000)},
          [run(["history.jsonl", "today.jsonl"], T0, 0, None, not_firing=["latency_2x_baseline"],
               extra={"baseline_ms": None})])

    # --- memory > 100 MB (p95), CPU > 10 % for 15 minutes --------------------------------------
    write("memory_p95_below_100mb", "4 % of readings above 100 MB: p95 below 100 MB",
          {"t.jsonl": minutes(T0, 10, mem=[(60 << 20, 96), (150 << 20, 4)])},
          [run(["t.jsonl"], T0, 0, None, not_firing=["memory_high"])])
    write("memory_p95_above_100mb", "6 % of readings above 100 MB: p95 above 100 MB, P3, level 2",
          {"t.jsonl": minutes(T0, 10, mem=[(60 << 20, 94), (150 << 20, 6)])},
          [run(["t.jsonl"], T0, 1, "P3", firing=["memory_high"], level=2)])
    write("cpu_11_percent_15_minutes", "mean CPU 11 % for 15 minutes: fires (P3)",
          {"t.jsonl": minutes(T0 - 15 * MIN, 10) + minutes(T0, 15, cpu=[(11, 100)])},
          [run(["t.jsonl"], T0, 1, "P3", firing=["cpu_sustained"])])
    write("cpu_11_percent_14_minutes", "mean CPU 11 % for 14 minutes: pending",
          {"t.jsonl": minutes(T0 - 14 * MIN, 10) + minutes(T0, 14, cpu=[(11, 100)])},
          [run(["t.jsonl"], T0, 0, None, pending=["cpu_sustained"], not_firing=["cpu_sustained"])])
    write("cpu_10_percent_20_minutes", "mean CPU exactly 10 % for 20 minutes: not above 10 %",
          {"t.jsonl": minutes(T0, 20, cpu=[(10, 100)])},
          [run(["t.jsonl"], T0, 0, None, not_firing=["cpu_sustained"])])

    # --- crash rate > 0.1 % of sessions (1 h window: 30 000 sessions) --------------------------
    def crashes(total):
        b = minutes(T0, 60)
        for i in range(total):
            b[i % 60]["engine"]["crashes"] += 1
        return {"t.jsonl": b}

    write("crash_rate_0_097_percent", "29 crashes in 30 000 sessions (0.097 %)", crashes(29),
          [run(["t.jsonl"], T0, 0, None, not_firing=["crash_rate"])])
    write("crash_rate_0_103_percent", "31 crashes in 30 000 sessions (0.103 %): P2", crashes(31),
          [run(["t.jsonl"], T0, 2, "P2", firing=["crash_rate"], level=2)])

    # --- detection failures > 1 % of page loads (15 min window) --------------------------------
    write("detection_failures_0_9_percent", "0.9 % failures",
          {"t.jsonl": minutes(T0, 15, failures={"timeout": 45, "bad_features": 45})},
          [run(["t.jsonl"], T0, 2, "P2", not_firing=["detection_failures"],
               firing=["slo:detection_availability:6h/30m"])])
    write("detection_failures_1_1_percent_mixed", "1.1 % failures of two kinds: degraded accuracy, P2",
          {"t.jsonl": minutes(T0, 15, failures={"timeout": 55, "bad_features": 55})},
          [run(["t.jsonl"], T0, 2, "P2", firing=["detection_failures"],
               extra={"alert_severity": {"detection_failures": "P2"}})])
    write("detection_failures_single_module", "1.1 % failures, all `yara_budget`: one module failing, P3 "
          "(the SLO burn alerts still page)",
          {"t.jsonl": minutes(T0, 15, failures={"yara_budget": 110})},
          [run(["t.jsonl"], T0, 2, "P2", firing=["detection_failures"],
               extra={"alert_severity": {"detection_failures": "P3"}})])
    write("detection_outage", "60 % of page loads fail: complete failure, P1, level 4 at once",
          {"t.jsonl": minutes(T0 - 5 * MIN, 30) + minutes(T0, 5, failures={"engine_unavailable": 6_000})},
          [run(["t.jsonl"], T0, 2, "P1", firing=["detection_outage"], level=4)])

    # --- false positives -------------------------------------------------------------------------
    def fp_day(fp_total):
        b = [batch(T0 - 10 * MIN * j, minutes=10, phishing=0, fp=0, submitted=0) for j in range(10)]
        b[0]["reports"]["false_positive"] = fp_total
        b[0]["reports"]["phishing"] = 1000 - fp_total
        b[0]["reports"]["submitted"] = 1000
        return {"t.jsonl": b}

    write("false_positive_reports_4_9_percent", "49 of 1000 reports are false positives", fp_day(49),
          [run(["t.jsonl"], T0, 0, None, not_firing=["false_positive_reports"])])
    write("false_positive_reports_5_1_percent", "51 of 1000 reports are false positives: P2", fp_day(51),
          [run(["t.jsonl"], T0, 2, "P2", firing=["false_positive_reports"])])
    write("mass_false_positives", "11 % of installs report false positives within the hour: P1",
          {"t.jsonl": minutes(T0, 10, fp=20, fp_installs=550)},
          [run(["t.jsonl"], T0, 2, "P1", firing=["mass_false_positives", "false_positive_reports"], level=2)])

    # --- uninstalls > 2 % weekly (fleet 5 000) ---------------------------------------------------
    def week(total):
        b = [batch(T0 - k * DAY, minutes=1) for k in range(7)]
        for i in range(total):
            b[i % 7]["uninstalls"] += 1
        return {"t.jsonl": b}

    write("uninstalls_1_9_percent", "95 uninstalls in a week from 5 000 installs", week(95),
          [run(["t.jsonl"], T0, 0, None, not_firing=["uninstalls_weekly"])])
    write("uninstalls_2_1_percent", "105 uninstalls in a week from 5 000 installs: P3", week(105),
          [run(["t.jsonl"], T0, 1, "P3", firing=["uninstalls_weekly"])])

    # --- CDN and pack integrity ------------------------------------------------------------------
    write("cdn_outage", "every pack update fails for 15 minutes: P1, level 3 (cached rules only)",
          {"t.jsonl": minutes(T0 - 15 * MIN, 10) + minutes(T0, 15, pack_ok=0, pack_failed={"http_5xx": 50})},
          [run(["t.jsonl"], T0, 2, "P1", firing=["cdn_update_outage"], level=3)])
    write("pack_integrity_violation", "3 packs refused for a bad signature: P1 (possible breach), level 3",
          {"t.jsonl": minutes(T0 - 1 * MIN, 10) + [batch(T0, pack_rejected={"bad_signature": 3})]},
          [run(["t.jsonl"], T0, 2, "P1", firing=["pack_integrity"], level=3)])
    write("pack_rejected_expired_only", "packs refused as expired are not an integrity violation",
          {"t.jsonl": minutes(T0 - 1 * MIN, 10) + [batch(T0, pack_rejected={"expired": 3})]},
          [run(["t.jsonl"], T0, 1, "P4", not_firing=["pack_integrity"], firing=["slo:pack_update_success:3d/6h"])])

    # --- SLO burn rates (report submission, objective 99 %) -------------------------------------
    write("slo_report_burn_15x", "15 % of report submissions fail for an hour: burn 15 > 14.4 on 1h and 5m",
          {"t.jsonl": minutes(T0, 60, submitted=85, submit_failed=15)},
          [run(["t.jsonl"], T0, 2, "P2", firing=["slo:report_success:1h/5m", "slo:report_success:6h/30m"])])
    write("slo_report_burn_14x", "14 % fail for an hour: burn 14 < 14.4, the fast page stays quiet; 6h/30m pages",
          {"t.jsonl": minutes(T0, 60, submitted=86, submit_failed=14)},
          [run(["t.jsonl"], T0, 2, "P2", firing=["slo:report_success:6h/30m"],
               not_firing=["slo:report_success:1h/5m"])])
    write("slo_report_burn_recovered", "20 % failures for 54 minutes then 6 good minutes: the 1h burn is still "
          "18, the 5m window is clean, so the fast alert resets",
          {"t.jsonl": minutes(T0 - 6 * MIN, 54, submitted=80, submit_failed=20) + minutes(T0, 6)},
          [run(["t.jsonl"], T0, 2, "P2", not_firing=["slo:report_success:1h/5m"],
               firing=["slo:report_success:6h/30m"])])

    # --- degradation level hysteresis ------------------------------------------------------------
    out_start = T0
    outage = minutes(out_start, 20) + minutes(out_start + 15 * MIN, 15, pack_ok=0, pack_failed={"http_5xx": 50})
    rec1 = minutes(out_start + 45 * MIN, 30)
    rec2 = minutes(out_start + 75 * MIN, 30)
    rec3 = minutes(out_start + 110 * MIN, 35)
    write("level_hysteresis", "CDN outage: level 3 at once; after recovery, 30 healthy minutes per level step, "
          "one level at a time (3 -> 2 -> 1), never two in one run",
          {"outage.jsonl": outage, "rec1.jsonl": rec1, "rec2.jsonl": rec2, "rec3.jsonl": rec3},
          # The outage burnt the pack-update budget: the 6h/30m page lasts until the 30m window is
          # clean, the 1d/2h ticket while the outage is inside 2 hours; those alerts do not call for
          # a degraded level, so the level recovers on its own clock.
          [run(["outage.jsonl"], out_start + 15 * MIN, 2, "P1", firing=["cdn_update_outage"], level=3),
           run(["rec1.jsonl"], out_start + 44 * MIN, 2, "P2", not_firing=["cdn_update_outage"],
               firing=["slo:pack_update_success:6h/30m"], level=3),
           run(["rec1.jsonl"], out_start + 45 * MIN, 1, "P3", firing=["slo:pack_update_success:1d/2h"],
               not_firing=["slo:pack_update_success:6h/30m"], level=2),
           run(["rec2.jsonl"], out_start + 75 * MIN, 1, "P3", level=1),
           run(["rec3.jsonl"], out_start + 110 * MIN, 1, "P3", level=1)])
    write("level_step_down_at_once", "from level 1 straight to 4 in one step when detection fails",
          {"a.jsonl": minutes(T0, 30), "b.jsonl": minutes(T0 + 3 * MIN, 3, failures={"engine_unavailable": 9_000})},
          [run(["a.jsonl"], T0, 0, None, level=1),
           run(["b.jsonl"], T0 + 3 * MIN, 2, "P1", firing=["detection_outage"], level=4)])
    write("level_one_step_per_run", "after a CDN outage (level 3), one run over two healthy hours moves up one "
          "level only (3 -> 2), not straight to 1",
          {"outage.jsonl": outage, "healthy.jsonl": minutes(out_start + 135 * MIN, 120)},
          [run(["outage.jsonl"], out_start + 15 * MIN, 2, "P1", firing=["cdn_update_outage"], level=3),
           run(["healthy.jsonl"], out_start + 135 * MIN, 1, "P4", firing=["slo:pack_update_success:3d/6h"],
               level=2)])

    # --- malformed and partial telemetry ----------------------------------------------------------
    good = minutes(T0, 10)
    d = os.path.join(OUT, "malformed_input")
    write("malformed_input", "good batches next to a truncated file, a wrong type, a URL field, mismatched "
          "histogram bounds and a wrong schema: each reported with file and field, the rest evaluated (P4)",
          {"in/good.jsonl": good},
          [run(["in"], T0, 1, "P4", firing=["telemetry_malformed"],
               malformed=[["bad_bounds.json", "engine.latency_us.bounds"], ["bad_type.json", "page_loads"],
                          ["has_url.json", "url"], ["old_schema.json", "schema"], ["truncated.json", ""]])])
    b = dict(good[0])
    d = os.path.join(d, "in")
    with open(os.path.join(d, "truncated.json"), "w") as f:
        f.write(json.dumps(b)[:200])
    with open(os.path.join(d, "bad_type.json"), "w") as f:
        json.dump(dict(b, page_loads="many"), f)
    with open(os.path.join(d, "has_url.json"), "w") as f:
        json.dump(dict(b, url="https://login.example/"), f)
    with open(os.path.join(d, "old_schema.json"), "w") as f:
        json.dump(dict(b, schema="ferretwatch.telemetry.v0"), f)
    eng = dict(b["engine"], latency_us=dict(b["engine"]["latency_us"], bounds=[1, 2, 3]))
    with open(os.path.join(d, "bad_bounds.json"), "w") as f:
        json.dump(dict(b, engine=eng), f)
    write("partial_batch", "a batch with only the required fields (no histograms, reports or pack "
          "updates) is valid; healthy",
          {"t.jsonl": [{"schema": "ferretwatch.telemetry.v1", "period_start": T0 - 60, "period_end": T0,
                        "sessions": 3, "page_loads": 40, "engine": {"pages_scanned": 40}}]},
          [run(["t.jsonl"], T0, 0, None, malformed=[])])
    write("stale_telemetry", "the newest data is 20 minutes old: monitoring is blind (P3)",
          {"t.jsonl": minutes(T0 - 20 * MIN, 10)},
          [run(["t.jsonl"], T0, 1, "P3", firing=["telemetry_stale"])])
    write("healthy", "a healthy hour: exit 0, level 1",
          {"t.jsonl": minutes(T0, 60)},
          [run(["t.jsonl"], T0, 0, None, level=1, malformed=[])])


if __name__ == "__main__":
    main()
