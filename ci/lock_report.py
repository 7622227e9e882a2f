#!/usr/bin/env python3
"""Turn lock_bench's Google Benchmark JSON into one self-contained HTML page.

    ci/lock_report.py BENCH.json OUT.html [--title TEXT]

BENCH.json comes from `lock_bench --benchmark_format=json` (or
--benchmark_out=FILE --benchmark_out_format=json). The page has inline SVG charts
only: no scripts, fonts, stylesheets or images are fetched, so it can be archived as a
CI artifact and opened offline.

Sections: uncontended cost of each lock next to the atomic-RMW floor; per workload,
throughput vs threads and fairness (Jain's index) vs threads, one line per strategy;
a full table. Benchmark names are `<workload>/<strategy>[/real_time][/threads:N]`
(see bench/locks/lock_bench.cpp). Standard library only.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
from collections import defaultdict

# Muted, colour-blind-friendly palette; one colour per strategy on every chart.
PALETTE = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
    "#edc948", "#9c755f", "#ff9da7", "#7f7f7f", "#86bcb6", "#d37295",
]
FLOOR_COLOR = "#bab0ac"
WORKLOAD_TEXT = {
    "short": "Short critical section — increment one shared counter",
    "long": "Long critical section — ~300 ns of dependent arithmetic",
    "handoff": "Producer/consumer hand-off through a lock-protected ring",
    "read-mostly": "Read-mostly — 7 of 8 operations read a table "
                   "(shared mode for reader-writer locks)",
}
WORKLOAD_ORDER = ["short", "long", "handoff", "read-mostly"]

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f7f7f5; color: #2b2b2b;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
        Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 24px; font-weight: 600; margin: 0 0 4px; }
h2 { font-size: 18px; font-weight: 600; margin: 36px 0 6px; }
p.sub { color: #666; margin: 0 0 12px; }
.meta { color: #666; font-size: 13px; }
.meta span { margin-right: 18px; white-space: nowrap; }
.card { background: #fff; border: 1px solid #e4e4e0; border-radius: 8px;
  padding: 14px 16px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0 4px;
  font-size: 13px; }
.legend i { display: inline-block; width: 14px; height: 4px; border-radius: 2px;
  vertical-align: middle; margin-right: 6px; }
svg text { font-family: inherit; }
table { border-collapse: collapse; width: 100%; font-size: 13px;
  font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid #ecece8; text-align: right; }
th { font-weight: 600; color: #555; background: #fafaf8; position: sticky; top: 0; }
td.l, th.l { text-align: left; }
tr.grp td { border-top: 2px solid #dcdcd6; }
.note { color: #777; font-size: 12.5px; margin-top: 8px; }
.swatch { display: inline-block; width: 9px; height: 9px; border-radius: 2px;
  margin-right: 6px; }
"""


# ---- data -----------------------------------------------------------------------------

def parse_name(name: str):
    """'short/ticket/real_time/threads:4' -> ('short', 'ticket', 4)."""
    parts = name.split("/")
    threads = 1
    keep = []
    for p in parts:
        m = re.fullmatch(r"threads:(\d+)", p)
        if m:
            threads = int(m.group(1))
        elif p in ("real_time", "manual_time", "process_time") or re.fullmatch(
                r"(min_time|repeats|iterations|min_warmup_time):.*", p):
            continue
        else:
            keep.append(p)
    workload = keep[0] if keep else name
    strategy = "/".join(keep[1:]) if len(keep) > 1 else ""
    return workload, strategy, threads


def ns(value, unit):
    return value * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}.get(unit, 1)


def load_rows(doc):
    """One row per (workload, strategy, threads): mean aggregate when repetitions were
    used, otherwise the mean over iteration runs."""
    groups = defaultdict(list)
    means = {}
    for b in doc.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b.get("run_name") or b["name"]
        key = parse_name(name)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "mean":
                means[key] = b
            continue
        groups[key].append(b)
    rows = {}
    for key in set(groups) | set(means):
        runs = [means[key]] if key in means else groups[key]
        row = {"workload": key[0], "strategy": key[1], "threads": key[2],
               "label": runs[0].get("label", "")}
        numeric = defaultdict(list)
        for r in runs:
            unit = r.get("time_unit", "ns")
            numeric["real_ns"].append(ns(r.get("real_time", 0.0), unit))
            numeric["cpu_ns"].append(ns(r.get("cpu_time", 0.0), unit))
            for k, v in r.items():
                if k in ("acq_per_s", "items_per_s", "fairness", "p50_ns", "p99_ns",
                         "cs_ns") and isinstance(v, (int, float)):
                    numeric[k].append(float(v))
        for k, vs in numeric.items():
            row[k] = sum(vs) / len(vs)
        rows[key] = row
    return list(rows.values())


# ---- formatting -----------------------------------------------------------------------

def si(v, unit=""):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    a = abs(v)
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.3g}{suf}{unit}"
    return f"{v:.3g}{unit}"


def fmt_ns(v):
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:.3g} ms"
    if v >= 1e3:
        return f"{v / 1e3:.3g} µs"
    return f"{v:.3g} ns"


def esc(s):
    return html.escape(str(s), quote=True)


# ---- SVG charts -----------------------------------------------------------------------

def nice_linear_ticks(lo, hi, n=5):
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 0.5:
        ticks.append(round(t, 10))
        t += step
    return ticks


def log_ticks(lo, hi):
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if b == a:
        b += 1
    ticks = [10 ** e for e in range(a, b + 1)]
    if len(ticks) <= 3:  # short range: add 2x and 5x
        ticks = sorted({t * m for t in ticks for m in (1, 2, 5) if lo / 2 <= t * m <= hi * 2})
    return ticks


def line_chart(series, colors, *, title, y_label, log=False, y_fmt=si, y_min=None,
               y_max=None, width=620, height=300):
    """series: {name: [(x, y), ...]} with integer x (threads)."""
    pts = [(x, y) for s in series.values() for x, y in s if y is not None and (y > 0 or not log)]
    if not pts:
        return f'<div class="note">{esc(title)}: no data</div>'
    ml, mr, mt, mb = 64, 16, 34, 42
    pw, ph = width - ml - mr, height - mt - mb
    xs = sorted({x for x, _ in pts})
    ys = [y for _, y in pts]
    if log:
        lo, hi = min(ys), max(ys)
        ticks = log_ticks(lo, hi)
        lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
        tr = lambda v: (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    else:
        lo = y_min if y_min is not None else min(0.0, min(ys))
        hi = y_max if y_max is not None else max(ys) * 1.08
        ticks = nice_linear_ticks(lo, hi)
        lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
        tr = lambda v: (v - lo) / (hi - lo) if hi > lo else 0.5
    # x: categorical positions (thread counts are 1,2,4,…: even spacing reads better)
    xpos = {x: ml + (pw * (i / (len(xs) - 1)) if len(xs) > 1 else pw / 2)
            for i, x in enumerate(xs)}
    ypos = lambda v: mt + ph * (1 - tr(v))
    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg">',
           f'<text x="{ml}" y="20" font-size="14" font-weight="600" fill="#333">'
           f'{esc(title)}</text>']
    for t in ticks:
        if t < lo or t > hi:
            continue
        y = ypos(t)
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#ecece8"/>')
        out.append(f'<text x="{ml - 8}" y="{y + 4:.1f}" font-size="11" fill="#777" '
                   f'text-anchor="end">{esc(y_fmt(t))}</text>')
    for x in xs:
        out.append(f'<line x1="{xpos[x]:.1f}" x2="{xpos[x]:.1f}" y1="{mt}" y2="{mt + ph}" '
                   f'stroke="#f3f3f0"/>')
        out.append(f'<text x="{xpos[x]:.1f}" y="{mt + ph + 16}" font-size="11" fill="#777" '
                   f'text-anchor="middle">{x}</text>')
    out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{mt + ph}" y2="{mt + ph}" stroke="#bbb"/>')
    out.append(f'<text x="{ml + pw / 2}" y="{height - 6}" font-size="11.5" fill="#555" '
               f'text-anchor="middle">threads</text>')
    out.append(f'<text transform="translate(14 {mt + ph / 2}) rotate(-90)" font-size="11.5" '
               f'fill="#555" text-anchor="middle">{esc(y_label)}</text>')
    for name, s in series.items():
        s = sorted((x, y) for x, y in s if y is not None and (y > 0 or not log))
        if not s:
            continue
        c = colors.get(name, "#888")
        d = " ".join(f"{'M' if i == 0 else 'L'}{xpos[x]:.1f},{ypos(y):.1f}"
                     for i, (x, y) in enumerate(s))
        out.append(f'<path d="{d}" fill="none" stroke="{c}" stroke-width="2" '
                   f'stroke-linejoin="round" opacity="0.9"><title>{esc(name)}</title></path>')
        for x, y in s:
            out.append(f'<circle cx="{xpos[x]:.1f}" cy="{ypos(y):.1f}" r="3" fill="{c}">'
                       f'<title>{esc(name)} · {x} threads · {esc(y_fmt(y))}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def hbar_chart(items, *, title, x_label, width=620, bar_h=20):
    """items: [(label, value, color)] drawn as horizontal bars, in the given order."""
    if not items:
        return ""
    # Left margin from the longest label (~6.6 px per character at 12 px).
    ml, mr, mt, mb = 16 + int(6.6 * max(len(l) for l, _, _ in items)), 70, 34, 34
    height = mt + mb + bar_h * len(items) + 4 * (len(items) - 1)
    pw = width - ml - mr
    vmax = max(v for _, v, _ in items) * 1.05
    ticks = nice_linear_ticks(0, vmax, 5)
    vmax = max(vmax, ticks[-1])
    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg">',
           f'<text x="{ml}" y="20" font-size="14" font-weight="600" fill="#333">'
           f'{esc(title)}</text>']
    for t in ticks:
        x = ml + pw * t / vmax
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mt - 4}" '
                   f'y2="{height - mb}" stroke="#ecece8"/>')
        out.append(f'<text x="{x:.1f}" y="{height - mb + 15}" font-size="11" fill="#777" '
                   f'text-anchor="middle">{t:g}</text>')
    for i, (label, v, c) in enumerate(items):
        y = mt + i * (bar_h + 4)
        w = max(1.0, pw * v / vmax)
        out.append(f'<text x="{ml - 8}" y="{y + bar_h * 0.7:.1f}" font-size="12" '
                   f'fill="#444" text-anchor="end">{esc(label)}</text>')
        out.append(f'<rect x="{ml}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" '
                   f'fill="{c}"><title>{esc(label)}: {v:.3g} ns</title></rect>')
        out.append(f'<text x="{ml + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="11.5" '
                   f'fill="#555">{v:.3g} ns</text>')
    out.append(f'<text x="{ml + pw / 2}" y="{height - 4}" font-size="11.5" fill="#555" '
               f'text-anchor="middle">{esc(x_label)}</text>')
    out.append("</svg>")
    return "".join(out)


# ---- page -----------------------------------------------------------------------------

def build_page(doc, title):
    rows = load_rows(doc)
    ctx = doc.get("context", {})

    contended = [r for r in rows if r["workload"] in WORKLOAD_TEXT]
    workloads = [w for w in WORKLOAD_ORDER if any(r["workload"] == w for r in contended)]
    workloads += sorted({r["workload"] for r in contended} - set(workloads))

    # Strategy order: as the benchmark registered them (the AllLocks order).
    order = []
    for b in doc.get("benchmarks", []):
        _, s, _ = parse_name(b.get("run_name") or b["name"])
        if s and s not in order and not b["name"].startswith("floor/"):
            order.append(s)
    colors = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(order)}

    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8>"
             f"<meta name=viewport content='width=device-width,initial-scale=1'>"
             f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"]
    parts.append(f"<h1>{esc(title)}</h1>")
    meta = []
    if ctx.get("date"):
        meta.append(f"<span>{esc(ctx['date'])}</span>")
    if ctx.get("host_name"):
        meta.append(f"<span>host {esc(ctx['host_name'])}</span>")
    if ctx.get("num_cpus"):
        mhz = f" @ {ctx['mhz_per_cpu']} MHz" if ctx.get("mhz_per_cpu") else ""
        meta.append(f"<span>{esc(ctx['num_cpus'])} CPUs{esc(mhz)}</span>")
    if ctx.get("library_build_type"):
        meta.append(f"<span>benchmark library: {esc(ctx['library_build_type'])}</span>")
    if ctx.get("long_cs_target_ns"):
        meta.append(f"<span>long CS target {float(ctx['long_cs_target_ns']):.0f} ns</span>")
    if ctx.get("latency_sampling"):
        meta.append(f"<span>latency sampling: {esc(ctx['latency_sampling'])}</span>")
    parts.append("")  # the meta line, filled in below once every item is known
    if ctx.get("tsc_resolution_ns"):
        meta.append(f"<span>clock step {float(ctx['tsc_resolution_ns']):.3g} ns</span>")
    if ctx.get("window_ms"):
        meta.append(f"<span>window {float(ctx['window_ms']):.0f} ms per contended run</span>")
    parts[-1] = f'<div class="meta">{" ".join(meta)}</div>'
    if ctx.get("library_build_type") == "debug":
        parts.append('<p class="note">Google Benchmark reports its own library as a debug '
                     'build (as Debian ships it); that affects the timing loop, not the '
                     'lock code, which this project compiles optimised.</p>')

    # Uncontended cost
    unc = {r["strategy"]: r for r in rows if r["workload"] == "uncontended"}
    uncs = {r["strategy"]: r for r in rows if r["workload"] == "uncontended-shared"}
    floors = [r for r in rows if r["workload"] == "floor"]
    if unc or floors:
        items = [(f"floor: {r['strategy']}", r["real_ns"], FLOOR_COLOR)
                 for r in sorted(floors, key=lambda r: r["real_ns"])]
        items += [(s, unc[s]["real_ns"], colors.get(s, "#888")) for s in order if s in unc]
        items += [(f"{s} (shared)", uncs[s]["real_ns"], colors.get(s, "#888"))
                  for s in order if s in uncs]
        parts.append("<h2>Uncontended cost</h2><p class='sub'>One thread: lock()+unlock() "
                     "per iteration, next to the cost of a single uncontended atomic "
                     "read-modify-write — no lock can be cheaper than its one RMW.</p>")
        parts.append('<div class="card">' + hbar_chart(
            items, title="ns per lock+unlock (lower is better)",
            x_label="nanoseconds", width=1240) + "</div>")

    # Per-workload charts
    if workloads:
        legend = "".join(f'<span><i style="background:{colors[s]}"></i>{esc(s)}</span>'
                         for s in order if any(r["strategy"] == s for r in contended))
        parts.append("<h2>Under contention</h2><p class='sub'>Throughput is acquisitions per "
                     "second by all threads together (log scale). Fairness is Jain's index "
                     "over per-thread acquisition counts in the measurement window: "
                     "1 = equal shares, 1/N = one thread took everything.</p>")
        parts.append(f'<div class="legend">{legend}</div>')
    for w in workloads:
        wr = [r for r in contended if r["workload"] == w]
        tp, fair = defaultdict(list), defaultdict(list)
        for r in wr:
            tp[r["strategy"]].append((r["threads"], r.get("acq_per_s")))
            fair[r["strategy"]].append((r["threads"], r.get("fairness")))
        tp = {s: tp[s] for s in order if s in tp}
        fair = {s: fair[s] for s in order if s in fair}
        parts.append(f"<h2>{esc(WORKLOAD_TEXT.get(w, w))}</h2>")
        parts.append('<div class="grid2"><div class="card">' + line_chart(
            tp, colors, title=f"{w}: throughput", y_label="acquisitions / s", log=True,
            y_fmt=lambda v: si(v)) + '</div><div class="card">' + line_chart(
            fair, colors, title=f"{w}: fairness (Jain)", y_label="Jain's index",
            y_fmt=lambda v: f"{v:.2g}", y_min=0.0, y_max=1.0) + "</div></div>")

    # Table
    parts.append("<h2>All results</h2>")
    head = ("<tr><th class=l>workload</th><th class=l>strategy</th><th>threads</th>"
            "<th>ns / acquisition</th><th>acquisitions/s</th><th>items/s</th><th>fairness</th>"
            "<th>lock() p50</th><th>lock() p99</th></tr>")
    body = []
    wl_order = ["floor", "uncontended", "uncontended-shared"] + workloads
    rank = {s: i for i, s in enumerate(order)}

    def key(r):
        return (wl_order.index(r["workload"]) if r["workload"] in wl_order else 99,
                rank.get(r["strategy"], 99), r["strategy"], r["threads"])
    prev = None
    for r in sorted(rows, key=key):
        grp = (r["workload"], r["strategy"])
        cls = ' class="grp"' if prev is not None and grp[0] != prev[0] else ""
        prev = grp
        sw = (f'<span class="swatch" style="background:{colors[r["strategy"]]}"></span>'
              if r["strategy"] in colors else "")
        body.append(
            f"<tr{cls}><td class=l>{esc(r['workload'])}</td>"
            f"<td class=l title=\"{esc(r.get('label', ''))}\">{sw}{esc(r['strategy'])}</td>"
            f"<td>{r['threads']}</td>"
            f"<td>{fmt_ns(1e9 / r['acq_per_s']) if r.get('acq_per_s') else '–'}</td>"
            f"<td>{si(r.get('acq_per_s')) if 'acq_per_s' in r else '–'}</td>"
            f"<td>{si(r.get('items_per_s')) if 'items_per_s' in r else '–'}</td>"
            f"<td>{r['fairness']:.3f}</td>" if "fairness" in r else
            f"<tr{cls}><td class=l>{esc(r['workload'])}</td>"
            f"<td class=l title=\"{esc(r.get('label', ''))}\">{sw}{esc(r['strategy'])}</td>"
            f"<td>{r['threads']}</td><td>{fmt_ns(r.get('real_ns'))}</td>"
            f"<td>{si(1e9 / r['real_ns']) if r.get('real_ns') else '–'}</td><td>–</td><td>–</td>")
        body[-1] += (f"<td>{fmt_ns(r.get('p50_ns'))}</td><td>{fmt_ns(r.get('p99_ns'))}</td>"
                     "</tr>")
    parts.append(f'<div class="card"><table>{head}{"".join(body)}</table>'
                 '<p class="note">ns / acquisition: wall time divided by all threads\' '
                 'acquisitions (for single-thread rows, wall time per lock+unlock or per '
                 'operation). Latencies are sampled on 1 in 64 acquisitions with the TSC; '
                 'values at the clock step are "below resolution". '
                 'Hover a strategy name for its algorithm summary.</p></div>')

    summaries = {}
    for r in rows:
        if r["strategy"] and r.get("label") and r["workload"] != "floor":
            summaries.setdefault(r["strategy"], r["label"])
    if summaries:
        parts.append("<h2>Strategies</h2><div class='card'><table>"
                     "<tr><th class=l>strategy</th><th class=l>algorithm, cost, fairness</th></tr>")
        for s in order:
            if s in summaries:
                parts.append(f'<tr><td class=l><span class="swatch" style="background:'
                             f'{colors[s]}"></span>{esc(s)}</td>'
                             f'<td class=l>{esc(summaries[s])}</td></tr>')
        parts.append("</table></div>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bench_json")
    ap.add_argument("out_html")
    ap.add_argument("--title", default="tangle · lock strategies")
    args = ap.parse_args(argv)
    try:
        with open(args.bench_json, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"lock_report: cannot read {args.bench_json}: {e}", file=sys.stderr)
        return 2
    if not isinstance(doc, dict) or "benchmarks" not in doc:
        print(f"lock_report: {args.bench_json} is not Google Benchmark JSON "
              "(no 'benchmarks' array)", file=sys.stderr)
        return 2
    page = build_page(doc, args.title)
    with open(args.out_html, "w", encoding="utf-8") as f:
        f.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
