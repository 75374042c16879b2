"""The suggestion batch job on tiny random BLIP, CLIP and LLaVA models loaded like a user's.

Tiny random models produce gibberish: these tests check plumbing (provenance,
persistence, resume, cancel, out-of-memory recovery), never words.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    from . import procs, tiny_models
except ImportError:
    import procs
    import tiny_models

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest import ModelRefused, inspect_folder
from llmvis_desktop.core.suggest.batch import SuggestError, ask_image, run_suggest
from llmvis_desktop.core.tasks import Cancelled, CancelToken

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("scratch", "dent", "crack", "ok")


@pytest.fixture
def project(tmp_path, db_url):
    """On SQLite and on PostgreSQL (conftest.db_url)."""
    folder = tiny_models.image_folder(tmp_path / "images", 6)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    p = tiny_models.labelled_project(folder, LABELS, db_url)
    yield p
    p.close()


_all = tiny_models.all_suggestions


def test_batch_job_writes_suggestions_with_provenance(tiny, project, worker):
    blip, clip = inspect_folder(tiny["blip"]), inspect_folder(tiny["clip"])
    seen = []
    report = run_suggest(project, blip, clip, batch=4, top_k=2, min_score=0.0, worker=worker, progress=seen.append)
    assert report.images == 6 and report.device == "cpu"
    assert report.failed == []  # broken.png is indexed as an error: not a candidate
    # the rate leaves out loading the models (the first job on this worker loads them)
    assert 0 < report.load_seconds < report.seconds
    assert report.images_per_s == pytest.approx(6 / (report.seconds - report.load_seconds))
    shown = f"including {report.load_seconds:.1f} s loading the models"
    assert (shown in report.summary()) == (report.load_seconds >= 0.05)
    sugg = _all(project)
    caps = [s for s in sugg if s.kind == "caption"]
    labs = [s for s in sugg if s.kind == "label"]
    assert len(caps) == 6 and len(labs) == 12 and report.suggestions == 18
    for s in caps:
        assert s.model_id == str(tiny["blip"]) and s.model_revision == blip.revision
        assert s.prompt is None and s.outcome == "pending" and isinstance(s.value, str)
        assert 0.0 < s.score <= 1.0 and s.created_at is not None
        assert s.params["family"] == "blip" and s.params["device"] == "cpu" and s.params["dtype"] == "float32"
        assert s.params["max_new_tokens"] > 0 and s.params["decoding"] == "greedy"
    for s in labs:
        assert s.model_id == str(tiny["clip"]) and s.model_revision == clip.revision
        assert s.value in LABELS and 0.0 <= s.score <= 1.0
        assert s.prompt == "a photo of a {label} defect" and s.params["scoring"] == "softmax"
    one = [s for s in labs if s.image_id == labs[0].image_id]
    assert sorted(s.params["rank"] for s in one) == [1, 2] and one[0].score >= one[1].score
    # the image shows as suggested, the history names the model
    rec = project.image(caps[0].image_id)
    assert rec.review_status == "suggested"
    assert any(e.actor == f"model:{tiny['blip']}" and e.action == "suggest" for e in project.history(rec.id))
    assert seen[-1].done == seen[-1].total == 6 and seen[-1].message == "suggesting"
    # no rate or ETA of the job's own in its messages: the window and the CLI count theirs
    # from the same progress, and the Jobs panel showed two ETAs on one line
    assert not any("ETA" in p.message or "/s" in p.message for p in seen)
    # a second run finds nothing left: resumable by model id + revision + kind
    again = run_suggest(project, blip, clip, batch=4, worker=worker)
    assert again.images == 0 and again.suggestions == 0 and again.skipped == 6


def test_reviewed_annotation_is_never_overwritten(tiny, project, worker):
    image_id = project.image_by_path("img000.png").id
    project.set_caption(image_id, "a reviewed caption", "alice")
    project.set_labels(image_id, ["dent"], "alice")
    project.set_status(image_id, "reviewed", "alice")
    run_suggest(project, inspect_folder(tiny["blip"]), inspect_folder(tiny["clip"]), worker=worker)
    rec = project.image(image_id)
    assert rec.caption == "a reviewed caption" and rec.labels == ("dent",) and rec.review_status == "reviewed"
    assert {s.kind for s in project.suggestions(image_id)} == {"caption", "label"}


def test_chat_model_captions_and_answers(tiny, project, worker):
    llava = inspect_folder(tiny["llava"])
    r1 = run_suggest(project, llava, None, batch=3, max_new_tokens=4, worker=worker)
    r2 = run_suggest(project, llava, None, batch=3, max_new_tokens=4, question="what is there?", worker=worker)
    assert r1.suggestions == r2.suggestions == 6
    sugg = _all(project)
    caps = [s for s in sugg if s.kind == "caption"]
    answers = [s for s in sugg if s.kind == "answer"]
    assert len(caps) == 6 and caps[0].prompt == "Describe this image in one sentence."
    assert len(answers) == 6 and {a.prompt for a in answers} == {"what is there?"}
    assert all(a.model_revision == llava.revision and a.params["family"] == "llava" for a in answers)
    one = ask_image(project, answers[0].image_id, llava, "is there a dent?", worker=worker, max_new_tokens=3)
    assert one.kind == "answer" and one.prompt == "is there a dent?" and one.id
    with pytest.raises(ModelRefused, match="cannot answer"):
        run_suggest(project, inspect_folder(tiny["blip"]), None, question="why?", worker=worker)


def test_cancel_mid_batch_keeps_finished_batches_and_resumes(tiny, project, worker):
    blip = inspect_folder(tiny["blip"])
    token = CancelToken()

    def progress(p):
        if p.done >= 2:
            token.cancel()

    with pytest.raises(Cancelled):
        run_suggest(project, blip, None, batch=2, worker=worker, token=token, progress=progress)
    # the batch already queued to the model thread may finish: it is kept, nothing after it runs
    kept = len(_all(project))
    assert kept in (2, 4)
    rest = run_suggest(project, blip, None, batch=2, worker=worker)
    assert rest.images == 6 - kept and rest.skipped == kept
    caps = _all(project)
    assert len(caps) == 6 and len({s.image_id for s in caps}) == 6


def test_out_of_memory_halves_the_batch_then_falls_back_to_cpu(tiny, monkeypatch):
    import torch

    from llmvis_desktop.core.suggest import registry
    from llmvis_desktop.core.suggest.engines import Captioner

    eng = Captioner(inspect_folder(tiny["blip"]), "cpu")
    sizes = []
    real = registry.BlipFamily.run

    def flaky(self, loaded, images, **kw):
        sizes.append(len(images))
        if len(images) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(self, loaded, images, **kw)

    monkeypatch.setattr(registry.BlipFamily, "run", flaky)
    from PIL import Image

    imgs = [Image.new("RGB", (32, 32), (i * 40, 0, 0)) for i in range(8)]
    out = eng.caption(imgs, batch=8, max_new_tokens=3)
    assert len(out) == 8 and sizes[:3] == [8, 4, 2] and eng.batch_size == 2
    assert any("batch size now 4" in m for m in eng.messages)
    # the next batches of the job start at the size that fitted (each began again at 8
    # and ran out of memory twice more)
    sizes.clear()
    eng.caption(imgs, batch=8, max_new_tokens=3)
    assert sizes == [2, 2, 2, 2]

    # the CPU allocator's own words are out of memory too (the job stopped on them)
    from llmvis_desktop.core.suggest.engines import is_oom

    assert is_oom(RuntimeError("[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: "
                               "can't allocate memory: you tried to allocate 80000000000000 bytes"))
    assert not is_oom(RuntimeError("size mismatch for weight"))

    # pretend the model is on a GPU that cannot take even one image: it moves to the CPU
    eng.device = eng.loaded.device = "cuda"

    def gpu_oom(self, loaded, images, **kw):
        if loaded.device != "cpu":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real(self, loaded, images, **kw)

    monkeypatch.setattr(registry.BlipFamily, "run", gpu_oom)
    out = eng.caption(imgs[:2], batch=2, max_new_tokens=3)
    assert len(out) == 2 and eng.device == "cpu" and eng.loaded.device == "cpu"
    assert any("continuing on the CPU" in m for m in eng.messages)


def test_labeler_needs_a_taxonomy(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "imgs", 1)
    with Project.open(folder) as p:
        p.index()
        with pytest.raises(SuggestError, match="no labels"):
            run_suggest(p, None, inspect_folder(tiny["clip"]), worker=worker)
        with pytest.raises(ModelRefused, match="not a captioner"):
            run_suggest(p, inspect_folder(tiny["clip"]), None, worker=worker)
        # a captioner beside it still runs (a labeler picked before labels were made
        # blocked the captioner too), and the report says the labeler did not
        rep = run_suggest(p, inspect_folder(tiny["blip"]), inspect_folder(tiny["clip"]), worker=worker,
                          max_new_tokens=3)
        assert rep.images == 1 and {s.kind for s in _all(p)} == {"caption"}
        assert any("the labeler did not run" in m for m in rep.messages)
        # a model that did not run is a failure (warning, exit code 1), as the one-label refusal
        assert "no labels" in rep.model_failures["label"]


def test_a_missing_model_folder_is_that_models_failure(tiny, project, worker, tmp_path, capsys):
    """The project's captioner folder deleted: nothing was stored (the labeler never ran), in
    the GUI and in `llmvis suggest`; now the captioner is a one-line failure naming it."""
    from llmvis_desktop.cli_suggest import main

    gone = str(tmp_path / "deleted-blip")
    rep = run_suggest(project, gone, str(tiny["clip"]), worker=worker, device="cpu")
    assert {s.kind for s in _all(project)} == {"label"} and rep.suggestions > 0
    assert "deleted-blip: no such model folder" in rep.model_failures["caption"]
    assert "label" not in rep.model_failures
    with pytest.raises(ModelRefused, match="no such model folder"):  # alone: the job cannot run
        run_suggest(project, gone, None, worker=worker)

    db = [] if project.store.dialect == "sqlite" else ["--db", project.db_url]
    project.set_setting("captioner", gone)
    project.set_setting("labeler", str(tiny["clip"]))
    assert main(["suggest", str(project.root), *db, "--all", "--device", "cpu", "--no-index"]) == 1
    err = capsys.readouterr().err
    assert "warning: the captioner did not run:" in err and "deleted-blip" in err


def test_suggest_refuses_a_folder_with_no_image_and_a_prompt_beside_a_question(tiny, tmp_path, capsys):
    """--path-prefix naming no folder ran on nothing and said it was done; --prompt with
    --ask was dropped without a word."""
    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--path-prefix", "nosuch"]) == 1
    assert "--path-prefix nosuch: no image" in capsys.readouterr().err
    assert main(["suggest", str(folder), "--captioner", str(tiny["llava"]), "--prompt", "a", "--ask", "b?"]) == 1
    assert "do not go together" in capsys.readouterr().err


def test_path_prefix_may_be_the_folders_full_path(tiny, tmp_path, capsys):
    """A full path inside the project was refused ("no image ... is in that folder"): the
    index names folders relative to the project."""
    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "imgs" / "line2", 2).parent
    tiny_models.image_folder(folder / "line1", 3)
    args = ["suggest", str(folder), "--captioner", str(tiny["blip"]), "--read-processes", "0", "--json"]
    assert main([*args, "--path-prefix", str(folder / "line2")]) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == 2
    assert main([*args, "--path-prefix", "./line1/"]) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == 3
    assert main([*args, "--path-prefix", str(tmp_path)]) == 1
    assert "not inside the project folder" in capsys.readouterr().err


_SLOW_CLI = """
import sys, time
from llmvis_desktop.core.suggest import registry
real = registry.BlipFamily.run
def slow(self, *a, **k):
    time.sleep(0.25)
    return real(self, *a, **k)
registry.BlipFamily.run = slow
from llmvis_desktop.cli_suggest import main
sys.exit(main(sys.argv[1:]))
"""


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("select count(*) from suggestions").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_resume_after_sigkill(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "imgs", 16)
    db = tmp_path / "p.sqlite"
    url = f"sqlite:///{db}"
    with Project.open(folder, url) as p:
        p.index()
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_CLI, "suggest", str(folder), "--db", url,
         "--captioner", str(tiny["blip"]), "--batch", "2", "--device", "cpu", "--read-processes", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        deadline = time.monotonic() + 120
        while _count(db) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        helpers = procs.children(proc.pid)  # the job's reader processes
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    if sys.platform.startswith("linux"):  # /proc: the killed job's reader processes exit too
        assert helpers, "the job should read with helper processes here"
        deadline = time.monotonic() + 10
        while any(procs.alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(procs.alive(pid) for pid in helpers)
    killed_at = _count(db)
    assert 2 <= killed_at < 16 and killed_at % 2 == 0  # whole batches only
    with Project.open(folder, url) as p:
        report = run_suggest(p, inspect_folder(tiny["blip"]), None, batch=4, worker=worker)
        assert report.skipped == killed_at and report.images == 16 - killed_at
        caps = _all(p)
        assert len(caps) == 16 and len({s.image_id for s in caps}) == 16


def test_git_captioner_through_the_registry(tiny, project, worker):
    git = inspect_folder(tiny["git"])
    assert (git.family, git.kind) == ("git", "captioner")
    report = run_suggest(project, git, None, batch=4, max_new_tokens=4, prompt="ignored", worker=worker)
    caps = _all(project)
    assert report.suggestions == len(caps) == 6
    assert all(c.prompt is None and c.params["family"] == "git" for c in caps)  # GIT takes no prompt


def test_model_thread_loads_once_and_unloads(tiny):
    import threading

    from llmvis_desktop.core.suggest.worker import ModelWorker

    blip = inspect_folder(tiny["blip"])
    with ModelWorker() as w:
        a = w.engine(blip, "caption", "cpu")
        assert w.engine(blip, "caption", "cpu") is a
        assert w.call(threading.current_thread).name == "llmvis-models"
        assert w.loaded() == [(blip.path, "caption", "cpu")]
        w.unload(blip.path)
        assert a.loaded is None and w.loaded() == []
        with pytest.raises(ValueError):
            w.call(lambda: (_ for _ in ()).throw(ValueError("boom")))  # errors reach the caller


def test_a_chat_model_is_loaded_once_for_captions_and_answers(tiny):
    """Captions then a question with the same chat model loaded a second copy of its weights."""
    from llmvis_desktop.core.suggest.worker import ModelWorker

    llava, blip = inspect_folder(tiny["llava"]), inspect_folder(tiny["blip"])
    with ModelWorker() as w:
        cap = w.engine(llava, "caption", "cpu")
        assert w.engine(llava, "answer", "cpu") is cap and w.loaded() == [(llava.path, "chat", "cpu")]
        assert cap.caption and cap.answer  # both jobs' calls on the one model
        w.engine(blip, "caption", "cpu")
        w.unload_unused([str(tiny["blip"])]).result()
        assert cap.loaded is None and w.loaded() == [(blip.path, "caption", "cpu")]
        w.unload_unused([]).result()
        assert w.loaded() == []


def test_cli_suggest_uses_project_choices_and_resumes(tiny, project, capsys):
    import json

    from llmvis_desktop.cli_suggest import main

    folder = str(project.root)
    db = [] if project.store.dialect == "sqlite" else ["--db", project.db_url]
    project.set_setting("captioner", str(tiny["blip"]))
    project.set_setting("labeler", str(tiny["clip"]))
    assert main(["suggest", folder, *db, "--json", "--device", "cpu", "--batch", "4", "--limit", "4",
                 "--actor", "dr_alice"]) == 0
    rep = json.loads(capsys.readouterr().out)["models"]
    assert rep["images"] == 4 and rep["suggestions"] >= 8 and rep["device"] == "cpu"
    # who started the job stays with what it proposed (the history's actor is the model)
    assert {s.params.get("started_by") for s in _all(project)} == {"dr_alice"}
    assert rep["models"]["caption"].startswith(str(tiny["blip"]) + "@")
    assert main(["suggest", folder, *db, "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "for 2 images" in out and "4 already done" in out


def test_siglip_labeler_scores_with_sigmoid(tiny, project, worker):
    siglip = inspect_folder(tiny["siglip"])
    assert (siglip.family, siglip.kind) == ("siglip", "labeler")
    run_suggest(project, None, siglip, batch=4, top_k=4, min_score=0.0, label_template="{label}", worker=worker)
    labs = _all(project)
    assert len(labs) == 6 * len(LABELS)
    assert all(s.params["scoring"] == "sigmoid" and s.prompt == "{label}" for s in labs)
    per_image = {}
    for s in labs:
        per_image.setdefault(s.image_id, []).append(s.score)
    assert all(abs(sum(v) - 1.0) > 1e-3 for v in per_image.values())  # independent, not a softmax


def test_siglip2_labeler_gets_its_patch_mask_and_spatial_shapes(tiny, project, worker):
    """Every SigLIP2 job failed: only pixel_values reached get_image_features."""
    info = inspect_folder(tiny["siglip2"])
    assert (info.family, info.kind) == ("siglip", "labeler") and info.problem is None
    rep = run_suggest(project, None, info, batch=4, top_k=4, min_score=0.0, worker=worker)
    labs = _all(project)
    assert rep.suggestions == len(labs) == 6 * len(LABELS) and rep.model_failures == {}
    assert all(s.params["scoring"] == "sigmoid" and 0.0 <= s.score <= 1.0 for s in labs)


def test_idefics3_chat_model_batches_mixed_sizes(tiny, project, worker):
    info = inspect_folder(tiny["idefics3"])
    assert (info.family, info.kind) == ("idefics3", "chat")
    report = run_suggest(project, info, None, batch=3, max_new_tokens=3, question="what is there?", worker=worker)
    answers = _all(project)
    assert report.suggestions == len(answers) == 6 and {a.kind for a in answers} == {"answer"}
    assert all(a.params["family"] == "idefics3" for a in answers)


def test_qwen2_vl_without_a_video_processor(tiny, project, worker):
    info = inspect_folder(tiny["qwen2_vl"])
    assert (info.family, info.kind) == ("qwen2_vl", "chat")
    report = run_suggest(project, info, None, batch=3, max_new_tokens=3, max_side=64, worker=worker)
    caps = _all(project)
    assert report.suggestions == len(caps) == 6
    assert all(c.kind == "caption" and c.params["family"] == "qwen2_vl" for c in caps)


def test_smolvlm2_without_torchvision_answers_with_an_image_only_processor(tiny, project, worker):
    """SmolVLM2's processor needs a video processor (torchvision): every job failed to load."""
    info = inspect_folder(tiny["smolvlm2"])
    assert (info.family, info.kind, info.problem) == ("idefics3", "chat", None)
    report = run_suggest(project, info, None, batch=3, max_new_tokens=3, question="what is there?", worker=worker)
    answers = _all(project)
    assert report.model_failures == {} and report.suggestions + report.no_text == 6 and report.suggestions
    assert report.suggestions == len(answers) and {a.kind for a in answers} <= {"answer"}


def test_native_florence2_with_a_task_prompt(tiny, project, worker):
    info = inspect_folder(tiny["florence2"])
    assert (info.family, info.kind, info.needs_remote_code) == ("florence2", "captioner", False)
    report = run_suggest(project, info, None, batch=4, max_new_tokens=3, prompt="<DETAILED_CAPTION>", worker=worker)
    caps = _all(project)
    assert report.suggestions == len(caps) == 6 and {c.prompt for c in caps} == {"<DETAILED_CAPTION>"}


def test_large_jpegs_are_decoded_at_reduced_scale_for_the_model(project, monkeypatch):
    """A 12-megapixel photo is shrunk to max_side anyway: JPEG DCT scaling decodes it at 1/2-1/8."""
    import numpy as np
    from PIL import Image, JpegImagePlugin

    from llmvis_desktop.core.suggest.batch import load_pil

    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (3000, 4000, 3), dtype=np.uint8)).save(project.root / "photo.jpg")
    project.index()
    rec = next(r for r in project.images(project.image_ids()) if r.relpath == "photo.jpg")
    asked = []
    real = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        got = real(self, mode, size)
        asked.append((size, self.size))
        return got

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    im = load_pil(project, rec, max_side=512)
    assert asked[0] == ((512, 512), (1000, 750))  # decoded at 1/4, not 4000x3000
    # (then thumbnail() asks the decoded image again: a no-op once it is loaded)
    assert all(size == (1000, 750) for _, size in asked[1:])
    assert im.size == (512, 384)


def test_the_job_decodes_no_larger_than_its_models_take(tiny, project, worker, monkeypatch):
    import numpy as np
    from PIL import Image, JpegImagePlugin

    from llmvis_desktop.core.suggest.registry import input_side

    Image.fromarray(np.random.default_rng(1).integers(0, 255, (3000, 4000, 3), dtype=np.uint8)).save(
        project.root / "photo.jpg")
    project.index()
    blip, clip = inspect_folder(tiny["blip"]), inspect_folder(tiny["clip"])
    assert input_side(worker.engine(blip, "caption", "cpu").loaded) == 32  # the tiny models take 32x32
    asked = []
    real = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        asked.append(size)
        return real(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    # read on the job's thread, where the spy sees it (helper processes get the same
    # draft size: test_suggest_reading.py)
    rep = run_suggest(project, blip, clip, batch=4, worker=worker, max_new_tokens=3, read_processes=0)
    assert rep.images == 7 and asked == [(32, 32)]


def test_reader_processes_give_the_same_suggestions_as_the_reader_thread(tiny, project, worker):
    blip = inspect_folder(tiny["blip"])
    by_thread = run_suggest(project, blip, None, batch=4, worker=worker, max_new_tokens=4, read_processes=0)
    first = {s.id: s for s in _all(project)}
    for s in first.values():  # decided: the second run's identical captions are stored, to compare
        project.decide_suggestion(s.id, "rejected", "tester")
    by_helpers = run_suggest(project, blip, None, batch=4, worker=worker, max_new_tokens=4, read_processes=2,
                             only_unsuggested=False)
    second = [s for s in _all(project) if s.id not in first]
    assert by_thread.images == by_helpers.images == 6
    assert by_thread.failed == by_helpers.failed  # the broken file, named the same way
    a = {s.image_id: (s.value, s.score) for s in first.values()}
    b = {s.image_id: (s.value, s.score) for s in second}
    assert a.keys() == b.keys() and len(a) == 6
    for image_id, (text, score) in a.items():
        assert b[image_id][0] == text and abs(b[image_id][1] - score) < 1e-6


def test_cli_suggest_indexes_the_folder_first(tiny, tmp_path, capsys):
    """``llmvis suggest FOLDER`` on a folder never indexed (or with files added since)
    covers its images; it used to report 0 images and do nothing."""
    import json

    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "images", 5)
    args = ["suggest", str(folder), "--captioner", str(tiny["blip"]), "--device", "cpu", "--json"]
    assert main(args + ["--no-index"]) == 1  # asked not to: refused, nothing made (test_h2_no_index_unindexed)
    assert "no project here" in capsys.readouterr().err and not (folder / ".llmvis").exists()
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["indexed"]["added"] == 5 and out["models"]["images"] == 5
    tiny_models.image_folder(tmp_path / "images" / "more", 2)  # files added later
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["indexed"]["added"] == 2 and out["models"]["images"] == 2 and out["models"]["skipped"] == 5


def test_a_new_question_is_new_work_and_the_same_one_is_skipped(tiny, project, worker):
    """Done means the same model, revision, kind and prompt: images answered for one
    question were skipped for every other question."""
    llava = inspect_folder(tiny["llava"])
    first = run_suggest(project, llava, None, batch=3, max_new_tokens=3, question="is there a defect?",
                        limit=2, worker=worker)
    assert first.images == 2
    other = run_suggest(project, llava, None, batch=3, max_new_tokens=3, question="what colour is it?",
                        worker=worker)
    assert other.images == 6 and other.skipped == 0
    again = run_suggest(project, llava, None, batch=3, max_new_tokens=3, question="is there a defect?",
                        worker=worker)
    assert again.images == 4 and again.skipped == 2
    answers = [s for s in _all(project) if s.kind == "answer"]
    assert sorted(a.prompt for a in answers).count("is there a defect?") == 6


def test_a_changed_file_is_suggested_for_again(tiny, project, worker):
    """A suggestion made before the indexer saw the file change was for the old content."""
    from PIL import Image

    blip = inspect_folder(tiny["blip"])
    assert run_suggest(project, blip, None, batch=4, max_new_tokens=3, worker=worker).images == 6
    rec = next(r for r in project.images(project.image_ids()) if r.status not in ("error", "missing"))
    path = project.path_of(rec)
    Image.new("RGB", (40, 30), (200, 10, 10)).save(path)  # new content: size and mtime move
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert project.index().changed == 1
    again = run_suggest(project, blip, None, batch=4, max_new_tokens=3, worker=worker)
    assert again.images == 1 and again.skipped == 5
    caps = [s for s in project.suggestions(rec.id) if s.kind == "caption"]
    assert len(caps) == 2  # the old one stays, with its history; a new one for the new content
    assert run_suggest(project, blip, None, batch=4, max_new_tokens=3, worker=worker).images == 0


def test_two_jobs_at_once_store_each_suggestion_once(tiny, project, worker, monkeypatch):
    """Two jobs started together both see nothing done; the second to commit stores
    nothing again (checked with the images locked) and says so."""
    from llmvis_desktop.core.suggest import batch

    blip = inspect_folder(tiny["blip"])
    assert run_suggest(project, blip, None, batch=4, max_new_tokens=3, worker=worker).suggestions == 6
    monkeypatch.setattr(batch, "done_image_ids", lambda *a, **k: set())  # as the second job saw it
    late = run_suggest(project, blip, None, batch=4, max_new_tokens=3, worker=worker)
    assert late.images == 6 and late.suggestions == 0
    assert any("already stored by another job" in m for m in late.messages)
    assert len([s for s in _all(project) if s.kind == "caption"]) == 6
    # asked for again (--all): a caption identical to one still pending is not stored twice
    # (it made a duplicate card); after a decision, the same caption is new again
    caps = [s for s in _all(project) if s.kind == "caption"]
    project.decide_suggestion(caps[0].id, "rejected", "tester")
    redo = run_suggest(project, blip, None, batch=4, max_new_tokens=3, worker=worker, only_unsuggested=False)
    assert redo.images == 6 and redo.suggestions == 1
    assert any("5 suggestions were the same as cards still pending: kept" in m for m in redo.messages)
    pending = [s for s in _all(project) if s.kind == "caption" and s.outcome == "pending"]
    assert len(pending) == 6 and len({s.image_id for s in pending}) == 6


@pytest.mark.parametrize("option, value", [("--batch", "0"), ("--limit", "-5"), ("--read-processes", "-4"),
                                           ("--batch", "eight")])
def test_cli_suggest_bad_numbers_are_usage_errors(tmp_path, capsys, option, value):
    """Exit 2 with argparse's message naming the option; --limit -5 did nothing and
    exited 0, --read-processes -4 was taken as 0, --batch 0 exited 1."""
    from llmvis_desktop.cli import main

    folder = tiny_models.image_folder(tmp_path / "images", 1)
    with pytest.raises(SystemExit) as exc:
        main(["suggest", str(folder), "--captioner", "unused", option, value])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_cli_learned_not_ready_beside_a_model_is_a_warning(tiny, tmp_path, capsys):
    """The model's suggestions are stored and reported; the learned suggester says what
    it needs. It used to exit 1 with only the learned message, after storing them."""
    import json

    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "images", 3)
    tiny_models.labelled_project(folder, LABELS).close()
    rc = main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--learned", "--device", "cpu", "--json"])
    captured = capsys.readouterr()
    assert rc == 0
    out = json.loads(captured.out)
    assert out["models"]["suggestions"] == 3
    assert out["learned"]["ran"] is False and "needs" in out["learned"]["messages"][0]
    assert "warning: learned suggester: needs" in captured.err


def test_path_prefix_is_a_folder(tmp_path):
    from PIL import Image

    from llmvis_desktop.core.store.records import ImageFilter

    for sub in ("cam1", "cam10", "cam1/deep", "cam_1"):
        (tmp_path / "f" / sub).mkdir(parents=True, exist_ok=True)
        Image.new("L", (4, 4)).save(tmp_path / "f" / sub / "x.png")
    with Project.open(tmp_path / "f") as p:
        p.index()

        def names(prefix):
            return sorted(r.relpath for r in p.images(p.image_ids(ImageFilter(path_prefix=prefix))))

        assert names("cam1") == names("./cam1/") == names("cam1\\") == ["cam1/deep/x.png", "cam1/x.png"]
        assert names("cam_1") == ["cam_1/x.png"]  # "_" is a character, not a LIKE wildcard
        assert names("cam") == [] and len(names(".")) == 4


def test_a_prompt_that_cannot_be_used_is_reported(tiny, project, worker):
    """A prompt given to a model that takes none, or with only a labeler, was dropped
    without a word."""
    git = inspect_folder(tiny["git"])
    rep = run_suggest(project, git, None, batch=4, max_new_tokens=3, prompt="describe the defect", limit=1,
                      worker=worker)
    assert rep.images == 1 and any("takes no prompt" in m for m in rep.messages)
    assert rep.summary().startswith("1 suggestion for 1 image in ")
    clip = inspect_folder(tiny["clip"])
    rep = run_suggest(project, None, clip, batch=4, prompt="describe the defect", limit=1, worker=worker)
    assert any("applies to captioners only" in m for m in rep.messages)


def test_an_empty_question_is_refused(tiny, project, worker):
    """--ask "" ran a caption job and stored captions."""
    llava = inspect_folder(tiny["llava"])
    for empty in ("", "   "):
        with pytest.raises(SuggestError, match="question is empty"):
            run_suggest(project, llava, None, question=empty, worker=worker)
    assert not _all(project)


def _noise_pngs(folder: Path, sizes) -> Path:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    for i, (w, h) in enumerate(sizes):
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(folder / f"n{i}.png")
    return folder


def test_readers_resize_as_the_processor_would_leaving_its_output_unchanged(tiny, worker, tmp_path):
    """BLIP resizes to one size, CLIP its short side (then crops): the readers do that resize
    in its place, and the processor's output is the same, bit for bit, as for the full image.
    A family that sizes images itself (Qwen2-VL) is left to do it."""
    import torch
    from PIL import Image

    from llmvis_desktop.core.suggest.reading import model_image
    from llmvis_desktop.core.suggest.registry import image_processor
    from llmvis_desktop.core.suggest.resize import _resizes_alike, reader_resize

    folder = _noise_pngs(tmp_path / "n", [(300, 200), (90, 160), (33, 40)])
    want = {"blip": ("size", 32, 32, int(Image.BICUBIC)), "clip": ("shortest", 32, 0, int(Image.BICUBIC))}
    for name, role in (("blip", "caption"), ("clip", "label")):
        loaded = worker.engine(inspect_folder(tiny[name]), role, "cpu").loaded
        spec = worker.call(reader_resize, loaded)
        assert spec == want[name]
        ip = image_processor(loaded)
        for path in sorted(folder.iterdir()):
            small = model_image(str(path), resize=spec)
            full = model_image(str(path))
            assert max(small.size) < max(full.size) or small.size == full.size  # 33x40 is enlarged by the processor
            a = ip(images=[full], return_tensors="pt")["pixel_values"]
            b = ip(images=[small], return_tensors="pt")["pixel_values"]
            assert torch.equal(a, b), (name, path.name)
        # a resize the processor does not do is found out by the probe
        assert not worker.call(_resizes_alike, loaded, (*spec[:3], int(Image.NEAREST)))
    qwen = worker.engine(inspect_folder(tiny["qwen2_vl"]), "caption", "cpu").loaded
    assert worker.call(reader_resize, qwen) is None


def test_a_processor_that_fails_the_probe_resizes_for_itself(tiny, worker):
    from dataclasses import replace

    from llmvis_desktop.core.suggest.resize import reader_resize

    loaded = worker.engine(inspect_folder(tiny["blip"]), "caption", "cpu").loaded

    class Refusing:
        def __init__(self, real):
            self._real = real

        def __getattr__(self, name):
            return getattr(self._real, name)

        def __call__(self, *a, **k):
            raise ValueError("this processor takes no probe")

    broken = replace(loaded, processor=Refusing(loaded.processor.image_processor), cache={})
    assert reader_resize(broken) is None


def test_the_model_gets_what_its_processor_makes_of_the_full_images(tiny, worker, tmp_path, monkeypatch):
    """The readers resize the images first, exactly as the processor would: the pixels the
    model gets in the job are those the processor makes of the full-size images."""
    import torch

    from llmvis_desktop.core.suggest import registry
    from llmvis_desktop.core.suggest.batch import load_pil

    folder = _noise_pngs(tmp_path / "big", [(320, 240), (240, 320), (400, 130), (300, 300)])
    project = tiny_models.labelled_project(folder, LABELS)
    seen = []
    real = registry.generate_scored

    def spy(loaded, inputs, max_new_tokens):
        seen.append(inputs["pixel_values"].clone())
        return real(loaded, inputs, max_new_tokens)

    monkeypatch.setattr(registry, "generate_scored", spy)
    try:
        blip = inspect_folder(tiny["blip"])
        ip = worker.engine(blip, "caption", "cpu").loaded.processor
        for processes in (0, 2):  # the reader thread, and reader processes
            seen.clear()
            rep = run_suggest(project, blip, None, batch=2, worker=worker, max_new_tokens=3,
                              read_processes=processes, only_unsuggested=False)
            assert rep.images == 4 and len(seen) == 2
            recs = sorted(project.images(project.image_ids()), key=lambda r: r.relpath)
            want = ip(images=[load_pil(project, r) for r in recs], return_tensors="pt")["pixel_values"]
            assert torch.equal(torch.cat(seen), want)
    finally:
        project.close()


def test_ask_the_image_about_the_frame_and_window_shown(tiny, worker, tmp_path, monkeypatch):
    """Viewing frame 12 of a multi-frame DICOM through a chosen window, the question was
    answered about frame 0 through the file's window, and the answer did not say which."""
    import shutil

    import numpy as np
    from pydicom.data import get_testdata_file

    from llmvis_desktop.core.imaging.reader import read_image
    from llmvis_desktop.core.suggest import ask as ask_mod  # ask_image lives there (batch re-exports it)

    folder = tmp_path / "series"
    folder.mkdir()
    shutil.copyfile(get_testdata_file("rtdose.dcm", download=False), folder / "dose.dcm")
    project = tiny_models.labelled_project(folder, LABELS)
    try:
        image_id = project.image_ids()[0]
        seen = []
        real = ask_mod.model_image

        def spy(*a, **k):
            im = real(*a, **k)
            seen.append(np.asarray(im))
            return im

        monkeypatch.setattr(ask_mod, "model_image", spy)
        llava = inspect_folder(tiny["llava"])
        got = ask_image(project, image_id, llava, "is it hot?", worker=worker, max_new_tokens=2,
                        frame=12, window=(1_000_000.0, 100_000.0))
        assert got.params["frame"] == 12 and got.params["window"] == [1_000_000.0, 100_000.0]
        want = read_image(folder / "dose.dcm", frame=12, window=(1_000_000.0, 100_000.0)).display
        assert np.array_equal(seen[0][..., 0], want)  # gray, as RGB
        plain = ask_image(project, image_id, llava, "and now?", worker=worker, max_new_tokens=2)
        assert "frame" not in plain.params and "window" not in plain.params
    finally:
        project.close()


def test_a_label_added_to_the_taxonomy_gets_the_labeler_to_score_again(tiny, project, worker):
    """The labeler scores a label set (softmax over it): after a label joined, a job over
    the images not yet suggested skipped every one and never offered the new label. A
    re-scored image's cards take the place of the old ones: the same label stays as one
    card with its new score, a label no longer ranked is withdrawn."""
    clip = inspect_folder(tiny["clip"])
    first = run_suggest(project, None, clip, batch=4, top_k=10, min_score=0.0, worker=worker)
    assert first.images == 6 and len(_all(project)) == 6 * len(LABELS)
    assert run_suggest(project, None, clip, batch=4, top_k=10, min_score=0.0, worker=worker).images == 0

    time.sleep(0.01)
    project.add_label("hole")
    again = run_suggest(project, None, clip, batch=4, top_k=10, min_score=0.0, worker=worker)
    assert again.images == 6
    pending = [s for s in _all(project) if s.outcome == "pending"]
    assert len(pending) == 6 * (len(LABELS) + 1)
    per_image: dict[int, list] = {}
    for s in pending:
        per_image.setdefault(s.image_id, []).append(s)
    for cards in per_image.values():
        assert sorted(c.value for c in cards) == sorted((*LABELS, "hole"))  # one card per label
        assert sum(c.score for c in cards) == pytest.approx(1.0, abs=1e-5)  # all from the new scoring
        assert {c.params["taxonomy_size"] for c in cards} == {len(LABELS) + 1}
    # and counted as done: the cards kept from before the label was added are of the new scoring
    assert run_suggest(project, None, clip, batch=4, top_k=10, min_score=0.0, worker=worker).images == 0
    time.sleep(0.01)
    project.add_label("owl")  # every label card scored again and kept: said so, not "another job"
    rescored = run_suggest(project, None, clip, batch=4, top_k=10, min_score=0.0, worker=worker)
    assert not any("another job" in m for m in rescored.messages), rescored.messages
    assert any("the same as cards still pending: kept, with the new score" in m for m in rescored.messages)
    time.sleep(0.01)
    project.add_label("bird")  # ranks nowhere in a top 1: nothing new is stored, the kept card is renewed
    run_suggest(project, None, clip, batch=4, top_k=1, min_score=0.99, worker=worker)
    assert run_suggest(project, None, clip, batch=4, top_k=1, min_score=0.99, worker=worker).images == 0

    # scored again keeping only the best label: the others are withdrawn, with an event each
    rows = _all(project)
    image_id = rows[0].image_id
    mine = [s for s in rows if s.image_id == image_id]
    (best,) = [s for s in mine if s.outcome == "pending"]
    withdrawn = {s.id for s in mine if s.outcome == "withdrawn"}
    assert {s.value for s in mine if s.outcome == "withdrawn"} == {*LABELS, "hole", "owl"} - {best.value}
    events = [e for e in project.history(image_id) if e.action == "withdraw"]
    assert {e.suggestion_id for e in events} == withdrawn


def test_a_refused_or_unloadable_labeler_does_not_stop_the_captioner(tiny, project, worker, tmp_path, capsys):
    """One broken model ended the whole job with one error, nothing stored for the other."""
    import shutil

    from llmvis_desktop.cli_suggest import main

    blip = inspect_folder(tiny["blip"])
    rep = run_suggest(project, blip, inspect_folder(tiny["refused_unknown"]), worker=worker, max_new_tokens=3)
    assert {s.kind for s in _all(project)} == {"caption"} and rep.suggestions == 6
    assert list(rep.model_failures) == ["label"] and "caption" in rep.models and "label" not in rep.models
    line = rep.model_failures["label"]
    assert line.startswith("the labeler did not run: ") and str(tiny["refused_unknown"]) in line
    assert line in rep.messages and "1 model failed (the labeler)" in rep.summary()
    assert rep.as_dict()["model_failures"] == {"label": line}
    # fails to load (no image processor file): the captioner still runs
    noproc = tmp_path / "clip-no-processor"
    shutil.copytree(tiny["clip"], noproc)
    for f in noproc.glob("*"):
        if "processor" in f.name:
            f.unlink()
    rep = run_suggest(project, blip, inspect_folder(noproc), worker=worker, max_new_tokens=3, only_unsuggested=False)
    assert rep.images == 6 and list(rep.model_failures) == ["label"]  # (the same captions: renewed)
    # (refused before it loads now, as the model list says: it was "cannot load this model (ModelRefused: ...)")
    assert f"{noproc}: no image processor settings" in rep.model_failures["label"]
    # the command line stores the captions, warns in one line and exits 1
    folder = str(project.root)
    db = [] if project.store.dialect == "sqlite" else ["--db", project.db_url]
    assert main(["suggest", folder, *db, "--device", "cpu", "--all", "--captioner", str(tiny["blip"]),
                 "--labeler", str(tiny["refused_unknown"])]) == 1
    err = capsys.readouterr()
    assert [line for line in err.err.splitlines() if "labeler" in line] == [
        f"warning: the labeler did not run: {tiny['refused_unknown']}: architecture BertForMaskedLM is not one "
        f"we can run; known model types: " + err.err.split("known model types: ")[1].splitlines()[0]]
    assert "1 model failed (the labeler)" in err.out
    # both refused: one error naming both
    with pytest.raises(ModelRefused) as both:
        run_suggest(project, inspect_folder(tiny["refused_bin"]), inspect_folder(tiny["refused_unknown"]),
                    worker=worker)
    assert str(tiny["refused_bin"]) in str(both.value) and str(tiny["refused_unknown"]) in str(both.value)


def test_a_model_failing_while_running_leaves_the_other_models_suggestions(tiny, project, worker, monkeypatch):
    from llmvis_desktop.core.suggest import registry

    calls = []

    def broken(self, *a, **k):
        calls.append(1)
        raise RuntimeError("the labeler broke")

    monkeypatch.setattr(registry.ClipFamily, "scores", broken)
    rep = run_suggest(project, inspect_folder(tiny["blip"]), inspect_folder(tiny["clip"]), batch=2,
                      worker=worker, max_new_tokens=3, read_processes=0)
    assert {s.kind for s in _all(project)} == {"caption"} and rep.suggestions == 6 == rep.images
    assert rep.model_failures == {"label": "the labeler failed while running; it made no more suggestions: "
                                           "tiny-clip: RuntimeError: the labeler broke"}
    assert len(calls) == 1  # not tried again on every batch
    # a job of that one model fails as before
    with pytest.raises(RuntimeError, match="the labeler broke"):
        run_suggest(project, None, inspect_folder(tiny["clip"]), worker=worker, read_processes=0)


def test_an_empty_caption_is_never_stored(tiny, project, worker, monkeypatch):
    from llmvis_desktop.core.suggest import registry

    made = iter(range(100))  # the engine may split the batch

    def run(self, loaded, images, **kw):
        return [registry.Generated(" \n" if k % 2 else "", 0.5) if k < 4 else registry.Generated("a dent", 0.5)
                for k in (next(made) for _ in images)]

    monkeypatch.setattr(registry.BlipFamily, "run", run)
    rep = run_suggest(project, inspect_folder(tiny["blip"]), None, batch=6, worker=worker, read_processes=0)
    assert [s.value for s in _all(project)] == ["a dent", "a dent"] and rep.suggestions == 2
    assert rep.no_text == 4 and "4 with no text (not stored)" in rep.summary()


def test_a_clip_labeler_with_one_label_is_refused_siglip_scores_it(tiny, tmp_path, worker):
    """Softmax over a one-label taxonomy gave that label 1.0 on every image."""
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    with tiny_models.labelled_project(folder, ["defect"]) as p:
        clip = inspect_folder(tiny["clip"])
        with pytest.raises(SuggestError, match=r"CLIP-style labeler compares labels .* add a second label, e\.g\. 'ok'"):
            run_suggest(p, None, clip, worker=worker)
        rep = run_suggest(p, inspect_folder(tiny["blip"]), clip, worker=worker, max_new_tokens=3)
        assert {s.kind for s in _all(p)} == {"caption"} and list(rep.model_failures) == ["label"]
        assert "add a second label" in rep.model_failures["label"]
        rep = run_suggest(p, None, inspect_folder(tiny["siglip"]), worker=worker)  # sigmoid: one label is fine
        scores = [s.score for s in _all(p) if s.kind == "label"]
        assert rep.suggestions == 2 == len(scores) and all(0.0 < x < 1.0 for x in scores)


@pytest.mark.parametrize("template, phrase", [
    ("a {surface} with {label}", "has a placeholder {surface}; only {label} is filled in"),
    ("a {label} defect {", "cannot be filled in"),
    ("a defect", "needs a {label} placeholder"),
])
def test_a_bad_label_template_is_refused_before_models_load(tiny, project, monkeypatch, template, phrase):
    from llmvis_desktop.core.suggest import worker as worker_mod

    monkeypatch.setattr(worker_mod.ModelWorker, "engine", lambda *a, **k: pytest.fail("a model was loaded"))
    with pytest.raises(SuggestError) as err:
        run_suggest(project, inspect_folder(tiny["blip"]), inspect_folder(tiny["clip"]), label_template=template)
    assert str(err.value).startswith(f"the label template {template!r}") and phrase in str(err.value)


def test_a_question_for_a_labeler_alone_is_reported(tiny, project, worker):
    rep = run_suggest(project, None, inspect_folder(tiny["clip"]), question="is there a scratch?", worker=worker)
    assert rep.suggestions > 0 and {s.kind for s in _all(project)} == {"label"}
    assert any("the question applies to chat models" in m and "it was not asked" in m for m in rep.messages)


def test_cli_a_labeler_with_no_labels_beside_a_captioner_exits_1(tiny, tmp_path, capsys):
    """The labeler dropped because the project has no labels exited 0 with only a
    message; a model that did not run is a warning and exit code 1 (as one label)."""
    import json

    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "images", 2)
    rc = main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--labeler", str(tiny["clip"]),
               "--device", "cpu", "--json"])
    captured = capsys.readouterr()
    assert rc == 1
    out = json.loads(captured.out)
    assert "no labels" in out["models"]["model_failures"]["label"]
    assert out["models"]["suggestions"] == 2
    assert "warning: the labeler did not run: the project has no labels" in captured.err


def test_ask_the_image_with_a_model_folder_since_deleted(project, tmp_path):
    """The info was read when the model was chosen; its folder deleted since, asking said
    "no tokenizer files ... the download is incomplete" (after loading started)."""
    from llmvis_desktop.core.suggest.discovery import ModelInfo, ModelRefused

    gone = tmp_path / "llava-del"
    info = ModelInfo(path=str(gone), model_id=str(gone), family="llava", kind="chat", size_bytes=1,
                     revision="r1", weights_format="safetensors", needs_remote_code=False, problem=None)

    class NoWorker:
        def engine(self, *a, **k):
            raise AssertionError("a model whose folder is gone was loaded")

    with pytest.raises(ModelRefused, match="this model's folder is no longer there"):
        ask_image(project, next(i for i in project.image_ids() if project.image(i).relpath != "broken.png"),
                  info, "what?", worker=NoWorker())
