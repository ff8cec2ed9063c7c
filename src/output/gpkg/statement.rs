//! A prepared INSERT whose text and blob parameters SQLite reads in place.
//!
//! rusqlite binds every text and blob with SQLITE_TRANSIENT: SQLite copies each value
//! into memory of its own before the statement runs, a malloc, a copy and a free per
//! value (a county's layers: millions). Bound with SQLITE_STATIC, SQLite reads the
//! caller's bytes when the statement runs instead, which the caller must keep alive and
//! unchanged until then (`bind_*` are unsafe for that reason).

use std::ffi::CString;
use std::marker::PhantomData;
use std::os::raw::c_int;
use std::ptr::NonNull;

use rusqlite::{ffi, Connection};

/// A value ready for a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(std::borrow::Cow<'a, str>),
}

/// A prepared statement of `conn`, finalized on drop.
pub struct Insert<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> Insert<'c> {
    pub fn prepare(conn: &'c Connection, sql: &str) -> rusqlite::Result<Insert<'c>> {
        let sql = CString::new(sql).map_err(|_| rusqlite::Error::InvalidQuery)?;
        // SAFETY: the handle is the live connection's, used on this thread only while
        // `conn` is borrowed; sqlite3_prepare_v2 writes the new statement or null.
        unsafe {
            let db = conn.handle();
            let mut stmt = std::ptr::null_mut();
            let rc = ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut());
            check(db, rc)?;
            let stmt = NonNull::new(stmt).ok_or(rusqlite::Error::InvalidQuery)?;
            Ok(Insert { stmt, db, _conn: PhantomData })
        }
    }

    /// Binds parameter `k` (1-based).
    ///
    /// # Safety
    /// Text bytes are read in place when the statement runs: they must stay alive and
    /// unchanged until `execute` returns.
    pub unsafe fn bind(&mut self, k: usize, value: &SqlValue) -> rusqlite::Result<()> {
        let (s, k) = (self.stmt.as_ptr(), k as c_int);
        // SAFETY: `s` is this statement; text pointers outlive the next `execute` (the
        // caller's promise).
        let rc = unsafe {
            match value {
                SqlValue::Null => ffi::sqlite3_bind_null(s, k),
                SqlValue::Int(x) => ffi::sqlite3_bind_int64(s, k, *x),
                SqlValue::Real(x) => ffi::sqlite3_bind_double(s, k, *x),
                SqlValue::Text(t) => ffi::sqlite3_bind_text(s, k, t.as_ptr().cast(), len(t.len())?, ffi::SQLITE_STATIC()),
            }
        };
        check(self.db, rc)
    }

    /// Binds parameter `k` (1-based) to a blob.
    ///
    /// # Safety
    /// As for `bind`: the bytes must stay alive and unchanged until `execute` returns.
    pub unsafe fn bind_blob(&mut self, k: usize, blob: &[u8]) -> rusqlite::Result<()> {
        // SAFETY: as above.
        let rc = unsafe { ffi::sqlite3_bind_blob(self.stmt.as_ptr(), k as c_int, blob.as_ptr().cast(), len(blob.len())?, ffi::SQLITE_STATIC()) };
        check(self.db, rc)
    }

    /// Runs the statement once (it returns no rows) and resets it for the next bindings.
    pub fn execute(&mut self) -> rusqlite::Result<()> {
        // SAFETY: `stmt` is a live statement of `db`; reset keeps the bindings, which
        // the caller replaces before the next run.
        unsafe {
            let rc = ffi::sqlite3_step(self.stmt.as_ptr());
            let reset = ffi::sqlite3_reset(self.stmt.as_ptr());
            match rc {
                ffi::SQLITE_DONE => check(self.db, reset),
                _ => check(self.db, rc),
            }
        }
    }
}

impl Drop for Insert<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is finalized exactly once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

fn len(n: usize) -> rusqlite::Result<c_int> {
    c_int::try_from(n).map_err(|_| rusqlite::Error::ToSqlConversionFailure("a value of more than 2 GiB".into()))
}

/// SQLite's result code as an error, with the connection's message.
fn check(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Result<()> {
    if rc == ffi::SQLITE_OK {
        return Ok(());
    }
    // SAFETY: sqlite3_errmsg returns a string owned by the connection, copied here.
    let message = unsafe { std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy().into_owned();
    Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), Some(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_bound_in_place_are_stored_and_errors_carry_sqlites_message() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB NOT NULL)").unwrap();
        let mut insert = Insert::prepare(&conn, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)").unwrap();
        let texts = [String::from("乡村"), String::new()];
        for (k, text) in texts.iter().enumerate() {
            let blob = vec![k as u8; 3];
            // SAFETY: the values outlive the execute below.
            unsafe {
                insert.bind(1, &SqlValue::Int(k as i64 + 1)).unwrap();
                insert.bind(2, &SqlValue::Text(text.into())).unwrap();
                insert.bind(3, &if k == 0 { SqlValue::Real(1.5) } else { SqlValue::Null }).unwrap();
                insert.bind_blob(4, &blob).unwrap();
            }
            insert.execute().unwrap();
        }
        let rows: Vec<(i64, String, Option<f64>, Vec<u8>)> = conn
            .prepare("SELECT a, b, c, d FROM t ORDER BY a")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows, vec![(1, "乡村".into(), Some(1.5), vec![0; 3]), (2, String::new(), None, vec![1; 3])]);
        // A duplicate key: SQLite's constraint error, and the statement still usable.
        // SAFETY: as above.
        unsafe {
            insert.bind(1, &SqlValue::Int(1)).unwrap();
            insert.bind_blob(4, &[]).unwrap();
        }
        let err = insert.execute().unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation), "{err}");
        assert!(err.to_string().contains("UNIQUE"), "{err}");
    }
}
