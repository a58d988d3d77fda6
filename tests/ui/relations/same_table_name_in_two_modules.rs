// Two structs named `User` in two modules, both the table `users`, related.
mod a {
    use rel::prelude::*;

    #[derive(Table)]
    #[table(name = "users")]
    pub struct User {
        #[column(primary_key)]
        pub id: i64,
    }
}

mod b {
    use super::a;
    use rel::prelude::*;

    #[derive(Table)]
    #[table(name = "users")]
    pub struct User {
        #[column(primary_key)]
        pub id: i64,
        pub old_id: i64,
        #[relation(one, from = old_id, to = a::User::id)]
        pub old: One<a::User>,
    }
}

fn main() {}
