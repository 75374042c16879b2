"""The batch commands run unattended (CI, a GPU server, a log file): one run per
checkpoint, early refusals, quiet pipes, plain progress, honest interruption reports."""
import json
import os

import numpy as np
import pytest

from llmvis_desktop.cli import main


def _texture(seed=0, size=64):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    img = 120 + 60 * np.sin(xx / 3.0) * np.cos(yy / 5.0) + rng.normal(0, 8, (size, size))
    return np.clip(img, 0, 255).astype(np.uint8)


def _project(tmp_path, n=2):
    from PIL import Image

    root = tmp_path / "proj"
    root.mkdir()
    for i in range(n):
        Image.fromarray(_texture(i)).save(root / f"t{i}.png")
    return root


class _FakeResult:
    def __init__(self, out, step):
        self.out, self.step, self.data = out, step, {"images": 2}
        self.metrics = {"val_masked_psnr_db": 30.0}


def _fake_train(calls, during=None):
    def train(project, *, out, steps=None, **kw):
        calls.append(dict(kw, out=out, steps=steps))
        if during is not None:
            during()
        out.write_bytes(b"trained")
        return _FakeResult(out, steps or 1)
    return train


def test_two_train_runs_on_one_out_the_second_is_refused_naming_the_first(tmp_path, capsys, monkeypatch):
    """Two `repair train` runs on one --out both trained and both exited 0; the last to
    finish silently replaced the other's checkpoint. The output is locked from the
    "already holds" check to the final save; a lock left by a dead run is taken over."""
    from llmvis_desktop.core.repair import train as train_mod
    from llmvis_desktop.core.repair.out_lock import OutputLock, OutputLocked, lock_path

    root = _project(tmp_path)
    out = tmp_path / "ck" / "par.safetensors"
    out.parent.mkdir()
    argv = ["repair", "train", str(root), "--from", "scratch", "--steps", "2", "--out", str(out), "--device", "cpu"]
    calls, inner = [], []

    def second_run():  # a second run started while the first trains
        inner.append(main(argv))
        with pytest.raises(OutputLocked):
            OutputLock(out).acquire()

    monkeypatch.setattr(train_mod, "train", _fake_train(calls, during=second_run))
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert inner == [1] and len(calls) == 1
    assert f"another llmvis repair train is writing {out} (pid {os.getpid()})" in err
    assert not lock_path(out).exists()  # released after the final save

    held = OutputLock(out).acquire()  # held by "another process"
    try:
        assert main([*argv, "--force"]) == 1
        assert f"(pid {os.getpid()})" in capsys.readouterr().err and len(calls) == 1
    finally:
        held.release()

    lock_path(out).write_text("999999999\n")  # a run killed without releasing: no OS lock held
    assert main([*argv, "--force"]) == 0 and len(calls) == 2
    assert not lock_path(out).exists()


@pytest.mark.parametrize("command", [["export", "{d}", "--format", "jsonl", "--out", "{o}"],
                                     ["export", "{d}", "--format", "csv", "--out", "{o}.csv"],
                                     ["evaluate", "{d}"], ["evaluate", "{d}", "--json"]])
def test_export_and_evaluate_of_a_folder_never_indexed_are_refused(png_folder, tmp_path, capsys, command):
    """`export` right after copying images (no `llmvis index`) wrote an empty dataset and
    exited 0; `evaluate` printed an all-zero report. Both now say to index first: a folder
    with no project at all before anything is written there (export made an empty
    .llmvis/project.sqlite), one whose project was never indexed after opening it."""
    out = tmp_path / "ds"
    argv = [a.format(d=png_folder, o=out) for a in command]
    assert main(argv) == 1
    assert "no project here" in capsys.readouterr().err
    assert not (png_folder / ".llmvis").exists()
    assert main(["labels", "add", str(png_folder), "dent"]) == 0  # a project, never indexed
    capsys.readouterr()
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert f"{png_folder} is not indexed yet: llmvis index {png_folder}" in captured.err
    assert not out.exists() and not (tmp_path / "ds.csv").exists()
    if "--json" in argv:
        assert json.loads(captured.out)["exit_code"] == 1
    assert main(["index", str(png_folder), "-q"]) == 0
    capsys.readouterr()
    assert main(argv) == 0


def test_export_of_an_indexed_empty_folder_still_works(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["index", str(empty), "--allow-empty", "-q"]) == 0
    assert main(["export", str(empty), "--format", "csv", "--out", str(tmp_path / "e.csv")]) == 0


@pytest.mark.parametrize("command", [["labels", "list", "{d}"], ["info", "{d}", "--json"]])
def test_a_reader_that_stops_reading_is_a_quiet_exit(png_folder, command):
    """`llmvis labels list X | head -1` printed "error: [Errno 32] Broken pipe" and exited 1.
    A reader gone is a quiet exit (141, as `ls | head`); the pipe here is closed before
    the command writes, so it is the same every run."""
    import subprocess
    import sys

    assert main(["index", str(png_folder), "-q"]) == 0
    assert main(["labels", "add", str(png_folder), "scratch", "dent"]) == 0
    r, w = os.pipe()
    os.close(r)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    try:
        proc = subprocess.run([sys.executable, "-m", "llmvis_desktop.cli",
                               *[a.format(d=png_folder) for a in command]],
                              stdout=w, stderr=subprocess.PIPE, env=env, timeout=120)
    finally:
        os.close(w)
    err = proc.stderr.decode()
    assert "Broken pipe" not in err and "Exception" not in err and "error" not in err, err
    assert proc.returncode == 141


def test_suggest_and_models_list_take_a_gpu_of_several(tmp_path, capsys, monkeypatch):
    """`suggest --device cuda:3` (and `models list`) was a usage error ("invalid choice")
    while `repair --device cuda:3` was taken: on an 8-GPU server the suggest job could
    not be put on a chosen GPU. One device type serves every command now."""
    from llmvis_desktop.cli import build_parser
    from llmvis_desktop.core.suggest import device as device_mod

    parser = build_parser()
    for argv in (["suggest", str(tmp_path), "--device", "cuda:3"], ["models", "list", "--device", "CUDA:3"],
                 ["repair", "train", str(tmp_path), "--device", "cuda:3"]):
        assert parser.parse_args(argv).device == "cuda:3"
    for argv in (["suggest", str(tmp_path), "--device", "gpu"], ["models", "list", "--device", "cuda:x"]):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(argv)
        assert exc.value.code == 2
    capsys.readouterr()
    # a GPU index the machine does not have is named (it was taken as given)
    monkeypatch.setattr(device_mod, "available", lambda: ["cuda", "cpu"])

    class _Cuda:
        @staticmethod
        def device_count():
            return 2

    class _Torch:
        cuda = _Cuda

    monkeypatch.setattr(device_mod, "_torch", lambda: _Torch)
    assert device_mod.resolve("cuda:1") == "cuda:1"
    with pytest.raises(device_mod.DeviceError, match="2 CUDA device"):
        device_mod.resolve("cuda:2")
    assert main(["models", "list", "--device", "cuda:2", "--no-cache", "--json"]) == 0
    captured = capsys.readouterr()
    assert "cuda:2" in captured.err and json.loads(captured.out)["models"] == []


class _Clock:
    def __init__(self, t=1000.0):
        self.t = t

    def monotonic(self):
        return self.t


def test_repair_train_progress_follows_the_shared_rules(tmp_path, capsys, monkeypatch):
    """`repair train` printed a line every 10 steps (10,000 lines for a 100k-step run in a
    log, several a second on a GPU, also in the first 5 s) and no bar on a terminal. It now
    goes through the shared ProgressBar: nothing for 5 s, then a line per 10% (with the
    losses) and at most every 30 s; a redrawn bar on a terminal."""
    from llmvis_desktop import cli_progress
    from llmvis_desktop.core.repair import train as train_mod
    from llmvis_desktop.core.tasks import Progress

    clock = _Clock()
    monkeypatch.setattr(cli_progress, "time", clock)

    def fake_train(project, *, out, steps=None, progress, **kw):
        progress(Progress("load", 0, None, "reading training images"))
        for step in range(10, steps + 1, 10):  # core training reports every 10 steps
            clock.t += 0.1  # 100 steps a second
            progress(Progress("train", step, steps, f"step {step}  g 1.250  d 0.500  hole L1 0.080  ETA 3s"))
        out.write_bytes(b"trained")
        return _FakeResult(out, steps)

    monkeypatch.setattr(train_mod, "train", fake_train)
    root = _project(tmp_path)
    out = tmp_path / "a.safetensors"
    argv = ["repair", "train", str(root), "--from", "scratch", "--steps", "2000", "--out", str(out), "--device", "cpu"]
    assert main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert not any(ln.startswith("step ") for ln in err), err[:3]  # not one per 10 steps
    assert 1 <= len(err) <= 10 and "\r" not in "".join(err), err
    assert err[-1].startswith("train: 2,000/2,000 steps (100%)") and "g 1.250  d 0.500  hole L1 0.080" in err[-1]
    assert "ETA 3s" not in err[-1] and "step 2000" not in err[-1]

    out.unlink()  # a run done within the first 5 s writes no progress line at all
    monkeypatch.setattr(train_mod, "train", lambda project, *, out, steps=None, progress, **kw: (
        progress(Progress("train", 10, 10, "step 10  g 1.0  d 1.0  hole L1 0.1  ETA 0s")),
        out.write_bytes(b"x"), _FakeResult(out, 10))[-1])
    assert main([*argv[:-4], "--out", str(out), "--device", "cpu"]) == 0
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_a_redrawn_bar_with_the_details():
    import io

    from llmvis_desktop.cli_progress import ProgressBar
    from llmvis_desktop.core.tasks import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    bar = ProgressBar(stream=stream, detail=True)
    bar(Progress("train", 2000, 2000, "g 1.250  d 0.500"))
    bar.close()
    assert stream.getvalue().startswith("\rtrain    [") and "2000/2000" in stream.getvalue()
    assert "g 1.250  d 0.500" in stream.getvalue()


def test_progress_rate_and_eta_count_from_the_first_item_done(monkeypatch):
    """`suggest: 20/200 images (10%), 1.2 images/s, ETA 2m32s` for a job done 5 s later at
    40 images/s: the 16 s of loading the models counted as work. Rate and ETA are now
    measured from the stage's first item done, in a log and on a terminal."""
    import io

    from llmvis_desktop import cli_progress
    from llmvis_desktop.cli_progress import ProgressBar
    from llmvis_desktop.core.tasks import Progress

    clock = _Clock(0.0)
    monkeypatch.setattr(cli_progress, "time", clock)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    log, tty = io.StringIO(), Tty()
    bars = [ProgressBar(stream=log), ProgressBar(stream=tty)]
    for bar in bars:
        bar(Progress("suggest", 0, 200, "loading models"))
    clock.t = 16.0  # the models loaded
    for done in range(4, 201, 4):  # a batch of 4 every 0.1 s: 40 images/s
        clock.t += 0.1
        for bar in bars:
            bar(Progress("suggest", done, 200))
    for bar in bars:
        bar.close()
    first = log.getvalue().splitlines()[0]
    assert first.startswith("suggest: ") and "40.0 images/s" in first, first
    eta = int(first.split("ETA ")[1].rstrip("s"))
    assert eta <= 5, first
    frames = [f for f in tty.getvalue().split("\r") if "/200 ETA" in f]
    assert all("ETA 2m" not in f and "ETA 1m" not in f for f in frames), frames[:3]
    assert "200/200 ETA 0s" in frames[-1]


def test_an_interrupted_suggest_says_what_it_kept(png_folder, capsys, monkeypatch):
    """A suggest job killed by the scheduler said only "finished batches are kept", and
    with --json {"error", "exit_code"}: not how many images were done or remain."""
    from llmvis_desktop import cli_suggest
    from llmvis_desktop.core.suggest import batch
    from llmvis_desktop.core.tasks import Progress

    def killed(project, captioner, labeler, *, progress, **kw):
        progress(Progress("suggest", 0, 1500, "loading models"))
        progress(Progress("suggest", 0, 1500, "suggesting"))
        progress(Progress("suggest", 1416, 1500, "40.0 images/s, ETA 2 s"))
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_suggest", killed)
    monkeypatch.setattr(cli_suggest, "_resolve", lambda spec, dirs: spec)
    argv = ["suggest", str(png_folder), "--captioner", "some/model", "--no-index"]
    assert main(["index", str(png_folder)]) == 0  # (--no-index refuses a folder never indexed)
    capsys.readouterr()
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "1,416 images' suggestions were stored, of the 1,500 images this run had to do (84 to go)" in err
    assert main([*argv, "--json"]) == 130
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["exit_code"] == 130 and out["images_done"] == 1416 and out["images_to_go"] == 84
    assert "1,416 images' suggestions were stored, of the 1,500" in out["error"]


def test_repair_train_from_a_missing_checkpoint_is_refused_before_indexing(tmp_path, capsys, monkeypatch):
    """`--from` with a typo was found only after the project was indexed and every training
    image read (minutes on a real dataset), or not at all when the images were too small."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import train as train_mod

    root = _project(tmp_path)
    indexed = []
    monkeypatch.setattr(Project, "index", lambda self, *a, **k: indexed.append(1))
    monkeypatch.setattr(train_mod, "data_from_project", lambda *a, **k: indexed.append(2) or 1 / 0)
    bad = tmp_path / "bas.safetensors"
    argv = ["repair", "train", str(root), "--from", str(bad), "--steps", "1", "--out", str(tmp_path / "h.safetensors")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"{bad}: no such checkpoint file" in err and "nothing was trained" in err
    assert not indexed and not (tmp_path / "h.safetensors").exists()
    bad.write_bytes(b"not a checkpoint at all")
    assert main(argv) == 1
    assert str(bad) in capsys.readouterr().err and not indexed


@pytest.mark.parametrize("argv", [["info", "{d}/nonexist"], ["labels", "list", "{d}/nonexist"],
                                  ["evaluate", "{d}/nonexist"], ["suggest", "{d}/nonexist", "--learned"]])
def test_json_error_is_the_bare_message_whatever_the_command(tmp_path, capsys, argv):
    """`.error` read "error: X: no such folder..." for info, "llmvis evaluate: X: ..." for
    evaluate, "llmvis suggest: ..." for suggest: the same failure, three strings."""
    code = main([a.format(d=tmp_path) for a in argv] + ["--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == out["exit_code"] == 1
    assert out["error"].startswith(f"{tmp_path}/nonexist: "), out


def test_json_usage_error_is_the_bare_message(png_folder, capsys):
    with pytest.raises(SystemExit):
        main(["index", str(png_folder), "--batch", "0", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["exit_code"] == 2 and out["error"].startswith("argument --batch: "), out


def test_export_to_dash_is_a_usage_error_not_a_file_named_dash(png_folder, tmp_path, capsys, monkeypatch):
    """`llmvis export X --format csv --out - | gzip` created ./- and piped the summary."""
    assert main(["index", str(png_folder), "-q"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["export", str(png_folder), "--format", "csv", "--out", "-"])
    captured = capsys.readouterr()
    assert exc.value.code == 2 and "--out -:" in captured.err and captured.out == ""
    assert not (tmp_path / "-").exists()


def test_the_checkpoint_card_records_the_command_as_given(tmp_path, capsys, monkeypatch):
    """`llmvis --debug repair train p1 ...` recorded "llmvis repair train train p1 ..." (it
    took sys.argv[3:]); from cli.main([...]) it recorded whatever sys.argv was."""
    from llmvis_desktop.core.repair import train as train_mod

    calls = []
    monkeypatch.setattr(train_mod, "train", _fake_train(calls))
    monkeypatch.setattr("sys.argv", ["pytest", "-q", "unrelated"])
    root = _project(tmp_path)
    out = tmp_path / "my ck.safetensors"
    argv = ["--debug", "repair", "train", str(root), "--from", "scratch", "--steps", "1", "--out", str(out)]
    assert main(argv) == 0
    assert calls[0]["card_extra"]["command"] == (f"llmvis --debug repair train {root} --from scratch --steps 1 "
                                                 f"--out '{out}'")


def _subparsers(parser, path=()):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _subparsers(sub, (*path, name))


def test_every_option_says_what_it_does_and_db_is_a_url():
    """`repair train --help` showed `--batch BATCH` with no text; --tile, --device,
    suggest --batch, export --split/--seed, repair apply --method/--dilate/--radius did not
    say their default; evaluate showed `--db DB`; info/labels list/models list --json had
    no text at all."""
    from llmvis_desktop.cli import build_parser

    bare, db = [], []
    for path, sub in _subparsers(build_parser()):
        for action in sub._actions:
            if action.option_strings and action.help is None:
                bare.append((" ".join(path), action.option_strings[-1]))
            if "--db" in action.option_strings and action.metavar != "URL":
                db.append(" ".join(path))
    assert not bare and not db, (bare, db)


@pytest.mark.parametrize("command,expected", [
    (["repair", "train"], ["(default 8)", "(default 64)", "(default auto", "--batch N", "--tile N"]),
    (["repair", "apply"], ["(default gan)", "(default 2)", "(default 5)"]),
    (["suggest"], ["(default 8)"]),
    (["export"], ["default 0.8,0.2)", "(default 0)"]),
    (["evaluate"], ["--db URL"]),
])
def test_help_states_the_defaults(capsys, command, expected):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for part in expected:
        assert part in text, (part, text)


def test_every_device_option_is_checked_before_any_work(tmp_path, capsys, monkeypatch):
    """`suggest --learned --device cuda:3` and `repair apply --method telea --device cuda:2`
    exited 0 on a machine without that GPU (the device was checked only where a model ran)."""
    from PIL import Image

    from llmvis_desktop.core.suggest import device as device_mod

    monkeypatch.setattr(device_mod, "available", lambda: ["cpu"])  # a machine with no GPU
    folder = tmp_path / "img"
    folder.mkdir()
    Image.fromarray(np.full((32, 32, 3), 120, np.uint8)).save(folder / "a.png")
    mask = np.zeros((32, 32), np.uint8)
    mask[10:14, 10:14] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    runs = (["suggest", str(folder), "--learned", "--device", "cuda:3"],
            ["repair", "apply", str(folder / "a.png"), "--mask", str(tmp_path / "m.png"), "--method", "telea",
             "--out", str(tmp_path / "out.png"), "--device", "cuda:2"],
            ["repair", "train", str(folder), "--steps", "1", "--out", str(tmp_path / "r.safetensors"),
             "--device", "cuda:1"])
    for argv in runs:
        capsys.readouterr()
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert "is not available here" in err and "found: cpu" in err and "Traceback" not in err
    assert not (folder / ".llmvis").exists() and not (tmp_path / "out.png").exists()
    assert not (tmp_path / "r.safetensors").exists()


def test_import_into_a_folder_with_no_project_writes_nothing(png_folder, tmp_path, capsys):
    """An import into a mistyped folder made an empty .llmvis/project.sqlite there (and
    then said none of the file's records named an image)."""
    sheet = tmp_path / "s.csv"
    sheet.write_text("file_name,caption\nimg0.png,a guess\n")
    assert main(["import", str(png_folder), "--format", "csv", str(sheet)]) == 1
    assert "no project here" in capsys.readouterr().err
    assert not (png_folder / ".llmvis").exists()
    assert main(["labels", "add", str(png_folder), "dent"]) == 0  # a project, never indexed
    capsys.readouterr()
    assert main(["import", str(png_folder), "--format", "csv", str(sheet)]) == 1
    assert f"{png_folder} is not indexed yet" in capsys.readouterr().err
