"""Runs the landcons program and turns what it prints into Processing feedback.

No QGIS imports here, so the event handling can be tested with plain Python; the
algorithms pass a `sink` (see FeedbackSink in algorithms.py) that forwards to a
QgsProcessingFeedback.

landcons is run with `--log-format json`: every stderr line that is a JSON object with
an "event" key is an event (stage_started, progress, stage_finished, warning, error,
run_finished); other JSON lines are log records ({"level", "fields": {"message"}});
anything else is plain text. stdout carries the command's own report.
"""
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading

ENV_VAR = "LANDCONS_BIN"
SETTING_NAME = "LANDCONS_BIN"
SETTING_KEY = "Processing/Configuration/" + SETTING_NAME

HOW_TO_SET = (
    "Set the environment variable LANDCONS_BIN to the landcons program, or its path "
    "under Processing > Options > Providers > landcons > landcons executable "
    "(settings key Processing/Configuration/LANDCONS_BIN), or put landcons on PATH."
)


class LandconsError(Exception):
    """landcons could not be run, failed, or was cancelled."""


def find_binary(setting_value=""):
    """The landcons program: $LANDCONS_BIN, else the plugin setting, else PATH."""
    for origin, value in (("LANDCONS_BIN", os.environ.get(ENV_VAR, "")), ("the plugin setting", setting_value or "")):
        value = value.strip()
        if value:
            if os.path.isfile(value) and os.access(value, os.X_OK):
                return value
            raise LandconsError("%s is %r, which is not an executable file. %s" % (origin, value, HOW_TO_SET))
    found = shutil.which("landcons")
    if found:
        return found
    raise LandconsError("The landcons program was not found. " + HOW_TO_SET)


def split_overrides(text):
    """`key=value` overrides separated by ';' or new lines, as `--set` arguments."""
    args = []
    for item in re.split(r"[;\n]", text or ""):
        item = item.strip()
        if not item:
            continue
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise LandconsError("override %r is not key=value (e.g. terrain.algorithm=horn)" % item)
        args += ["--set", item]
    return args


class Outcome:
    """What a run left behind."""

    def __init__(self):
        self.returncode = None
        self.error = None          # the message of an "error" event
        self.finished = None       # the "run_finished" event
        self.last_problem = None   # the last ERROR/WARN record or plain stderr line
        self.stdout = []

    def failure(self):
        """The message to fail with, or None when the run succeeded."""
        if self.error:
            return self.error
        if self.finished and self.finished.get("status") not in (None, "success"):
            return "landcons finished with status %r" % self.finished.get("status")
        if self.returncode:
            detail = (": " + self.last_problem) if self.last_problem else ""
            return "landcons exited with code %d%s" % (self.returncode, detail)
        return None


def record_message(rec):
    """The text of a JSON log record: its message plus its other fields."""
    fields = rec.get("fields") if isinstance(rec.get("fields"), dict) else {}
    message = fields.get("message", rec.get("message", ""))
    extra = " ".join("%s=%s" % (k, v) for k, v in fields.items() if k != "message")
    level = rec.get("level", "")
    return " ".join(p for p in (level, str(message), extra) if p)


def handle_event(ev, sink, outcome):
    kind = ev.get("event")
    if kind == "stage_started":
        sink.info("▶ %s" % ev.get("stage", "?"))
    elif kind == "progress":
        pct = ev.get("overall_percent", ev.get("percent"))
        if pct is None and ev.get("total"):
            pct = 100.0 * ev.get("done", 0) / ev["total"]
        if pct is not None:
            sink.progress(max(0.0, min(100.0, float(pct))))
    elif kind == "stage_finished":
        sink.info("✔ %s (%.2f s)" % (ev.get("stage", "?"), float(ev.get("seconds", 0) or 0)))
    elif kind == "warning":
        sink.warning(str(ev.get("message", "")))
    elif kind == "error":
        code = ev.get("code")
        outcome.error = str(ev.get("message", "landcons reported an error")) + (" (code %s)" % code if code is not None else "")
        sink.error(outcome.error)
    elif kind == "run_finished":
        outcome.finished = ev
        for w in ev.get("warnings") or []:
            sink.warning(w if isinstance(w, str) else json.dumps(w, ensure_ascii=False))
        if ev.get("counts"):
            sink.info("counts: " + json.dumps(ev["counts"], ensure_ascii=False))
    else:
        sink.console(json.dumps(ev, ensure_ascii=False))


def handle_stderr_line(line, sink, outcome):
    line = line.rstrip("\r\n")
    if not line.strip():
        return
    try:
        obj = json.loads(line)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and "event" in obj:
        handle_event(obj, sink, outcome)
    elif isinstance(obj, dict):
        text = record_message(obj)
        if str(obj.get("level", "")).upper() in ("ERROR", "WARN", "WARNING"):
            outcome.last_problem = text
        sink.console(text)
    else:
        outcome.last_problem = line
        sink.console(line)


def _pump(stream, tag, q):
    try:
        for line in iter(stream.readline, ""):
            q.put((tag, line))
    finally:
        q.put((tag, None))


def _stop(proc, grace=10.0):
    """SIGTERM, then SIGKILL if it lingers. A run stopped this way never replaces
    finished results (it writes into a staging folder, which its next run removes)."""
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except OSError:
        pass


def run(argv, sink, poll=0.1):
    """Runs argv, feeding sink while it runs; returns the Outcome. Raises LandconsError
    if it cannot start or was cancelled (sink.is_canceled())."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="replace", bufsize=1)
    except OSError as e:
        raise LandconsError("cannot start %s: %s. %s" % (argv[0], e, HOW_TO_SET))
    q = queue.Queue()
    for stream, tag in ((proc.stdout, "out"), (proc.stderr, "err")):
        threading.Thread(target=_pump, args=(stream, tag, q), daemon=True).start()
    outcome, open_streams = Outcome(), 2
    while open_streams:
        if sink.is_canceled():
            _stop(proc)
            proc.stdout.close()
            proc.stderr.close()
            raise LandconsError("cancelled: landcons was stopped")
        try:
            tag, line = q.get(timeout=poll)
        except queue.Empty:
            continue
        if line is None:
            open_streams -= 1
        elif tag == "err":
            handle_stderr_line(line, sink, outcome)
        else:
            outcome.stdout.append(line.rstrip("\r\n"))
            sink.report(line.rstrip("\r\n"))
    outcome.returncode = proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return outcome


def outputs_from_stdout(lines):
    """Today's text summary: "outputs in FOLDER:" followed by indented file names.
    Returns (folder, [names])."""
    folder, names = None, []
    for line in lines:
        m = re.match(r"^outputs in (.+):\s*$", line)
        if m:
            folder, names = m.group(1), []
        elif folder and line.startswith("  ") and line.strip():
            names.append(line.strip())
    return folder, names
