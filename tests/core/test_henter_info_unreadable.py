"""`llmvis info` counted an unreadable image marked reviewed under "error" only, and
`llmvis evaluate` under "reviewed" (/tmp/hunt-huser4: info "reviewed 21, error 3",
evaluate "23 reviewed"): info now says how many of its errors are marked reviewed or
rejected, so the two counts add up."""
import io

from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.evaluate import evaluate


def test_info_says_the_errors_marked_reviewed(png_folder, capsys):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(buf, "JPEG")
    (png_folder / "truncated.jpg").write_bytes(buf.getvalue()[:200])
    assert main(["index", str(png_folder), "--quiet"]) == 0
    with Project.open(png_folder) as p:
        ids = {p.image(i).relpath: i for i in p.image_ids()}
        # marked before this change made Enter refuse it (or before the file broke)
        ra.set_status(p, ids["truncated.jpg"], "reviewed", "ana")
        ra.set_status(p, next(i for r, i in ids.items() if r != "truncated.jpg"), "reviewed", "ana")
        assert p.image(ids["truncated.jpg"]).status == "error"
        reviewed = evaluate(p)["images"]["reviewed"]
    capsys.readouterr()
    assert main(["info", str(png_folder)]) == 0
    status = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("status"))
    assert "reviewed 1," in status and "error 1 (of error and missing, 1 marked reviewed" in status, status
    assert reviewed == 2  # 1 + 1: the counts add up
