//! The run's thread choreography: the GeoPackage writer beside the analysis. SQLite
//! writes on one thread, so once the analysis ends the writer is the run's critical path;
//! it starts on each layer as soon as the layer's data is there, on a core of its own.

use std::path::Path;
use std::sync::mpsc;

use super::join;
use super::write::Results;
use crate::error::Result;
use crate::layers::RunData;

/// Tells the writer what is ready.
pub struct Writer<'a> {
    tell: mpsc::Sender<RunData<'a>>,
}

impl<'a> Writer<'a> {
    /// The writer writes every layer ready in `data` as it is now (in registry order), after
    /// what it was told before: the layers' order in the file does not depend on timing.
    pub fn write_ready(&self, data: &RunData<'a>) {
        // A writer that failed has stopped listening; its error is returned at the end.
        let _ = self.tell.send(data.as_of_now());
    }
}

/// Runs `work` on every core but one, with the GeoPackage `path` being written on that
/// one; returns what `work` returned and the writer (to finish the file with).
pub fn with_writer<'a, T: Send>(path: &Path, crs_wkt: &str, work: impl FnOnce(&Writer<'a>) -> Result<T> + Send) -> (Result<T>, Result<Results>) {
    std::thread::scope(|scope| {
        let (tell, told) = mpsc::channel::<RunData<'a>>();
        let writer = scope.spawn(move || -> Result<Results> {
            let mut results = Results::create(path, crs_wkt)?;
            for data in told {
                results.write_ready(&data)?;
            }
            Ok(results)
        });
        let worked = beside_one_thread(|| work(&Writer { tell }));
        (worked, join(writer))
    })
}

/// Runs `work` with every core but one, leaving that one to a thread beside it. With one
/// core, `work` keeps it.
fn beside_one_thread<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let threads = rayon::current_num_threads().saturating_sub(1).max(1);
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        // No thread for a pool of its own: the global pool does it, as before.
        Err(_) => work(),
    }
}
