// PostgreSQL keeps only the first 63 bytes of a name, so two long names could collide.
use rel::prelude::*;

#[derive(Table)]
#[table(name = "customer_loyalty_programme_membership_history_entries_archive_2024")]
struct Entry {
    #[column(primary_key)]
    id: i64,
}

fn main() {}
