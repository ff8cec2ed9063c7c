//! `landcons maps OUT [--pdf maps.pdf]`: the village atlas of a results folder as one
//! PDF, printed by QGIS itself from the folder's `landcons.qgz` (so the pages are the
//! ones a planner prints from the desktop), through QGIS's Python bindings.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::output::qgis::PROJECT_FILE;

/// The export script, carried inside the binary so an installed `landcons` needs no
/// copy of the repository (the same file as `qgis/export_atlas.py`).
const EXPORT_SCRIPT: &str = include_str!("../../qgis/export_atlas.py");

/// Debian's Python, the one python3-qgis installs its bindings for; `LANDCONS_PYTHON`
/// names another (e.g. the Python that ships with QGIS elsewhere).
const DEFAULT_PYTHON: &str = "/usr/bin/python3";

/// How to get QGIS, said when it is missing.
pub const INSTALL_HINT: &str = "sudo apt-get install qgis python3-qgis fonts-wqy-microhei";

pub struct MapsCommand {
    /// A results folder, or its `landcons.qgz`.
    pub results: PathBuf,
    /// Where the PDF goes (default: `maps.pdf` in the results folder).
    pub pdf: Option<PathBuf>,
    /// Resolution of the maps in the PDF.
    pub dpi: u32,
}

/// What was exported.
#[derive(Debug, Clone)]
pub struct MapsReport {
    pub pdf: PathBuf,
    pub pages: usize,
}

pub fn maps(cmd: &MapsCommand) -> Result<MapsReport> {
    if cmd.dpi == 0 {
        return Err(Error::setting("--dpi", None, "must be at least 1 (maps print well at 150–300), got 0"));
    }
    let project = project_file(&cmd.results)?;
    let folder = project.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let pdf = cmd.pdf.clone().unwrap_or_else(|| folder.join("maps.pdf"));
    // A PDF into a folder that does not exist is a wrong option, said before QGIS runs.
    if let Some(parent) = pdf.parent().filter(|p| !p.as_os_str().is_empty() && !p.is_dir()) {
        return Err(Error::setting("--pdf", None, format!("the folder {} does not exist", parent.display())));
    }
    let python = python();
    // QGIS (Qt) leaves qt_temp-* files in the temporary folder: its own, removed after.
    let temp = TempDir::new()?;
    check_qgis(&python, &temp.0)?;
    // Written beside the target and renamed: a failed export leaves no partial PDF.
    let name = pdf.file_name().map_or_else(|| "maps.pdf".into(), |n| n.to_string_lossy().into_owned());
    let partial = pdf.with_file_name(format!(".partial-{name}"));
    let output = Command::new(&python)
        .arg("-c")
        .arg(EXPORT_SCRIPT)
        .arg(&project)
        .arg(&partial)
        .arg(cmd.dpi.to_string())
        .env("QT_QPA_PLATFORM", std::env::var("QT_QPA_PLATFORM").unwrap_or_else(|_| "offscreen".into()))
        .env("TMPDIR", &temp.0)
        .output()
        .map_err(|e| Error::input_from(&python, "cannot run Python", e))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in stderr.lines().filter(|l| l.starts_with("warning:")) {
        tracing::warn!("{}", line.trim_start_matches("warning:").trim());
    }
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::output(&pdf, format!("QGIS could not export the atlas: {}", last_lines(&stderr))));
    }
    let pages = pages_of(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| Error::output(&pdf, "QGIS said nothing about the pages it exported"))?;
    std::fs::rename(&partial, &pdf).map_err(|e| Error::output_from(&pdf, "cannot move into place", e))?;
    Ok(MapsReport { pdf, pages })
}

/// What `landcons maps` prints.
pub fn summary(r: &MapsReport) -> String {
    format!("{}: {} pages (one per village)\n", r.pdf.display(), r.pages)
}

/// The project of a results folder (or the project given itself).
fn project_file(results: &Path) -> Result<PathBuf> {
    let project = if results.is_dir() { results.join(PROJECT_FILE) } else { results.to_path_buf() };
    if project.is_file() {
        return Ok(project);
    }
    let why = if results.is_dir() {
        format!("holds no QGIS project ({PROJECT_FILE}); results written by an earlier landcons version have none: run the pipeline again")
    } else {
        "no such results folder or QGIS project".to_string()
    };
    Err(Error::input(results, why))
}

fn python() -> PathBuf {
    std::env::var_os("LANDCONS_PYTHON").map_or_else(|| PathBuf::from(DEFAULT_PYTHON), PathBuf::from)
}

/// A folder of our own for QGIS's temporary files, removed with everything in it when
/// dropped (also when the export fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("landcons-maps-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| Error::output_from(&dir, "cannot create a temporary folder for QGIS", e))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// QGIS's Python bindings must import; if they do not, say how to install them.
fn check_qgis(python: &Path, temp: &Path) -> Result<()> {
    let imports = Command::new(python)
        .args(["-c", "import qgis.core"])
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("TMPDIR", temp)
        .output()
        .is_ok_and(|o| o.status.success());
    if imports {
        return Ok(());
    }
    Err(Error::input(
        python,
        format!("QGIS is not installed (this Python cannot import qgis.core); on Debian/Ubuntu install it with `{INSTALL_HINT}`, or set LANDCONS_PYTHON to a Python that has QGIS's bindings"),
    ))
}

/// The page count from the script's JSON line.
fn pages_of(stdout: &str) -> Option<usize> {
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{'))?;
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v["pages"].as_u64().map(|n| n as usize)
}

/// The end of a long stderr (QGIS can be chatty), for the error message.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_count_from_the_script_output() {
        assert_eq!(pages_of("noise\n{\"pages\": 6, \"pdf\": \"x.pdf\"}\n"), Some(6));
        assert_eq!(pages_of("no json"), None);
        assert_eq!(last_lines("a\n\nb\nc\nd\n"), "b | c | d");
    }

    #[test]
    fn a_folder_without_a_project_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = project_file(dir.path()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("landcons.qgz"), "{e}");
    }
}
