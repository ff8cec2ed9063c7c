//! The library's error type. Every variant names what is at fault (file, layer,
//! feature, setting) so a user can act on the message without a debugger; the
//! underlying cause (a GDAL or I/O error) is kept as the error's `source`.

use std::path::PathBuf;

/// The error underneath one of ours (GDAL, I/O, SQLite, ...).
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pipeline file, a `--set` override or a command-line option is wrong.
    /// `at` names where (file and line, or the option).
    #[error("{at}: {}{message}", key.as_ref().map(|k| format!("setting `{k}`: ")).unwrap_or_default())]
    Setting {
        at: String,
        key: Option<String>,
        message: String,
    },

    /// An input file is missing, unreadable or not what it should be.
    #[error("{path}: {message}", path = path.display())]
    Input {
        path: PathBuf,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// A feature of an input layer cannot be used.
    #[error("{path} (layer {layer}), feature {feature}: {message}", path = path.display())]
    Feature {
        path: PathBuf,
        layer: String,
        feature: String,
        message: String,
    },

    /// Writing an output failed.
    #[error("writing {path}: {message}", path = path.display())]
    Output {
        path: PathBuf,
        message: String,
        #[source]
        cause: Option<Cause>,
    },

    /// Another run is writing into the same output folder.
    #[error("{path}: another landcons run ({owner}) is writing into this folder; wait for it or use another --out", path = path.display())]
    Busy { path: PathBuf, owner: String },

    /// A table that must add up does not: a bug, reported rather than written.
    #[error("table {table}, row {row}: {message} (a bug: please report it with the manifest)")]
    Reconciliation { table: String, row: String, message: String },

    /// A sharded job cannot go on: no plan, a shard that does not exist, shards that
    /// are missing or from another plan, settings or inputs changed since the plan.
    #[error("{message}")]
    Shards { message: String },

    /// The run was stopped by a signal (SIGINT or SIGTERM) at a safe point.
    #[error("interrupted by {} at a safe point; earlier results are left as they were", signal_name(*signal))]
    Interrupted { signal: i32 },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A mistake in a setting: `at` is the file (and line) or the option.
    pub fn setting(at: impl Into<String>, key: Option<&str>, message: impl Into<String>) -> Self {
        Error::Setting {
            at: at.into(),
            key: key.map(str::to_string),
            message: message.into(),
        }
    }

    pub fn input(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Error::Input {
            path: path.into(),
            message: message.to_string(),
            cause: None,
        }
    }

    /// An input failure with its underlying cause.
    pub fn input_from(
        path: impl Into<PathBuf>,
        message: impl std::fmt::Display,
        cause: impl Into<Cause>,
    ) -> Self {
        Error::Input {
            path: path.into(),
            message: message.to_string(),
            cause: Some(cause.into()),
        }
    }

    pub fn feature(
        path: impl Into<PathBuf>,
        layer: &str,
        feature: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Feature {
            path: path.into(),
            layer: layer.to_string(),
            feature: feature.into(),
            message: message.into(),
        }
    }

    /// A sharded job that cannot go on (see [`Error::Shards`]).
    pub fn shards(message: impl Into<String>) -> Self {
        Error::Shards { message: message.into() }
    }

    /// An output failure; when the file system is (nearly) full that is said, since
    /// GDAL and SQLite often report a full disk as a bare write or commit error.
    pub fn output(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        let path = path.into();
        let message = with_disk_state(&path, message.to_string());
        Error::Output {
            path,
            message,
            cause: None,
        }
    }

    /// An output failure with its underlying cause.
    pub fn output_from(
        path: impl Into<PathBuf>,
        message: impl std::fmt::Display,
        cause: impl Into<Cause>,
    ) -> Self {
        let path = path.into();
        let cause = cause.into();
        let message = match reports_full_disk(cause.as_ref()) {
            // SQLite has rolled the failed write back, so the space is free again.
            true => format!("{message} (the disk is full)"),
            false => with_disk_state(&path, message.to_string()),
        };
        Error::Output { path, message, cause: Some(cause) }
    }

    /// Process exit code for this error, documented in README ("When something goes wrong").
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Setting { .. } | Error::Input { .. } | Error::Feature { .. } => 2,
            Error::Output { .. } => 3,
            Error::Busy { .. } => 4,
            Error::Shards { .. } => 5,
            Error::Reconciliation { .. } => 101,
            Error::Interrupted { signal } => 128u8.saturating_add(*signal as u8),
        }
    }

    /// The message with every underlying cause, one after the other.
    pub fn full_message(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            let more = c.to_string();
            if !more.is_empty() && !text.ends_with(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            cause = c.source();
        }
        text
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT (Ctrl-C)",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// Whether the error, or one it came from, is SQLite's "database or disk is full" or
/// the operating system's ENOSPC.
fn reports_full_disk(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(rusqlite::Error::SqliteFailure(f, _)) = e.downcast_ref::<rusqlite::Error>() {
            if f.code == rusqlite::ErrorCode::DiskFull {
                return true;
            }
        }
        if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::StorageFull) {
            return true;
        }
        next = e.source();
    }
    false
}

fn with_disk_state(path: &std::path::Path, mut message: String) -> String {
    if let Some(free) = free_bytes(path).filter(|b| *b < 1 << 20) {
        message.push_str(&format!(
            " (the disk is full: {} KiB free on that file system)",
            free / 1024
        ));
    }
    message
}

/// Bytes available to this user on the file system holding `path` (or its nearest
/// existing ancestor).
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let existing = path.ancestors().find(|p| p.exists())?;
    let c = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only fills the zeroed struct; the path is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}
