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
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::output_from(&path, "cannot create the lock file", e))?;
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
