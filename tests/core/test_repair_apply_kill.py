"""A ``repair apply`` killed part way (SIGKILL: no cleanup runs) leaves only clearly
temporary files, never a mask under its final name without its output, and the next
repair removes them and gets matching names (hunt-crash: kill_apply.sh left
repaired/.masks/big.repaired-2.mask.png with no big.repaired-2.png, and the next run
saved big.repaired-2.png with the mask big.repaired-2.mask-2.png)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import llmvis_desktop
from llmvis_desktop.core.repair import apply as apply_mod
from llmvis_desktop.core.repair import save as save_mod

REPO = Path(llmvis_desktop.__file__).resolve().parent.parent

# the step the child dies in, as a kill -9 would stop it there (os._exit: no finally, no cleanup)
KILLS = {
    "encode": "apply.encode = lambda *a, **k: os._exit(137)",
    "write": textwrap.dedent("""\
        real_write, n = save._write_file, [0]
        def write(path, data):
            n[0] += 1
            if n[0] == 2:  # the second file of the pair, half written
                open(path, "wb").write(data[: len(data) // 2]); os._exit(137)
            real_write(path, data)
        save._write_file = write"""),
    "rename": textwrap.dedent("""\
        real_replace = os.replace
        def replace(src, dst):
            if str(dst).endswith(".mask.png"):  # the output in place (linked or renamed), not yet its mask
                os._exit(137)
            real_replace(src, dst)
        save.os = type(os)("os_shim"); save.os.__dict__.update(os.__dict__); save.os.replace = replace"""),
}


def _image(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (40, 50, 3)).astype(np.uint8)).save(folder / "big.png")
    m = np.zeros((40, 50), np.uint8)
    m[10:20, 10:30] = 255
    Image.fromarray(m).save(folder.parent / "mask.png")
    return folder / "big.png", folder.parent / "mask.png"


def _killed_repair(img: Path, mask: Path, step: str) -> None:
    code = "\n".join([
        "import os",
        "from llmvis_desktop.core.repair import apply, save",
        KILLS[step],
        f"apply.repair_file({str(img)!r}, {str(mask)!r}, method='telea')",
    ])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 137, proc.stderr


def _outputs_and_masks(folder: Path) -> tuple[set, set]:
    outs = {p.stem for p in folder.glob("*.repaired*.png")}
    masks = {p.name[: -len(".mask.png")] for p in (folder / ".masks").glob("*.mask.png")}
    return outs, masks


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.part"))


@pytest.mark.parametrize("step", ["encode", "write", "rename"])
def test_a_killed_repair_leaves_no_mask_without_its_output(tmp_path, step):
    img, mask = _image(tmp_path / "imgs")
    first = apply_mod.repair_file(img, mask, method="telea")  # big.repaired.png, as in the repro
    assert first.mask_path.name == "big.repaired.mask.png"
    out = tmp_path / "imgs" / "repaired"
    _killed_repair(img, mask, step)
    outs, masks = _outputs_and_masks(out)
    assert masks <= outs, f"a mask without its output: {sorted(masks - outs)}"
    left = _temps(out)
    assert all("@" in name for name in left)  # each says whose it is (pid@host)

    again = apply_mod.repair_file(img, mask, method="telea")
    assert again.mask_path.name == again.output_path.stem + ".mask.png"
    assert again.mask_path.parent == out / ".masks"
    assert _temps(out) == []  # the dead child's temporaries are gone
    outs, masks = _outputs_and_masks(out)
    assert masks <= outs
    for name in outs | masks:
        Image.open(out / f"{name}.png").load()


def test_a_mask_left_by_an_older_killed_save_does_not_shift_the_names(tmp_path):
    """repaired/.masks/big.repaired-2.mask.png with no big.repaired-2.png (left before
    this fix): the next output skips that number, so its mask is named like it."""
    img, mask = _image(tmp_path / "imgs")
    apply_mod.repair_file(img, mask, method="telea")
    orphan = tmp_path / "imgs" / "repaired" / ".masks" / "big.repaired-2.mask.png"
    orphan.write_bytes(b"not ours to touch")
    res = apply_mod.repair_file(img, mask, method="telea")
    assert res.output_path.name == "big.repaired-3.png"
    assert res.mask_path.name == "big.repaired-3.mask.png"
    assert orphan.read_bytes() == b"not ours to touch"


def test_temporaries_of_a_live_save_or_another_hosts_recent_one_are_kept(tmp_path):
    from llmvis_desktop.core import owner

    folder = tmp_path / "repaired"
    folder.mkdir()
    mine = folder / f".a.repaired.png.{os.getpid()}@{owner.host_name()}.abcd1234.part"
    other = folder / ".a.repaired.png.12345@some-other-host.abcd1234.part"
    old_other = folder / ".b.repaired.png.12345@some-other-host.efgh5678.part"
    not_ours = folder / ".notes.part"
    for p in (mine, other, old_other, not_ours):
        p.write_bytes(b"x")
    day_ago = time.time() - owner.OTHER_HOST_AGE - 60
    os.utime(old_other, (day_ago, day_ago))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    dead_one = folder / f".c.repaired.png.{dead}@{owner.host_name()}.ijkl9012.part"
    dead_one.write_bytes(b"x")
    removed = save_mod.clear_dead_temps(folder)
    assert sorted(removed) == sorted([old_other, dead_one])
    assert mine.exists() and other.exists() and not_ours.exists()


def test_owner_gone_sees_a_reused_pid():
    """A pid alive now but started after the record: another process has that pid."""
    from llmvis_desktop.core import owner

    assert not owner.gone(owner.host_name(), os.getpid(), time.time())
    if owner._process_start(os.getpid()) is not None:  # a record of an earlier process with our pid
        assert owner.gone(owner.host_name(), os.getpid(), owner._process_start(os.getpid()) - 60)
    parent = os.getppid()  # started before this test ran
    assert not owner.gone(owner.host_name(), parent, time.time())
    if owner._process_start(parent) is not None:
        assert owner.gone(owner.host_name(), parent, owner._process_start(parent) - 60)
