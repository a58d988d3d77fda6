// A column type that is not `Send` (it holds an `Rc`) cannot be a column: a table must
// stay `Send` and `Sync`, and relation fields no longer prove that for the tables they
// reach, so the check rests on the columns.
use rel::prelude::*;
use rel::{ColumnValue, DecodeError, SqlType, Value};
use std::rc::Rc;

struct Label(Rc<str>);

impl ColumnValue for Label {
    const SQL_TYPE: SqlType = SqlType::Text;
    fn to_value(&self) -> Value {
        Value::Text(self.0.to_string())
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        String::from_value(value).map(|s| Label(s.into()))
    }
}

#[derive(Table)]
struct Tag {
    #[column(primary_key)]
    id: i64,
    label: Label,
}

fn main() {}
