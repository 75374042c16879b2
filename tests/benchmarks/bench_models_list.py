"""Model discovery over a model folder holding many folders that are not models, against a
plain os.walk of the same tree (the least any listing of it costs). Prints JSON.

    PYTHONPATH=. python tests/benchmarks/bench_models_list.py [FOLDERS]
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    from llmvis_desktop.core.suggest.discovery import discover

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "models"
        model = root / "tiny-blip"
        model.mkdir(parents=True)
        (model / "config.json").write_text(json.dumps({"model_type": "blip"}))
        (model / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
        for i in range(n):  # a dataset's folders: a subfolder of images and a note each
            sub = root / f"data{i:05d}" / "sub"
            sub.mkdir(parents=True)
            for j in range(3):
                (sub / f"img{j}.png").touch()
            (sub.parent / "notes.txt").touch()
        best = {"os_walk_s": 1e9, "discover_s": 1e9, "discover_no_revisions_s": 1e9}
        for _ in range(3):
            t = time.perf_counter()
            walked = sum(1 for _ in os.walk(root))
            best["os_walk_s"] = min(best["os_walk_s"], time.perf_counter() - t)
            t = time.perf_counter()
            found = discover([root], include_hf_cache=False)
            best["discover_s"] = min(best["discover_s"], time.perf_counter() - t)
            t = time.perf_counter()
            discover([root], include_hf_cache=False, revisions=False)
            best["discover_no_revisions_s"] = min(best["discover_no_revisions_s"], time.perf_counter() - t)
        print(json.dumps({"folders": walked, "models": len(found), **{k: round(v, 3) for k, v in best.items()}}))


if __name__ == "__main__":
    main()
