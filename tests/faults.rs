//! Output faults: a folder that cannot be written and a disk that fills up during the
//! run. Both need a real file system: a small tmpfs mounted for the test (as root, which
//! CI is); elsewhere the read-only case falls back to permissions and the disk-full case
//! is skipped with a message.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// A tmpfs of `size` mounted on a fresh folder, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        ok.then_some(Tmpfs { dir })
    }
    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
    fn remount_read_only(&self) {
        let ok = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn an_output_folder_that_cannot_be_written() {
    let mount = Tmpfs::mount("16m");
    let base = match &mount {
        Some(m) => m.path(),
        None => tempfile::tempdir().unwrap().keep(),
    };
    let out = base.join("out");
    assert!(run_demo(&out, &[]).status.success());
    let before = snapshot(&out);
    match &mount {
        Some(m) => m.remount_read_only(),
        None => {
            use std::os::unix::fs::PermissionsExt;
            eprintln!("no tmpfs (not root): using folder permissions instead");
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
    }
    let o = run_demo(&out, &["--no-cache"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(3), "{t}");
    assert!(t.contains(out.to_str().unwrap()), "names the folder: {t}");
    assert!(
        t.contains("Read-only file system") || t.contains("ermission denied"),
        "{t}"
    );
    assert!(!t.contains("panicked"));
    assert!(snapshot(&out) == before, "earlier results changed");
}

#[test]
fn a_disk_that_fills_up_during_the_run() {
    // Room for one set of results (≈ 6.4 MB with the new cropland layers) but not for a
    // second one beside it.
    let Some(mount) = Tmpfs::mount("9m") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI runs as root and must mount a tmpfs");
        eprintln!("SKIPPED: cannot mount a tmpfs (needs root, as in CI)");
        return;
    };
    let out = mount.path().join("out");
    assert!(run_demo(&out, &[]).status.success());
    let before = snapshot(&out);
    let free = error_free_space(&mount.path());
    let o = run_demo(&out, &["--no-cache"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(3), "{t}");
    assert!(t.contains("the disk is full"), "{t}");
    assert!(t.contains(out.to_str().unwrap()), "{t}");
    assert!(!t.contains("panicked"));
    assert!(snapshot(&out) == before, "earlier results changed");
    // The staging folder is gone, so the space is back for the next run (the results
    // grew past 5 MB with the 用地结构调整表, so "more than 2 MB free" no longer measured it).
    assert!(error_free_space(&mount.path()) + (64 << 10) >= free, "{} bytes free after the failed run, {free} before it", error_free_space(&mount.path()));
}

fn error_free_space(p: &Path) -> u64 {
    landcons::error::free_bytes(p).unwrap()
}
