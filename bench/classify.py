"""Accuracy and throughput of agency.inbox.classify on the labelled and held-out sets.

Run: .venv/bin/python bench/classify.py [--errors]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agency.inbox.classify import Classification, classify  # noqa: E402

DATA = ROOT / "tests" / "inbox" / "data"
LABELS = ("negative", "neutral", "positive")


def load(name: str) -> list[dict[str, Any]]:
    """Read a JSON-lines file of labelled texts."""
    with open(DATA / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(rows: list[dict[str, Any]]) -> tuple[dict[str, float], list[tuple[dict[str, Any], Classification]]]:
    """Accuracies per label and per language, plus (row, result) pairs for error listings."""
    results = [(row, classify(row["text"], rating=row["rating"])) for row in rows]

    def acc(pairs: list[tuple[dict[str, Any], Classification]], key: str, attr: str) -> float:
        if not pairs:
            return float("nan")
        return sum(getattr(res, attr) == row[key] for row, res in pairs) / len(pairs)

    out = {
        "sentiment": acc(results, "sentiment", "sentiment_label"),
        "language": acc(results, "language", "language"),
        "question": acc(results, "is_question", "is_question"),
        "spam": acc(results, "is_spam", "is_spam"),
    }
    for lang in ("de", "en", "other"):
        subset = [(row, res) for row, res in results if row["language"] == lang]
        out[f"sentiment[{lang}]"] = acc(subset, "sentiment", "sentiment_label")
        out[f"question[{lang}]"] = acc(subset, "is_question", "is_question")
        out[f"n[{lang}]"] = len(subset)
    return out, results


def confusion(results: list[tuple[dict[str, Any], Classification]]) -> str:
    """Sentiment confusion matrix as text (rows: truth, columns: predicted)."""
    counts = Counter((row["sentiment"], res.sentiment_label) for row, res in results)
    lines = ["truth \\ pred " + "".join(f"{lab:>10}" for lab in LABELS)]
    for truth in LABELS:
        lines.append(f"{truth:<13}" + "".join(f"{counts[(truth, pred)]:>10}" for pred in LABELS))
    return "\n".join(lines)


def throughput(rows: list[dict[str, Any]], seconds: float = 2.0) -> float:
    """Texts per second for classify(), lingua already loaded (steady state of the ingest)."""
    texts = [(row["text"], row["rating"]) for row in rows]
    classify("warm up")
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text, rating in texts:
            classify(text, rating=rating)
        done += len(texts)
    return done / (time.perf_counter() - start)


def report(name: str, rows: list[dict[str, Any]], show_errors: bool) -> None:
    """Print accuracies, the confusion matrix and optionally every error."""
    scores, results = evaluate(rows)
    print(f"== {name}: {len(rows)} texts (de {scores['n[de]']}, en {scores['n[en]']}, other {scores['n[other]']})")
    for key in (
        "sentiment",
        "sentiment[de]",
        "sentiment[en]",
        "sentiment[other]",
        "language",
        "question",
        "question[de]",
        "question[en]",
        "spam",
    ):
        print(f"  {key:<18} {scores[key]:6.1%}")
    print("  sentiment confusion:")
    print("    " + confusion(results).replace("\n", "\n    "))
    if show_errors:
        for row, res in results:
            wrong = [
                f"{k}: {row[k]} → {v}"
                for k, v in (
                    ("sentiment", res.sentiment_label),
                    ("language", res.language),
                    ("is_question", res.is_question),
                    ("is_spam", res.is_spam),
                )
                if row[k] != v
            ]
            if wrong:
                print(f"  ✗ {row['text'][:90]!r} [{res.sentiment_score:+.2f}] " + "; ".join(wrong))


HOSTILE = [
    "Gu\x00t\x07\x1b[31m rot \x7f",
    "f\u200bo\u200bl\u200bl\u200bo\u200bw me \ufeff\u202eevil",
    "a" * 100_000,
    "Das ist gut aber teuer!!! 😍 " * 4000,
    "(" * 30,
    "?" * 5000,
    "@" * 5000 + "#" * 5000,
    "http://" + "a" * 10_000,
]


def hostile_worst_case() -> tuple[float, float]:
    """The slowest hostile or extreme text (seconds) and, as the baseline, a typical comment's time."""
    worst = 0.0
    for text in HOSTILE:
        started = time.perf_counter()
        classify(text, rating=None, recent_texts_by_author=[text, "x"])
        worst = max(worst, time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(100):
        classify("Wann öffnet ihr am Samstag? Danke!")
    typical = (time.perf_counter() - started) / 100
    return worst, typical


def main() -> None:
    """Entry point."""
    show_errors = "--errors" in sys.argv
    t0 = time.perf_counter()
    classify("Erster Aufruf lädt lingua.")
    print(f"first call (loads lingua): {time.perf_counter() - t0:.2f} s")
    labelled = load("labelled.jsonl")
    report("labelled", labelled, show_errors)
    heldout_path = DATA / "heldout.jsonl"
    if heldout_path.exists():
        report("held-out", load("heldout.jsonl"), show_errors)
    print(f"throughput: {throughput(labelled):,.0f} texts/s (single thread, incl. language detection)")
    worst, typical = hostile_worst_case()
    print(f"hostile input: slowest {worst * 1000:.1f} ms, a typical comment {typical * 1000:.2f} ms "
          f"(ratio {worst / typical:,.0f}x)")


if __name__ == "__main__":
    main()
