// A raw fragment is a `&'static str`, part of the program: text built at run time
// (from input, say) cannot become SQL, only a bound value.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let input = String::from("1 = 1; DROP TABLE user");
    let sql = format!("{{name}} = 'x' OR {input}");
    let _ = Expr::<User>::raw(&sql, ());
}
