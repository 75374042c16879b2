"""An export's repeated warnings of one kind make one line with the full count and a few
names ("40 images: file is missing ...: a.png, b.png, c.png and 37 more"); every name
stays in the report (--json "warned_images"); warnings past the report's cap are counted
("warnings_dropped") and the summary says the full count."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.cli_interchange import export_json
from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.interchange import export_context
from llmvis_desktop.core.project import Project


def test_missing_files_make_one_line_with_every_name_in_the_json(tmp_path, monkeypatch):
    root = tmp_path / "dump"
    (root / "cam2").mkdir(parents=True)
    for i in range(12):
        Image.new("RGB", (8, 6), (i * 20, 0, 0)).save(root / "cam2" / f"img_{i:02}.png")
    with Project.open(root) as project:
        project.index()
        ids = project.image_ids()
        for i in ids:
            project.set_status(i, "reviewed", "t")
        for i in range(10):
            (root / "cam2" / f"img_{i:02}.png").unlink()
        project.index()
        report = export_project(project, "jsonl", tmp_path / "out", ExportOptions(reviewed_only=True))
        said = [w for w in report.warnings if "file is missing" in w]
        assert said == ["10 images: file is missing (deleted or moved since it was indexed); not exported (jsonl "
                        "copies each image's file): cam2/img_00.png, cam2/img_01.png, cam2/img_02.png and 7 more"], said
        data = export_json(report)
        assert [len(v) for v in data["warned_images"].values()] == [10]
        assert data["warnings_dropped"] == 0
        # past the cap: counted, and the summary says the full count
        monkeypatch.setattr(export_context, "MAX_WARNINGS", 0)
        report = export_project(project, "csv", tmp_path / "out.csv", ExportOptions(reviewed_only=True))
        assert report.warnings == [] and report.warnings_dropped == 1
        assert report.summary().endswith("; 1 warning")
        assert export_json(report)["warnings_dropped"] == 1
