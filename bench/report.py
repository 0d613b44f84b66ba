"""The bench report: rates and ratios from the raw figures, and the text rendering."""

from __future__ import annotations

from typing import Any


def summarise(report: dict[str, Any]) -> None:
    """Rates and ratios: c with and without Prefect's start-up, c/a, c/b."""
    n = report["articles"]
    ww = report["workwatch"]
    run_s = ww["first"]["seconds"]
    with_startup_s = run_s + ww["prefect_startup_s"]
    ceiling, naive = report["ceiling"]["rate"], report["naive"]["rate"]
    rate = n / run_s if run_s else 0.0
    rate_with = n / with_startup_s if with_startup_s else 0.0
    cpu = ww["first"]["cpu_s"]
    report["summary"] = {
        "cpu_ms_per_article": {
            "ceiling": round(1000 * report["ceiling"]["cpu_s"] / n, 1),
            "workwatch": round(1000 * sum(cpu.values()) / n, 1),
            **{f"workwatch_{role}": round(1000 * v / n, 1) for role, v in sorted(cpu.items())
               if v >= 0.05}},
        "ceiling_rate": ceiling,
        "naive_rate": naive,
        "workwatch_rate": round(rate, 1),
        "workwatch_rate_with_startup": round(rate_with, 1),
        "workwatch_vs_ceiling": round(rate / ceiling, 3) if ceiling else None,
        "workwatch_vs_ceiling_with_startup": round(rate_with / ceiling, 3) if ceiling else None,
        "workwatch_vs_naive": round(rate / naive, 1) if naive else None,
        "workwatch_steady_rate": ww["first"].get("steady_rate"),
        "workwatch_steady_vs_ceiling": (round(ww["first"]["steady_rate"] / ceiling, 3)
                                        if ceiling and ww["first"].get("steady_rate") else None),
        "first_batch_s": ww["first"].get("first_batch_s"),
        "prefect_startup_s": ww["prefect_startup_s"],
        "second_run_s": ww["second"]["seconds"],
        "peak_rss_mb": ww["first"]["peak_rss_mb"],
        "peak_pss_mb": ww["first"]["peak_pss_mb"],
        "loaded": ww["loaded"],
    }


def format_report(report: dict[str, Any]) -> str:
    """The report as aligned text lines."""
    n = report["articles"]
    header = (f"workwatch bench: {n} articles, {report['feeds']} feeds on loopback ports, "
              f"{report['latency_ms']:g} ms latency per response, {report['cores']} cores, "
              f"{report['pages']} pages ({report['page_templates']} distinct, "
              f"{report['mean_page_kb']} KB mean)")
    return "\n".join([header, "", *_rate_lines(report), "", *_detail_lines(report),
                      _query_line(report.get("queries"))])


def _rate_lines(report: dict[str, Any]) -> list[str]:
    s, ww, naive = report["summary"], report["workwatch"], report["naive"]
    first, n = ww["first"], report["articles"]
    extrapolated = f", extrapolated from {naive['measured']} articles" if naive["extrapolated"] else ""
    lines = [
        f"  a. extraction ceiling   {s['ceiling_rate']:8.1f} articles/s   "
        f"({report['ceiling']['seconds']:.1f} s, trafilatura alone, "
        f"{report['ceiling']['workers']} processes)",
        f"  b. naive pipeline       {s['naive_rate']:8.1f} articles/s   "
        f"({naive['extrapolated_s']:.1f} s for {n}{extrapolated})",
        f"  c. workwatch ingest     {s['workwatch_rate']:8.1f} articles/s   "
        f"({first['seconds']:.1f} s, Prefect start-up excluded)",
        f"     with start-up        {s['workwatch_rate_with_startup']:8.1f} articles/s   "
        f"({first['seconds'] + ww['prefect_startup_s']:.1f} s)",
    ]
    if s.get("workwatch_steady_rate"):
        lines.append(f"     steady state         {s['workwatch_steady_rate']:8.1f} articles/s   "
                     f"(after the first batch, loaded at {s['first_batch_s']:.1f} s)")
    lines += ["", f"  c/a = {s['workwatch_vs_ceiling']}  (with start-up "
                  f"{s['workwatch_vs_ceiling_with_startup']}, steady state "
                  f"{s.get('workwatch_steady_vs_ceiling')})    c/b = {s['workwatch_vs_naive']}"]
    return lines


def _detail_lines(report: dict[str, Any]) -> list[str]:
    s, ww = report["summary"], report["workwatch"]
    first, second = ww["first"], ww["second"]
    cold = (f"; first ever (empty Prefect home): {ww['prefect_cold_startup_s']:.2f} s"
            if "prefect_cold_startup_s" in ww else "")
    roles = ", ".join(f"{k} {v:.0f}" for k, v in sorted(first["peak_rss_mb_by_role"].items()))
    cpu = ", ".join(f"{k} {v:.1f}" for k, v in sorted(first["cpu_s"].items()) if v >= 0.05)
    per_article = ", ".join(f"{k[10:]} {v}" for k, v in s["cpu_ms_per_article"].items()
                            if k.startswith("workwatch_"))
    return [
        f"  Prefect start-up (temporary server, to first flow-run start): "
        f"{ww['prefect_startup_s']:.2f} s{cold}; imports {ww['import_s']:.2f} s",
        f"  loaded: {ww['loaded']} articles ({first['new_articles']} new, "
        f"{first['errors']} article errors, status {first['status']})",
        f"  peak memory of the ingest's process tree: RSS sum {first['peak_rss_mb']:.0f} MB, "
        f"PSS {first['peak_pss_mb']:.0f} MB ({roles} MB RSS)",
        f"  CPU seconds in the first run: {cpu}; "
        f"bench site {report['site']['cpu_s_during_ingest']:.1f}",
        f"  CPU ms per article: ceiling {s['cpu_ms_per_article']['ceiling']}, "
        f"workwatch {s['cpu_ms_per_article']['workwatch']} ({per_article})",
        f"  second run, nothing new: {second['seconds']:.2f} s "
        f"({second['not_modified']} feeds answered 304, {second['new_articles']} new); "
        f"with start-up {second['seconds'] + ww['prefect_startup_s']:.2f} s",
    ]


def _query_line(queries: dict[str, Any] | None) -> str:
    if not queries:
        return "  named queries: skipped"
    return (f"  named queries on {queries['articles']:,} synthetic articles (median ms): "
            + ", ".join(f"{k} {v:g}" for k, v in queries["median_ms"].items()))
