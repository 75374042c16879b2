"""The Jobs panel showed a job's rate as "7.5 /s", saying nothing of what was counted,
while the CLI's lines say "7.5 images/s" (or files/s while indexing, steps/s while
training). The window's panel now names the unit of the job's stage, as the CLI does."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.tasks import Progress


class _Job:
    """A running job as the window's job manager reports it (its progress, rate and ETA)."""

    id = 4242
    name = "a job"
    is_active = True

    def __init__(self, stage: str) -> None:
        self.last_progress = Progress(stage, 30, 100, "working")

    def eta(self):
        return 9.0

    def rate(self):
        return 7.5


@pytest.mark.parametrize("stage, unit", [("suggest", "images"), ("scan", "files"), ("train", "steps"),
                                         ("features", "images")])
def test_the_jobs_panel_says_what_its_rate_counts_as_the_cli_does(qtbot, window, monkeypatch, stage, unit):
    panel = window.panel_ctl.jobs
    job = _Job(stage)
    panel.add_job(str(job.id), job.name)
    window.panel_ctl._job_changed(job)
    shown = panel.row(str(job.id)).eta_label.text()
    assert shown.startswith(f"7.5 {unit}/s"), shown

    import io

    from llmvis_desktop import cli_progress

    monkeypatch.setattr(cli_progress, "QUIET_S", 0.0)  # its plain lines from the first report
    stream = io.StringIO()
    cli_progress.ProgressBar(stream=stream, enabled=True, plain=True)(Progress(stage, 30, 100, "working"))
    assert stream.getvalue().startswith(f"{stage}: 30/100 {unit} "), stream.getvalue()  # the CLI's word for it
