// Renames a migration carries out: a table and a column, with their old names.
use rel::prelude::*;

#[derive(Table)]
#[table(name = "people", renamed_from = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    #[column(renamed_from = "bio")]
    about: String,
}

fn main() {
    let meta = <User as Table>::META;
    assert_eq!(meta.renamed_from, Some("users"));
    assert_eq!(meta.columns[1].renamed_from, Some("bio"));
}
