"""Project.folders(): each subfolder holding images (nested ones by their whole relative
path), with the images under it at any depth, from the last index; the root and folders
without images left out."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core.project import Project


def test_folders_with_their_counts_at_any_depth(tmp_path):
    root = tmp_path / "dump"
    for sub, n in {"cam1": 2, "cam2": 1, "cam2/night": 3, "cam2/night/late": 1, "empty": 0, "": 2}.items():
        (root / sub).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.new("RGB", (8, 6), (i * 30, 0, 0)).save(root / sub / f"img_{i}.png")
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("not an image")
    with Project.open(root) as project:
        project.index()
        assert project.folders() == [("cam1", 2), ("cam2", 5), ("cam2/night", 4), ("cam2/night/late", 1)]
