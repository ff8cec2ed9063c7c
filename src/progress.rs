//! Progress bars for long stages: shown on a terminal, hidden when stderr is not a
//! terminal or with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A stage's progress bar (or nothing, when hidden).
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar labelled `stage`; `quiet` or a non-terminal stderr hides it.
    pub fn new(stage: &str, quiet: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(0), Self::target(quiet));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10} [{bar:40}] {pos}/{len} {msg} ({elapsed}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(stage.to_string());
        Progress { bar }
    }

    /// A bar that never draws (library callers, tests).
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    fn target(quiet: bool) -> ProgressDrawTarget {
        if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        }
    }

    pub fn set_length(&self, len: u64) {
        self.bar.set_length(len);
    }
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
