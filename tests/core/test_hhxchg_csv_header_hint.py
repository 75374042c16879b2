"""A CSV without a ``file_name`` column was refused naming its header only: Label Studio's
own CSV export (``image, id, choice, annotator, annotation_id, ...``) and a table whose
path column is called ``filename`` or ``image_path`` gave no clue what to do. The refusal
now says: export Label Studio's JSON instead, or rename that column; nothing is imported."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.interchange import InterchangeError, import_file


@pytest.mark.parametrize("header,hint", [
    ("image,id,choice,annotator,annotation_id,created_at,updated_at,lead_time",
     "this looks like Label Studio's CSV export: export the project as JSON and import it with the labelstudio "
     "format"),
    ("Filename,caption", "if its column 'Filename' holds the image paths, name it file_name"),
    ("id,image_path,labels", "if its column 'image_path' holds the image paths, name it file_name"),
])
def test_a_header_without_file_name_says_what_to_do(small, tmp_path, header, hint):
    project, _ids = small
    path = tmp_path / "table.csv"
    path.write_text(f"{header}\n" + ",".join(["img1.png"] * len(header.split(","))) + "\n", encoding="utf-8")
    with pytest.raises(InterchangeError) as err:
        import_file(project, "csv", path)
    said = str(err.value)
    assert said.startswith("table.csv line 1: no 'file_name' column in the header") and said.endswith(hint), said
    assert all(not r.labels and r.caption is None for r in project.images(project.image_ids()))


def test_a_header_with_no_path_column_gets_no_guess(small, tmp_path):
    project, _ids = small
    path = tmp_path / "table.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"no 'file_name' column in the header \['a', 'b'\]$"):
        import_file(project, "csv", path)
