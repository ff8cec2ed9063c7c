//! What every stage is handed besides its data: the settings, a cancellation token,
//! progress reporting, stage timings and the warnings list of the run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::progress::{Progress, Reporter};
use crate::settings::Settings;

/// Set by SIGINT/SIGTERM (or a caller) to stop a run at its next safe point.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicUsize>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Requests a stop; `signal` is the signal number to report (2 = SIGINT, 15 = SIGTERM).
    pub fn cancel(&self, signal: i32) {
        self.0.store(signal.max(1) as usize, Ordering::SeqCst);
    }

    /// Makes SIGINT and SIGTERM request a stop instead of killing the process.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        for signal in [SIGINT, SIGTERM] {
            signal_hook::flag::register_usize(signal, Arc::clone(&self.0), signal as usize)?;
        }
        Ok(())
    }

    /// The signal that requested a stop, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s as i32),
        }
    }

    /// Long loops call this between blocks so a stop request is honoured promptly.
    pub fn check(&self) -> Result<()> {
        match self.signal() {
            None => Ok(()),
            Some(signal) => Err(Error::Interrupted { signal }),
        }
    }
}

/// Seconds spent in one stage.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StageTiming {
    pub stage: String,
    pub seconds: f64,
}

/// Something suspicious in the input that did not stop the run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    /// Stable identifier, e.g. "dem_fill_value".
    pub code: String,
    pub message: String,
}

/// The settings and services of one run.
pub struct RunContext {
    pub settings: Settings,
    pub cancel: CancelToken,
    pub reporter: Reporter,
    warnings: Mutex<Vec<Warning>>,
    timings: Mutex<Vec<StageTiming>>,
}

impl RunContext {
    pub fn new(settings: Settings, cancel: CancelToken, reporter: Reporter) -> RunContext {
        RunContext {
            settings,
            cancel,
            reporter,
            warnings: Mutex::new(Vec::new()),
            timings: Mutex::new(Vec::new()),
        }
    }

    /// A context for calling stages from library code or tests: default settings,
    /// never cancelled, nothing shown.
    pub fn quiet() -> RunContext {
        RunContext::new(Settings::default(), CancelToken::new(), Reporter::Hidden)
    }

    /// A progress bar (or JSON progress events) for `stage`.
    pub fn progress(&self, stage: &str) -> Progress {
        Progress::new(stage, self.reporter)
    }

    /// Runs one stage: events and log lines at its start and end, its timing recorded.
    pub fn stage<T>(&self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.cancel.check()?;
        let started = Instant::now();
        tracing::info!(stage = name, "started");
        self.reporter
            .event("stage_started", serde_json::json!({ "stage": name }));
        let out = f()?;
        self.record_timing(name, started.elapsed().as_secs_f64());
        Ok(out)
    }

    /// Runs one stage that reports its progress (a bar, or JSON progress events): `f`
    /// gets the stage's [`Progress`], sets its length and advances it.
    pub fn stage_with_progress<T>(&self, name: &str, f: impl FnOnce(&Progress) -> Result<T>) -> Result<T> {
        self.stage(name, || self.with_progress(name, f))
    }

    /// Runs `f` with a progress for `stage`, cleared when `f` returns.
    pub fn with_progress<T>(&self, stage: &str, f: impl FnOnce(&Progress) -> T) -> T {
        let progress = self.progress(stage);
        let out = f(&progress);
        progress.finish();
        out
    }

    /// Records a stage that ran elsewhere (a helper thread), with its finish event.
    pub fn record_timing(&self, name: &str, seconds: f64) {
        tracing::info!(stage = name, seconds, "finished");
        self.reporter.event(
            "stage_finished",
            serde_json::json!({ "stage": name, "seconds": seconds }),
        );
        lock(&self.timings).push(StageTiming {
            stage: name.to_string(),
            seconds,
        });
    }

    pub fn timings(&self) -> Vec<StageTiming> {
        lock(&self.timings).clone()
    }

    /// Reports suspicious input: on stderr (also with `--quiet`: it may mean wrong
    /// figures), as a JSON event, and in the manifest's `warnings`.
    pub fn warn(&self, code: &str, message: impl Into<String>) {
        let message = message.into();
        match self.reporter {
            Reporter::Json => self.reporter.event(
                "warning",
                serde_json::json!({ "code": code, "message": &message }),
            ),
            _ => eprintln!("landcons: warning: {message}"),
        }
        lock(&self.warnings).push(Warning {
            code: code.to_string(),
            message,
        });
    }

    pub fn warnings(&self) -> Vec<Warning> {
        lock(&self.warnings).clone()
    }
}

/// A poisoned lock only means another thread panicked; the list itself is intact.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
