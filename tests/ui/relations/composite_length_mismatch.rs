use rel::prelude::*;

#[derive(Table)]
#[table(primary_key(a, b))]
struct Parent {
    a: i64,
    b: i64,
}

#[derive(Table)]
struct Child {
    #[column(primary_key)]
    id: i64,
    pa: i64,
    pb: i64,
    #[relation(one, from = (pa, pb), to = (Parent::a))]
    parent: One<Parent>,
}

fn main() {}
