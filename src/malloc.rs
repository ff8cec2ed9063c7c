//! The C allocators' set-up for a run (glibc's and SQLite's).
//!
//! glibc gives every thread that allocates its own arena (up to 8 per core). Memory a
//! rayon worker frees stays in its arena, resident, where the other threads cannot reuse
//! it: a county re-run's resident set was 1.4× what it needed (780 MiB against 550 MiB
//! with two arenas, the same time), and a 1-million-parcel run went past 2 GiB.

/// Caps glibc's arenas at two, before any worker thread starts. Elsewhere a no-op.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Turns off SQLite's memory statistics, before SQLite starts (GDAL's GeoPackage
/// driver and the GeoPackage writer share the one libsqlite3). With them on, every
/// allocation SQLite makes takes a global mutex, also on connections opened without
/// one; writing the results makes millions.
pub fn sqlite_without_memory_statistics() {
    // SAFETY: sqlite3_config is called before sqlite3_initialize (nothing has opened a
    // database yet); if SQLite had started it would refuse (SQLITE_MISUSE), harmlessly.
    unsafe {
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int);
    }
}

/// Hands the C allocator's free memory back to the system. Called between phases: what
/// the analysis freed (dissolving, outlines, the tables) would otherwise stay resident
/// under what the output stage allocates next. Elsewhere a no-op.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused pages of the allocator's arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
