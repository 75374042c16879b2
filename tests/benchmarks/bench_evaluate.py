"""Caption edit distance in ``llmvis evaluate``: the bit-parallel Levenshtein against the
textbook table (the named baseline), same run, on generated caption pairs; prints JSON.

    python tests/benchmarks/bench_evaluate.py [--pairs 300] [--length 150]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from llmvis_desktop.core.suggest.evaluate import levenshtein, levenshtein_table  # noqa: E402

WORDS = ("a", "metal", "plate", "with", "two", "long", "scratches", "near", "the", "left", "edge", "and",
         "small", "dent", "at", "top", "right", "corner", "of", "this", "image", "stain", "crack", "surface")


def caption(rng: random.Random, length: int) -> str:
    out = []
    while sum(len(w) + 1 for w in out) < length:
        out.append(rng.choice(WORDS))
    return " ".join(out)[:length]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--length", type=int, default=150)
    args = ap.parse_args()
    rng = random.Random(0)
    pairs = [(caption(rng, args.length), caption(rng, args.length)) for _ in range(args.pairs)]
    t = time.perf_counter()
    fast = [levenshtein(a, b) for a, b in pairs]
    t_fast = time.perf_counter() - t
    t = time.perf_counter()
    table = [levenshtein_table(a, b) for a, b in pairs]
    t_table = time.perf_counter() - t
    assert fast == table
    print(json.dumps({
        "pairs": args.pairs, "length": args.length,
        "bit_parallel_ms_per_pair": round(t_fast / args.pairs * 1000, 4),
        "table_ms_per_pair (baseline)": round(t_table / args.pairs * 1000, 4),
        "speedup": round(t_table / t_fast, 1),
        "100k_pairs_s": {"bit_parallel": round(t_fast / args.pairs * 1e5, 1),
                         "table": round(t_table / args.pairs * 1e5, 1)},
    }, indent=2))


if __name__ == "__main__":
    main()
