//! The output folder's lock: an advisory file lock (flock) on `OUT/.landcons.lock`, so
//! two runs cannot interleave their results. The kernel releases it when its process
//! dies, so a killed run never leaves a lock behind; the file itself stays and records
//! who holds it (pid, host, start time) for the message a second run prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file's name inside the output folder.
pub const LOCK_FILE: &str = ".landcons.lock";

/// Held for the whole run; released on drop (or by the kernel when the process dies).
pub struct Lock {
    file: File,
    pub path: PathBuf,
}

impl Lock {
    /// Takes the lock of `out_dir` (created if missing), or fails at once with exit code 4
    /// naming the run that holds it.
    pub fn acquire(out_dir: &Path) -> Result<Lock> {
        std::fs::create_dir_all(out_dir)
            .map_err(|e| Error::output_from(out_dir, "cannot create the output folder", e))?;
        let path = out_dir.join(LOCK_FILE);
        let mut file = open_own(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut owner = String::new();
                let _ = file.read_to_string(&mut owner);
                let owner = owner.trim();
                return Err(Error::Busy {
                    path: out_dir.to_path_buf(),
                    owner: if owner.is_empty() { "another process".into() } else { owner.to_string() },
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::output_from(&path, "cannot lock", e)),
        }
        // Who holds it, for the next run's message (best effort: the lock itself is the flock).
        let _ = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| write!(file, "{}", holder()))
            .and_then(|_| file.flush());
        Ok(Lock { file, path })
    }
}

/// Opens (or creates) the lock file without following a link, and checks on the open
/// file that it is one landcons made: a regular file with no other name (a hard link
/// would let the truncation below empty another file) holding nothing or a holder line.
fn open_own(path: &Path) -> Result<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        // A FIFO planted there must not block the run; a link is refused (ELOOP).
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .mode(0o644)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Error::output(path, "is a link, not the lock file landcons makes; remove it (nothing was changed)"),
            _ => Error::output_from(path, "cannot create the lock file", e),
        })?;
    let meta = file.metadata().map_err(|e| Error::output_from(path, "cannot inspect the lock file", e))?;
    let ours = meta.is_file() && meta.nlink() == 1 && meta.len() <= MAX_HOLDER_BYTES && holds_a_holder_line(&file);
    if !ours {
        return Err(Error::output(path, "is not the lock file landcons makes (a plain file holding at most who runs); remove it (nothing was changed)"));
    }
    Ok(file)
}

/// The lock file never holds more than one holder line.
const MAX_HOLDER_BYTES: u64 = 4096;

/// Empty, or "process N on host H, started T" as [`holder`] writes it.
fn holds_a_holder_line(mut file: &File) -> bool {
    let mut text = String::new();
    let read = file.read_to_string(&mut text).is_ok() && file.rewind().is_ok();
    read && (text.is_empty() || (text.starts_with("process ") && text.contains(" on host ") && !text.contains('\n')))
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// "process N on host H, started T".
fn holder() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown host".into());
    format!(
        "process {} on host {host}, started {}",
        std::process::id(),
        crate::time::now()
    )
}
