"""The Jobs panel and the status bar's job line, fed from the window's job manager.

:class:`JobActions` is a mixin of :class:`~.panel_controller.PanelController`: it uses
the host's ``win`` (the main window: ``jobs``, ``job_label``, ``job_bar``) and ``jobs``
(the Jobs panel, or None when its module is not available), and keeps the dock's
height rule on the host (``jobs_fit``).
"""
from __future__ import annotations

from ..core.tasks import stage_unit
from .workers import void


class JobActions:
    """The jobs of the panel controller (see the module docstring)."""

    def _wire_jobs(self) -> None:
        from .dock_layout import JobsDockFit

        panel = self.jobs
        mgr = self.win.jobs
        mgr.job_added.connect(void(lambda job: panel.add_job(str(job.id), job.name)))
        mgr.job_changed.connect(self._job_changed)
        mgr.job_finished.connect(self._job_finished)
        panel.cancelRequested.connect(self._cancel_job)
        self.jobs_fit = JobsDockFit(self.win, panel)
        panel.wantsHeight.connect(self.jobs_fit.fit)

    def fit_jobs_dock(self) -> None:
        """The Jobs dock as tall as its lines: the running jobs' rows whole (90 px hid one
        behind a scroll bar), one line when none runs (it kept ~100 px for a single
        "done" line while the suggestion cards above it were cut off); never shorter than
        a height the reviewer dragged it to (:class:`.dock_layout.JobsDockFit`)."""
        if self.jobs is not None:
            self.jobs_fit.fit(self.jobs.wanted_height())

    def _job_changed(self, job) -> None:
        p = job.last_progress
        if p is None or not job.is_active:
            return
        self.jobs.update_job(str(job.id), p.done, p.total, p.message, job.eta(), job.rate(), stage_unit(p.stage))

    def _job_finished(self, job) -> None:
        from .workers import STATE_CANCELLED, STATE_DONE

        if job.state == STATE_DONE:
            from ..core.indexer import ScanResult
            from .project_controller import scan_summary

            found = ""
            if isinstance(job.result, ScanResult):  # (and its wait for the database, as the status bar says)
                found = f": {scan_summary(job.result)}" + waited_words(self.win, job.result.waited_s)
            summary = getattr(job.result, "summary", None)  # an export's or import's report: what it wrote
            if not found and callable(summary) and isinstance(said := summary(), str):
                found = f": {said}"
            if getattr(job, "done_text", ""):  # what the job's owner said of its result, whole
                found = f": {job.done_text}"
            self.jobs.finish_job(str(job.id), True, "done" + found)
        elif job.state == STATE_CANCELLED:
            self.jobs.finish_job(str(job.id), False, cancel_text(job))
        else:
            from ..core.errors import failure_text
            from .index_runs import shown_database

            self.jobs.finish_job(str(job.id), False, f"failed: {failure_text(job.error, shown_database(self.win))}")

    def _cancel_job(self, job_id: str) -> None:
        for job in self.win.jobs.jobs:
            if str(job.id) == str(job_id):
                job.cancel()

    # --- status bar ---
    def show_job_status(self, job) -> None:
        """The status bar's job line: the one running job, with its message and time left;
        with several, each by name and count ("2 jobs: Suggest 40/300 \u00b7 Repair training
        3/10": it showed the first alone), cut to fit, one line per job in its tooltip.
        The Jobs panel shows them all whole."""
        active = self.win.jobs.active()
        label, bar = self.win.job_label, self.win.job_bar
        if not active:
            opening = self.win.project_ctl.opening_text()  # a project being opened: a busy bar
            label.setText(opening)
            label.setToolTip("")
            bar.setRange(0, 0)
            bar.setVisible(bool(opening))
            return
        if len(active) == 1:
            label.setText(job_line(active[0]))
            label.setToolTip("")  # the whole line when it is cut (ElidedLabel)
            frac = active[0].fraction()
        else:
            label.setText(f"{len(active)} jobs: " + " \u00b7 ".join(job_count(j) for j in active))
            label.setToolTip("\n".join(job_line(j) for j in active))
            fracs = [j.fraction() for j in active]
            # the bar: how far they are together, busy while one cannot say
            frac = None if None in fracs else sum(fracs) / len(fracs)
        bar.setRange(0, 0 if frac is None else 1000)
        if frac is not None:
            bar.setValue(int(frac * 1000))
        bar.show()


def waited_words(win, seconds: float) -> str:
    """"; the job waited 2 min 05 s in all for the project database X, which another writer
    held": what a job's end adds after it waited ``seconds`` (1 s or more) for the window's
    project database, in the CLI's words (:func:`~..core.store.db_wait.waited_note`); ""
    after no such wait."""
    from ..core.store.db_wait import waited_note
    from .index_runs import shown_database

    if not seconds or seconds < 1:
        return ""
    return "; " + waited_note(shown_database(win) or "", seconds)


def job_line(job) -> str:
    """One job whole: its name, its message, the time left ("Suggest: suggesting (~40 s left)")."""
    p = job.last_progress
    text = job.name + (f": {p.message}" if p and p.message else "")
    eta = job.eta()
    if eta is not None:
        text += f" (~{eta:.0f} s left)"
    return text


def job_count(job) -> str:
    """One job short, among others: its name and count ("Repair training 3/10"), or its
    message while it has no count."""
    p = job.last_progress
    if p is not None and p.total:
        return f"{job.name} {p.done}/{p.total}"
    return job.name + (f": {p.message}" if p and p.message else "")

def cancel_text(job) -> str:
    """A cancelled job's line in the Jobs panel: "cancelled", with why when the window
    cancelled it; a suggest job's says what it stored, the same early as late ("cancelled
    before any suggestion was stored", "cancelled; 32 images' suggestions were stored":
    it said "cancelled" alone, whatever its batches had stored)."""
    from ..core.suggest.report import cancelled_words, stored_words

    reason = getattr(job, "cancel_reason", "")
    kept = getattr(job, "cancelled_text", "")  # what the job's owner said it kept ("at step 40; ...")
    if kept:
        return f"cancelled: {reason}; {kept}" if reason else f"cancelled {kept}"
    stored = getattr(getattr(job, "cancelled_by", None), "stored_images", None)
    if stored is None:
        return f"cancelled: {reason}" if reason else "cancelled"
    return f"cancelled: {reason}; {stored_words(stored)}" if reason else cancelled_words(stored)
