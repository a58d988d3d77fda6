//! Constant-evaluation helpers used by the derive's cross-table checks.
//!
//! Every function is a `const fn` over the metadata consts of `Table`, so that rustc
//! evaluates the checks the derive generates, and reports a failure at the user's token.
//!
//! | file | what |
//! |---|---|
//! | `text.rs` | comparing names and lists, building a `Message` |
//! | `relations.rs` | inverse inference, alias pairing, junction targets |
//! | `keys.rs` | the key-holder rule, primary and unique keys |
//! | `identifiers.rs` | SQL names against the backends' limits |
//!
//! The generated code names them all as `check::<item>`.

mod identifiers;
mod keys;
mod relations;
mod text;

pub use identifiers::{
    case_blind_backends, case_blind_table_backends, distinct_tables, identifier, json_indexable,
    same_but_case,
};
pub use keys::{
    KeySide, column_field, column_type, field_column, field_type, is_primary_key, is_unique_key,
    key_side, key_side_message,
};
pub use relations::{
    Inverse, MutualText, alias_near_miss, alias_partner, alias_partners, inverse, inverse_count,
    inverse_index, inverse_keys, inverse_message, mutual, precedes, push_fields, refers_to,
    required_key, required_key_back,
};
pub use text::{Message, same_columns, same_types, str_eq};
// For the runtime too: whether a foreign key's columns all take no NULL.
pub use relations::all_required;
