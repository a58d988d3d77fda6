// A newtype key: the error gives the one line that makes it a column type.
use rel::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq)]
struct UserId(i64);

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: UserId,
}
fn main() {}
