//! `Record`: what the loaders read rows into. A table's own struct (every `Table` is
//! one), or a partial struct of it (`#[derive(Partial)]`), whose relation fields may
//! hold partial structs in turn.
//!
//! A query's relation specs are made by `.with(..)` for the table's own structs. When
//! the rows go into a partial struct, `retarget` walks the specs and points each one
//! at the type of the partial struct's field instead: its loader steps (`Ops`), the
//! columns its statement selects (`Selection`), and below it, its own specs. The
//! loaders are generic over `Record`, so the rest does not know which it reads.
//!
//! A partial struct need not read the keys its relations join on. Batch selects them
//! besides its columns: a partial parent's `from` columns after its own (`hidden`),
//! and a partial child's `to` columns as the trailing key it is grouped by. Join needs
//! no keys: its subqueries are correlated with the parent row in SQL.

use super::ops::Ops;
use super::relation::{Relation, ToMany, ToOne};
use super::spec::LoadSpec;
use crate::model::error::{Error, Result};
use crate::model::fields::{Many, One};
use crate::model::meta::TableMeta;
use crate::model::row::{Path, RowReader};
use crate::model::table::Table;
use crate::model::value::Value;
use crate::sql::computed::AnyComputed;
use crate::sql::expr::OrderKey;
use crate::sql::scalar::Store;
use std::any::Any;

/// A struct Rel reads rows into: a table's own struct, or a partial struct of it. The
/// derives implement it; it is not a public API.
#[doc(hidden)]
pub trait Record: Sized + Send + Sync + 'static {
    /// The table the rows are of.
    type Of: Table;
    /// The fields read from each row, in order: columns by their SQL names, and a
    /// computed field by its own name. `None`: all of the table's columns.
    const SELECTED: Option<&'static [&'static str]>;
    /// The computed fields, by their position in `SELECTED`.
    fn computed_fields() -> Result<Vec<(usize, AnyComputed)>>;
    /// Reads the fields from a row of `SELECTED`, in order.
    fn decode_record(row: &mut RowReader<'_>) -> Result<Self>;
    /// The value of the table's column at `column` (its position in the table), where
    /// the record has it.
    fn record_column(&self, column: usize) -> Option<Value>;
    /// The field of the table's relation at `index`, where the record has it.
    fn record_relation(&self, index: usize) -> Option<&dyn Any>;
    /// The same, to set it.
    fn record_relation_mut(&mut self, index: usize) -> Option<&mut dyn Any>;
    /// A copy of the fields read from the row, its relations not loaded.
    fn copy_record(&self) -> Result<Self>;
    /// What loads the table's relation at `index` into this record's field of it:
    /// `None` for a table's own struct (the specs are made for it), and for a partial
    /// struct without that field.
    fn field_loader(index: usize) -> Option<FieldLoader>;
}

impl<T: Table> Record for T {
    type Of = T;
    const SELECTED: Option<&'static [&'static str]> = None;
    fn computed_fields() -> Result<Vec<(usize, AnyComputed)>> {
        Ok(Vec::new())
    }
    #[inline(always)]
    fn decode_record(row: &mut RowReader<'_>) -> Result<Self> {
        <T as Table>::decode(row)
    }
    #[inline]
    fn record_column(&self, column: usize) -> Option<Value> {
        <T as Table>::column_value(self, column)
    }
    fn record_relation(&self, index: usize) -> Option<&dyn Any> {
        <T as Table>::relation(self, index)
    }
    fn record_relation_mut(&mut self, index: usize) -> Option<&mut dyn Any> {
        <T as Table>::relation_field(self, index)
    }
    fn copy_record(&self) -> Result<Self> {
        let values = <T as Table>::values(self);
        <T as Table>::decode(&mut RowReader::new(T::META, Path::Root, values))
    }
    fn field_loader(_: usize) -> Option<FieldLoader> {
        None
    }
}

/// The table of record `R`.
pub fn meta<R: Record>() -> &'static TableMeta {
    <R::Of as Table>::META
}

/// The name of the table of record `R`.
pub fn name<R: Record>() -> &'static str {
    <R::Of as Table>::NAME
}

/// The columns a level selects into partial structs: its fields (`columns`, some of
/// them computed) and, for Batch, the parent-side keys of its own relations that it
/// does not read (`hidden`), so that they can be loaded below it.
#[derive(Clone, Debug)]
pub struct Selection {
    pub columns: &'static [&'static str],
    pub computed: Vec<(usize, AnyComputed)>,
    pub hidden: Vec<&'static str>,
}

impl Selection {
    /// The selection of record `R` with relations `specs` below it; `None` for a
    /// table's own struct.
    pub fn of<R: Record>(specs: &[LoadSpec]) -> Result<Option<Selection>> {
        let Some(columns) = R::SELECTED else {
            return Ok(None);
        };
        let mut hidden: Vec<&'static str> = Vec::new();
        for spec in specs {
            for column in spec.rel.from {
                if !hidden.contains(column) {
                    hidden.push(column);
                }
            }
        }
        Ok(Some(Selection {
            columns,
            computed: R::computed_fields()?,
            hidden,
        }))
    }

    /// The computed field at position `i`, if it is one.
    pub fn computed_at(&self, i: usize) -> Option<&AnyComputed> {
        self.computed
            .iter()
            .find(|(at, _)| *at == i)
            .map(|(_, value)| value)
    }

    /// Whether the field named `name` is computed (a computed field may share a
    /// column's name).
    pub fn computed_at_name(&self, name: &str) -> bool {
        self.columns
            .iter()
            .enumerate()
            .any(|(i, c)| *c == name && self.computed_at(i).is_some())
    }

    /// The key of relation `spec` among the hidden values of a row.
    pub fn key_values(&self, spec: &LoadSpec, hidden: &[Value]) -> Vec<Value> {
        spec.rel
            .from
            .iter()
            .map(|c| {
                self.hidden
                    .iter()
                    .position(|h| h == c)
                    .and_then(|i| hidden.get(i).cloned())
                    .unwrap_or(Value::Null(crate::model::value::SqlType::BigInt))
            })
            .collect()
    }
}

/// What loads one relation into a partial struct's field: the field's record type,
/// through [`FieldLoader::of`].
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct FieldLoader {
    retarget: fn(&mut LoadSpec) -> Result<()>,
}

impl FieldLoader {
    /// Loads into a field whose rows are records `R` (`Many<R>`, `One<R>`,
    /// `One<Option<R>>`).
    pub fn of<R: Record>() -> FieldLoader {
        FieldLoader {
            retarget: retarget_to::<R>,
        }
    }
}

/// Points `spec` at a field of record `R`, and its own specs at `R`'s fields.
fn retarget_to<R: Record>(spec: &mut LoadSpec) -> Result<()> {
    // A page's cursor holds the last row's ordering columns and primary key.
    if spec.page.is_some() {
        let target = (spec.rel.target)();
        let mut columns: Vec<&'static str> = spec
            .order
            .iter()
            .filter_map(|t| match t.key {
                OrderKey::Column(c) => Some(c),
                _ => None,
            })
            .collect();
        columns.extend(target.primary_key);
        reads::<R>(spec, &columns, "its ordering and primary-key column")?;
    }
    match &mut spec.aggregate {
        // An aggregate's steps are untyped; only its store knows the field.
        Some(aggregate) => aggregate.store = Store::of::<R>(),
        None => spec.ops = Some(Ops::of::<R>()),
    }
    retarget::<R>(&mut spec.children)?;
    spec.select = Selection::of::<R>(&spec.children)?;
    Ok(())
}

/// [`Error::Unsupported`] unless record `R` reads each of `columns` (what a page of
/// relation `spec` needs, described by `what`): a table's own struct reads them all.
fn reads<R: Record>(spec: &LoadSpec, columns: &[&'static str], what: &str) -> Result<()> {
    let Some(selected) = R::SELECTED else {
        return Ok(());
    };
    let computed = R::computed_fields()?;
    let read = |c: &&str| {
        selected
            .iter()
            .enumerate()
            .any(|(i, s)| s == c && !computed.iter().any(|(at, _)| *at == i))
    };
    match columns.iter().find(|c| !read(c)) {
        Some(column) => Err(Error::Unsupported {
            table: name::<R>(),
            relation: spec.rel.name,
            message: format!(
                "a relation loaded by page needs {what} `{column}` for its cursor: read it in the partial struct"
            ),
        }),
        None => Ok(()),
    }
}

/// Points each of `specs` (made for `R::Of`'s own struct) at the fields of record
/// `R`. A partial struct without a field for a loaded relation is
/// [`Error::Unsupported`], before anything is sent.
pub fn retarget<R: Record>(specs: &mut [LoadSpec]) -> Result<()> {
    if R::SELECTED.is_none() {
        return Ok(());
    }
    for spec in specs {
        let Some(loader) = R::field_loader(spec.field) else {
            return Err(Error::Unsupported {
                table: name::<R>(),
                relation: spec.rel.name,
                message: format!(
                    "the partial struct `{}` has no field `{}` to load it into: add one \
                     (`{}: Many<..>` or `One<..>`, of `{}` or a partial struct of it)",
                    std::any::type_name::<R>()
                        .rsplit("::")
                        .next()
                        .unwrap_or_default(),
                    spec.rel.name,
                    spec.rel.name,
                    (spec.rel.target)().type_name,
                ),
            });
        };
        // A page's cursor holds the parent's key.
        if spec.page.is_some() {
            reads::<R>(spec, spec.rel.from, "its parent's key column")?;
        }
        (loader.retarget)(spec)?;
    }
    Ok(())
}

/// A copy of a partial struct from the values of its fields, in order: its relations
/// not loaded. For the derive.
#[doc(hidden)]
pub fn copy_record<R: Record>(values: Vec<Value>) -> Result<R> {
    let names = R::SELECTED.unwrap_or_default();
    R::decode_record(&mut RowReader::for_names(name::<R>(), names, values))
}

/// A field of a partial struct that a relation loads into: `Many<R>`, `One<R>` or
/// `One<Option<R>>`, where `R` is the target's own struct or a partial struct of it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a relation field",
    label = "a relation loads into `Many<..>`, `One<..>` or `One<Option<..>>`",
    note = "its rows are the related table's struct, or a `#[derive(Partial)]` struct of it"
)]
#[doc(hidden)]
pub trait RelationField {
    /// The rows' type.
    type Record: Record;
    /// [`ToMany`] or [`ToOne`].
    type Kind;
}

impl<R: Record> RelationField for Many<R> {
    type Record = R;
    type Kind = ToMany;
}

impl<R: Record> RelationField for One<R> {
    type Record = R;
    type Kind = ToOne;
}

impl<R: Record> RelationField for One<Option<R>> {
    type Record = R;
    type Kind = ToOne;
}

/// The check of a partial struct's relation field `F` against the relation's handle:
/// the same kind, and rows of the relation's target. For the derive.
#[doc(hidden)]
pub fn partial_relation<From, To, Kind, State, F>(_: Relation<From, To, Kind, State>)
where
    F: RelationField<Kind = Kind>,
    F::Record: Record<Of = To>,
{
}
