//! SQL functions Rel registers on every SQLite connection.
//!
//! `rel_f64_bits(x)` returns the IEEE-754 bits of a double as an integer. The Join
//! strategy sends SQLite doubles through JSON this way, because SQLite's JSON (and
//! `printf`) print doubles inexactly: 15 significant digits, and wrong digits at large
//! exponents (`-1e300` comes back as `-9.999999999999999e299`). Integers travel
//! through JSON exactly.

use libsqlite3_sys as ffi;
use std::os::raw::c_int;

/// Registers the functions on one connection.
pub(crate) async fn register(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, locked for the call; the name is a
    // NUL-terminated literal; the function keeps no user data, so no destructor is needed.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            c"rel_f64_bits".as_ptr(),
            1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            Some(f64_bits),
            None,
            None,
            None,
        )
    };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(
            format!("registering rel_f64_bits failed with SQLite code {rc}").into(),
        ))
    }
}

/// `rel_f64_bits(x)`: NULL for NULL, else the bits of `x` as a double.
unsafe extern "C" fn f64_bits(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with `argc` (registered as 1) valid values in `argv`.
    unsafe {
        if argc != 1 {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let value = *argv;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
        } else {
            let bits = ffi::sqlite3_value_double(value).to_bits();
            ffi::sqlite3_result_int64(ctx, bits as i64);
        }
    }
}
