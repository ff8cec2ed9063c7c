//! The files a command outside a pipeline writes (`slope -o`, `diff -o`, `maps --pdf`):
//! never one of its inputs, never a file of a result set or a results GeoPackage, and
//! never an existing file the command did not write itself unless `--force` says so.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// What a command is about to write, and how to tell a file it wrote earlier.
pub struct Target<'a> {
    pub path: &'a Path,
    /// The option that names it, for messages (`--output`).
    pub option: &'a str,
    /// Whether an existing file at `path` was written by this command (then it may be
    /// replaced without `--force`).
    pub made_here: &'a dyn Fn(&Path) -> bool,
}

/// Refuses `target` when it is one of `inputs`, lies in landcons's own folders (a result
/// set, reached directly or through the links of an output folder), is a results
/// GeoPackage, or is an existing file the command did not write and `force` is off.
pub fn check_target(target: &Target, inputs: &[&Path], force: bool) -> Result<()> {
    let (path, real) = (target.path, real_path(target.path));
    let refuse = |why: String| Err(Error::setting(target.option, None, format!("{}: {why}; nothing was written", path.display())));
    if let Some(input) = inputs.iter().find(|i| real_path(i) == real) {
        return refuse(format!("is the input {}; write the result elsewhere", input.display()));
    }
    if real.components().any(|c| c == Component::Normal(".landcons".as_ref())) {
        return refuse("is a file of a landcons result set; results are replaced only by `landcons run`".into());
    }
    let Ok(meta) = std::fs::metadata(path) else { return Ok(()) };
    if !meta.is_file() {
        return refuse("exists and is not a file".into());
    }
    if is_results_gpkg(path) {
        return refuse("is a landcons results GeoPackage; write the result elsewhere".into());
    }
    if !force && !(target.made_here)(path) {
        return refuse(format!("exists and was not written by this command; remove it, choose another {}, or add --force to replace it", target.option));
    }
    Ok(())
}

/// Whether `path` is a results GeoPackage of a landcons run (its run metadata).
pub fn is_results_gpkg(path: &Path) -> bool {
    has_metadata(path, "LANDCONS_RUN")
}

/// Whether `path` is a GeoPackage holding landcons's metadata item `key`.
pub fn has_metadata(path: &Path, key: &str) -> bool {
    super::gpkg::read_item(path, key).is_some()
}

/// The path with every link resolved, as far as it exists (a missing tail is kept as
/// is, below its resolved parent), so a file yet to be made compares with one that exists.
pub fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) if parent != absolute => real_path(parent).join(name),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &Path) -> bool {
        false
    }

    #[test]
    fn inputs_result_sets_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dem = dir.path().join("dem.tif");
        std::fs::write(&dem, b"dem").unwrap();
        let target = |path: &'static Path| Target { path, option: "--output", made_here: &never };
        let leaked = |p: PathBuf| -> &'static Path { Box::leak(p.into_boxed_path()) };
        let err = check_target(&target(leaked(dem.clone())), &[&dem], true).unwrap_err().to_string();
        assert!(err.contains("is the input") && err.contains("--output"), "{err}");
        let set = dir.path().join("out/.landcons/runs/x");
        std::fs::create_dir_all(&set).unwrap();
        std::os::unix::fs::symlink(".landcons/runs/x", dir.path().join("out/current")).unwrap();
        let err = check_target(&target(leaked(dir.path().join("out/current/slope.tif"))), &[], true).unwrap_err().to_string();
        assert!(err.contains("result set"), "{err}");
        let err = check_target(&target(leaked(dir.path().join("notes.txt"))), &[], false);
        assert!(err.is_ok(), "a new file is fine");
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        let err = check_target(&target(leaked(dir.path().join("notes.txt"))), &[], false).unwrap_err().to_string();
        assert!(err.contains("--force"), "{err}");
        check_target(&target(leaked(dir.path().join("notes.txt"))), &[], true).unwrap();
        assert_eq!(std::fs::read(dir.path().join("notes.txt")).unwrap(), b"mine", "checking writes nothing");
    }
}
