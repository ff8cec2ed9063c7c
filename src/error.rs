//! The library's error type. Every variant names what is at fault (file, layer,
//! feature, setting) so a user can act on the message without a debugger.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pipeline file or a `--set` override is wrong.
    #[error("{0}")]
    Config(String),

    /// An input file is missing, unreadable or not what it should be.
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },

    /// A feature of the parcel layer cannot be used.
    #[error("{path} (layer {layer}), feature {feature}: {message}")]
    Feature {
        path: PathBuf,
        layer: String,
        feature: String,
        message: String,
    },

    /// Writing an output failed.
    #[error("writing {path}: {message}")]
    Output { path: PathBuf, message: String },

    /// Another run is writing into the same output folder.
    #[error("{0}")]
    Busy(String),

    /// The run was interrupted (Ctrl-C / SIGTERM).
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn input(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Error::Input {
            path: path.into(),
            message: message.to_string(),
        }
    }
    /// An output failure; when the file system is (nearly) full that is said, since
    /// GDAL and SQLite often report a full disk as a bare write or commit error.
    pub fn output(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        let path = path.into();
        let mut message = message.to_string();
        if let Some(free) = free_bytes(&path).filter(|b| *b < 1 << 20) {
            message.push_str(&format!(
                " (the disk is full: {} KiB free on that file system)",
                free / 1024
            ));
        }
        Error::Output { path, message }
    }

    /// Process exit code for this error, documented in README ("When something goes wrong").
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Input { .. } | Error::Feature { .. } => 2,
            Error::Output { .. } => 3,
            Error::Busy(_) => 4,
            Error::Interrupted => 130,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Bytes available to this user on the file system holding `path` (or its nearest
/// existing ancestor).
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let existing = path.ancestors().find(|p| p.exists())?;
    let c = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct; the path is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}
