//! The names Rel gives the constraints and indexes it creates: `{table}_{relation}_fkey`
//! and `{table}_{columns}_idx`, cut to 60 bytes with a hash suffix. A PostgreSQL or
//! MySQL constraint error is mapped back to its relation by them.

/// `{table}_{relation}_fkey`, kept within identifier length limits.
pub fn fk_name(table: &str, relation: &str) -> String {
    bounded_name(&[table, relation, "fkey"])
}

/// `{table}_{columns}_idx`, kept within identifier length limits.
pub fn index_name(table: &str, columns: &[&str]) -> String {
    bounded_name(&[table, &columns.join("_"), "idx"])
}

/// Joins parts with `_`; past 60 bytes (PostgreSQL allows 63, MySQL 64) it keeps a prefix
/// and appends a hash of the whole name, so distinct long names stay distinct.
fn bounded_name(parts: &[&str]) -> String {
    let full = parts.join("_");
    if full.len() <= 60 {
        return full;
    }
    // FNV-1a: stable across builds, unlike the std hasher.
    let hash = full.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut cut = 51;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{:08x}", &full[..cut], hash as u32)
}
