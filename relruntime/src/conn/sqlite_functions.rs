//! SQL functions Rel registers on every SQLite connection. With `sqlite_raw.rs`, this
//! is the crate's only `unsafe` code.
//!
//! - `rel_f64_bits(x)` returns the IEEE-754 bits of a double as an integer. The Join
//!   strategy sends SQLite doubles through JSON this way, because SQLite's JSON (and
//!   `printf`) print doubles inexactly: 15 significant digits, and wrong digits at large
//!   exponents (`-1e300` comes back as `-9.999999999999999e299`). Integers travel
//!   through JSON exactly.
//! - `rel_lower(x)` lowercases text with Rust's Unicode rules, for `ilike`: SQLite's own
//!   `LOWER` folds ASCII only, where PostgreSQL's and MariaDB's fold all of Unicode.

use libsqlite3_sys as ffi;
use std::ffi::CStr;
use std::os::raw::c_int;

type ScalarFunction =
    unsafe extern "C" fn(*mut ffi::sqlite3_context, c_int, *mut *mut ffi::sqlite3_value);

/// Registers the functions on one connection.
pub(crate) async fn register(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let functions: [(&CStr, ScalarFunction); 2] =
        [(c"rel_f64_bits", f64_bits), (c"rel_lower", lower)];
    for (name, function) in functions {
        // SAFETY: `db` is this connection's open handle, locked for the call; the name
        // is a NUL-terminated literal; the function keeps no user data, so no
        // destructor is needed.
        let rc = unsafe {
            ffi::sqlite3_create_function_v2(
                db,
                name.as_ptr(),
                1,
                ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
                std::ptr::null_mut(),
                Some(function),
                None,
                None,
                None,
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(sqlx::Error::Configuration(
                format!("registering {name:?} failed with SQLite code {rc}").into(),
            ));
        }
    }
    Ok(())
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

/// `rel_lower(x)`: NULL for NULL, else `x` as text, lowercased.
unsafe extern "C" fn lower(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with `argc` (registered as 1) valid values in `argv`.
    // `sqlite3_value_text` returns the value as UTF-8 text (converting numbers), valid
    // until the next call on the value, with `sqlite3_value_bytes` bytes; both are read
    // before returning. SQLITE_TRANSIENT makes SQLite copy the result before `lowered`
    // is dropped.
    unsafe {
        if argc != 1 {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let value = *argv;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let text = ffi::sqlite3_value_text(value);
        let len = usize::try_from(ffi::sqlite3_value_bytes(value)).unwrap_or(0);
        let bytes = if text.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(text, len)
        };
        let lowered = String::from_utf8_lossy(bytes).to_lowercase();
        match c_int::try_from(lowered.len()) {
            Ok(n) => {
                ffi::sqlite3_result_text(ctx, lowered.as_ptr().cast(), n, ffi::SQLITE_TRANSIENT())
            }
            Err(_) => ffi::sqlite3_result_error_toobig(ctx),
        }
    }
}
