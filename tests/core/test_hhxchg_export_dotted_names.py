"""An export file named with a version or a date (``--out release_v1.2``, ``export
2024.05.01``) was taken as having an extension (``.2``, ``.01``) and written with no
``.json`` / ``.csv``: no tool recognised it, and the Import dialog's Browse (``*.json``)
did not list it. Only a suffix with a letter is an extension now; such a name gets the
format's, and its side file keeps the name given (``release_v1.2.captions.json``)."""
from __future__ import annotations

from interchange_helpers import annotate, make_files, open_scanned, run_cli

from llmvis_desktop.core.interchange import export_path, import_file


def test_a_dotted_version_or_date_is_no_extension(tmp_path):
    assert export_path("coco", tmp_path / "release_v1.2") == (tmp_path / "release_v1.2.json", ".json")
    assert export_path("csv", tmp_path / "export 2024.05.01") == (tmp_path / "export 2024.05.01.csv", ".csv")
    assert export_path("cvat", tmp_path / "v2.0") == (tmp_path / "v2.0.xml", ".xml")
    # an extension (a letter in it) stays as given
    assert export_path("csv", tmp_path / "rows.tsv") == (tmp_path / "rows.tsv", "")
    assert export_path("coco", tmp_path / "clip.mp4") == (tmp_path / "clip.mp4", "")


def test_the_cli_writes_release_v1_2_json_and_its_captions_file_beside_it(tmp_path, capsys):
    src = make_files(tmp_path / "src")
    p = open_scanned(src)
    annotate(p)
    p.close()
    out = tmp_path / "release_v1.2"
    assert run_cli(["export", str(src), "--format", "coco", "--out", str(out)]) == 0
    assert "(.json added to the name given" in capsys.readouterr().out
    assert not out.exists() and (tmp_path / "release_v1.2.json").is_file()
    assert (tmp_path / "release_v1.2.captions.json").is_file()
    fresh = open_scanned(tmp_path / "src")
    try:
        rep = import_file(fresh, "coco", tmp_path / "release_v1.2.json")
        assert rep.matched > 0 and not [w for w in rep.warnings if "captions file" in w], rep.warnings
    finally:
        fresh.close()
