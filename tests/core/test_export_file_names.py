"""An export's side files are named from --out less its own extension only, and an
export into a folder it cannot write says so naming --out (hunt-crash D2, D4)."""
from __future__ import annotations

import builtins
import errno
import io
import json
from pathlib import Path

import pytest

from llmvis_desktop.core.interchange import InterchangeError, export_project, import_file, output_files
from llmvis_desktop.core.interchange import files



@pytest.mark.parametrize("fmt, side, ext", [("coco", ".captions.json", ".JSON"),
                                            ("labelstudio", ".label_config.xml", ".json"),
                                            ("csv", ".labels.txt", ".CSV")])
def test_a_dotted_out_name_keeps_its_last_part_in_the_side_file(proj, tmp_path, fmt, side, ext):
    """--out side/release_v1.2 wrote release_v1.captions.json, and --force to release_v1.3
    replaced v1.2's captions: the name's last dot-part was cut as if an extension."""
    out = tmp_path / "side"
    v12, v13 = out / "release_v1.2", out / "release_v1.3"
    export_project(proj, fmt, v12)
    export_project(proj, fmt, v13)  # its own side file: not refused as existing
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["release_v1.2", "release_v1.2" + side, "release_v1.3", "release_v1.3" + side])
    assert output_files(fmt, v12) == [v12, out / ("release_v1.2" + side)]
    if fmt != "coco":  # its import finds the side file by the same name (COCO: by info.llmvis_captions_file)
        seen = []
        real = Path.is_file
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Path, "is_file", lambda self: seen.append(self.name) or real(self))
            import_file(proj, fmt, v12)
        assert "release_v1.2" + side in seen and "release_v1" + side not in seen
    # a name with the format's extension still drops it, as docs/interchange.md says
    # (OUT.json + OUT.captions.json)
    export_project(proj, fmt, out / f"x{ext}")
    assert (out / ("x" + side)).is_file()


def test_a_dotted_coco_export_imports_with_its_captions(proj, tmp_path):
    out = tmp_path / "release_v1.2"
    export_project(proj, "coco", out)
    info = json.loads(out.read_text())["info"]
    assert info["llmvis_captions_file"] == "release_v1.2.captions.json"
    report = import_file(proj, "coco", out)
    assert not [w for w in report.warnings if "captions file" in w]


def test_sidecar_path():
    assert files.sidecar_path(Path("a/x.json"), ".captions.json") == Path("a/x.captions.json")
    assert files.sidecar_path(Path("a/v1.2"), ".captions.json") == Path("a/v1.2.captions.json")
    assert files.sidecar_path(Path("a/.json"), ".label_config.xml") == Path("a/.json.label_config.xml")
    assert files.sidecar_path("t.csv", ".labels.txt", ".csv") == Path("t.labels.txt")


def _read_only(monkeypatch, folder: Path):
    """Writes and unlinks under ``folder`` fail as on a read-only mount (root ignores modes)."""
    real_open, real_unlink = builtins.open, Path.unlink

    def ro_open(path, mode="r", *a, **k):
        if any(c in mode for c in "wax+") and Path(path).parent == folder:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *a, **k)

    def ro_unlink(self, missing_ok=False):
        if self.parent == folder:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(builtins, "open", ro_open)
    monkeypatch.setattr(io, "open", ro_open)  # (pathlib's write_text)
    monkeypatch.setattr(Path, "unlink", ro_unlink)


@pytest.mark.parametrize("fmt, name", [("csv", "out.csv"), ("coco", "out.json"), ("labelstudio", "out.json"),
                                       ("cvat", "out.xml"), ("history", "out.jsonl")])
def test_an_export_into_a_read_only_folder_names_out(proj, tmp_path, monkeypatch, fmt, name):
    """It said "[Errno 30] Read-only file system: 'ro_out/.out.csv.part'": the removal of
    the temporary file failed too (EROFS) and its error replaced the one meant."""
    ro = tmp_path / "ro_out"
    ro.mkdir()
    _read_only(monkeypatch, ro)
    with pytest.raises(OSError) as info:
        export_project(proj, fmt, ro / name)
    assert str(info.value) == f"cannot write {ro / name}: Read-only file system"
    assert info.value.errno == errno.EROFS
    monkeypatch.undo()
    assert list(ro.iterdir()) == []


def test_cli_export_into_a_read_only_folder(proj, tmp_path, monkeypatch, capsys):
    from llmvis_desktop.cli import main

    ro = tmp_path / "ro_out"
    ro.mkdir()
    _read_only(monkeypatch, ro)
    rc = main(["export", str(proj.root), "--format", "csv", "--out", str(ro / "out.csv")])
    assert rc == 1
    assert capsys.readouterr().err.strip() == f"llmvis export: cannot write {ro / 'out.csv'}: Read-only file system"


def test_a_refused_existing_file_is_still_an_interchange_error(proj, tmp_path):
    out = tmp_path / "x.csv"
    export_project(proj, "csv", out)
    with pytest.raises(InterchangeError, match="exists; pass --force"):
        export_project(proj, "csv", out)


@pytest.mark.parametrize("fmt", ["yolo", "jsonl", "txt"])
@pytest.mark.parametrize("existing", [False, True])
def test_a_folder_export_into_a_read_only_folder_names_out(proj, tmp_path, monkeypatch, fmt, existing):
    """It said "[Errno 30] Read-only file system: 'ro_out/.yo.partial-10724'" (the hidden
    staging folder), or named the unfinished-export marker of an existing empty folder."""
    import os

    ro = tmp_path / "ro_out"
    out = ro / "yo"
    out.mkdir(parents=True) if existing else ro.mkdir()
    real_mkdir = os.mkdir

    def ro_mkdir(path, *a, **k):
        if ro in Path(path).parents:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_mkdir(path, *a, **k)

    _read_only(monkeypatch, out if existing else ro)
    monkeypatch.setattr(os, "mkdir", ro_mkdir)
    with pytest.raises(OSError) as info:
        export_project(proj, fmt, out)
    assert str(info.value) == f"cannot write {out}: Read-only file system"
