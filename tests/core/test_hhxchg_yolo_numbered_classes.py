"""A classification dataset whose class folders are numbers (``train/0/``, ``train/1/``)
with the class names in its data.yaml (``names:``, a list or a mapping, inline or on
lines of their own) was imported with the labels "0" and "1". Such folders now take their
names from data.yaml, in the class numbers' order, and the import says so; folders named
by their label, or numbers data.yaml does not name, stay as they are."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.interchange import import_file

YAMLS = {
    "block mapping": "path: .\ntrain: train\nval: val\nnc: 3\nnames:\n  0: scratch  # the common one\n  1: dent\n"
                     "  2: 'rust spot'\n",
    "block list": "train: train\nval: val\nnames:\n  - scratch\n  - dent\n  - \"rust spot\"\n",
    "inline list": "train: train\nval: val\nnc: 3\nnames: ['scratch', 'dent', 'rust spot']\n",
    "inline mapping": "train: train\nval: val\nnames: {0: scratch, 1: dent, 2: rust spot}\n",
}


def _dataset(root, project_root, yaml_text, folders=("0", "2", "1")):
    for folder, image in zip(folders, ("img1.png", "img2.png", "img3.png")):
        (root / "train" / folder).mkdir(parents=True)
        (root / "train" / folder / image).write_bytes((project_root / image).read_bytes())
    (root / "data.yaml").write_text(yaml_text, encoding="utf-8")
    return root


@pytest.mark.parametrize("kind", list(YAMLS))
def test_numbered_class_folders_take_their_names_from_data_yaml(small, tmp_path, kind):
    project, ids = small
    report = import_file(project, "yolo", _dataset(tmp_path / "ds", project.root, YAMLS[kind]))
    assert report.matched == 3, report.summary()
    got = {r.name: r.labels for r in project.images(list(ids.values()))}
    assert got["img1.png"] == ("scratch",) and got["img2.png"] == ("rust spot",) and got["img3.png"] == ("dent",)
    made = [lbl.name for lbl in project.labels()]
    assert made == ["a", "b", "scratch", "dent", "rust spot"]  # (a, b: the project's own)
    assert any("3 numbered class folder(s) were named by data.yaml's names (0 -> scratch, 1 -> dent, "
               "2 -> rust spot)" in w for w in report.warnings), report.warnings


def test_a_number_data_yaml_does_not_name_keeps_every_folder_as_it_is(small, tmp_path):
    project, ids = small
    ds = _dataset(tmp_path / "ds", project.root, "train: train\nnames: [scratch, dent]\n")  # no 2
    import_file(project, "yolo", ds)
    assert project.image(ids["img1.png"]).labels == ("0",) and project.image(ids["img2.png"]).labels == ("2",)
