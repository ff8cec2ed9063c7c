//! How a run reports itself while it works: progress bars on a terminal, or one JSON
//! event per line on stderr for log collectors and the QGIS Processing provider
//! (`{"event": "stage_started" | "progress" | "stage_finished" | "warning" | "error" |
//! "run_finished", ...}`).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where progress and events go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reporter {
    /// Nothing (library callers, tests, `--quiet`).
    #[default]
    Hidden,
    /// Progress bars on stderr when it is a terminal.
    Bars,
    /// JSON events on stderr, one per line.
    Json,
}

impl Reporter {
    /// Writes one event (JSON mode only). `fields` must be a JSON object.
    pub fn event(self, name: &str, fields: serde_json::Value) {
        if self != Reporter::Json {
            return;
        }
        let mut object = serde_json::Map::new();
        object.insert("event".into(), name.into());
        if let serde_json::Value::Object(more) = fields {
            object.extend(more);
        }
        eprintln!("{}", serde_json::Value::Object(object));
    }
}

/// A stage's progress: a bar, JSON progress events, or nothing.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    reporter: Reporter,
    stage: Arc<str>,
    /// The smallest whole percent still to report (events are throttled to 1 % steps
    /// and only ever rise, whatever order the worker threads get here in).
    next_percent: Arc<AtomicU64>,
    /// Held while an event is written, so events leave in the order of their percent.
    reporting: Arc<Mutex<()>>,
    /// The length, kept here too: stages call `inc` once per item from many threads,
    /// and reading it back from the bar takes the bar's lock each time.
    length: Arc<AtomicU64>,
}

impl Progress {
    /// Progress of `stage`, shown as `reporter` says.
    pub fn new(stage: &str, reporter: Reporter) -> Progress {
        let visible = reporter == Reporter::Bars && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10} [{bar:40}] {pos}/{len} {msg} ({elapsed}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(stage.to_string());
        Progress {
            bar,
            reporter,
            stage: stage.into(),
            next_percent: Arc::new(AtomicU64::new(0)),
            reporting: Arc::new(Mutex::new(())),
            length: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A progress that never shows (library callers, tests).
    pub fn hidden() -> Progress {
        Progress::new("", Reporter::Hidden)
    }

    pub fn set_length(&self, len: u64) {
        self.length.store(len, Ordering::Relaxed);
        self.bar.set_length(len);
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.reporter == Reporter::Json {
            self.report_percent();
        }
    }

    fn report_percent(&self) {
        let (done, total) = (self.bar.position(), self.length.load(Ordering::Relaxed));
        if total == 0 {
            return;
        }
        let percent = (done * 100 / total).min(100);
        // Most increments do not reach the next whole percent: no lock for them.
        if percent < self.next_percent.load(Ordering::Relaxed) {
            return;
        }
        // A thread that read the position earlier may get here after one that read it
        // later: under the lock, a percent already passed is dropped.
        let _writing = self.reporting.lock().unwrap_or_else(|e| e.into_inner());
        if percent < self.next_percent.load(Ordering::Relaxed) {
            return;
        }
        self.next_percent.store(percent + 1, Ordering::Relaxed);
        self.reporter.event(
            "progress",
            serde_json::json!({
                "stage": &*self.stage, "done": done, "total": total, "percent": percent,
            }),
        );
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
