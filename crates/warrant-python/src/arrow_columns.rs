//! An Arrow record batch in, the engine's columns built from it, columnar
//! evaluation, and a result batch out. Each column is found by its name
//! ([`ColumnKind::of`]); a column no rule reads, a type that does not fit
//! its kind or a refused value is a coded error that names the column, the
//! row and the fix, with the profile reader's code for the same fault: no
//! such input `E0602`, a wrong type or word `E0601`, a unit `E0603`, an
//! input given twice `E0608`, an `id_column` the batch lacks `E0640`.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use warrant::diagnostic::Diagnostic;
use warrant::infer::Truth;
use warrant::infer::columnar::{ColumnError, ColumnKind, ColumnarEvaluator, Columns};
use warrant::knowledge_base::KnowledgeBase;
use warrant::profile::{LabSlot, Sex, SlotError};
use warrant::units::Unit;

/// The field metadata key that says which unit a lab column holds.
const UNIT_KEY: &str = "unit";

/// What is wrong with a column, before the column's name is known: a code
/// and a message.
type Problem = (&'static str, String);

/// A wrong type or word: `E0601`, as a profile field's.
fn wrong(message: String) -> Problem {
    ("E0601", message)
}

fn refused(error: ColumnError) -> Problem {
    (error.code(), error.to_string())
}

/// Evaluates `batch`; the result has `id_column` (when given, unchanged),
/// then `fired`, `undecided` and `not_considered` per row.
pub fn evaluate(
    kb: &KnowledgeBase,
    batch: &RecordBatch,
    id_column: Option<&str>,
) -> Result<RecordBatch, Diagnostic> {
    let program = &kb.graph.program;
    let mut columns = Columns::new(program, batch.num_rows());
    let schema = batch.schema();
    let mut id = None;
    let mut given: Vec<(ColumnKind, &str)> = Vec::new();
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        let name = field.name();
        if Some(name.as_str()) == id_column {
            id = Some((field.clone(), array.clone()));
            continue;
        }
        let at = |(code, problem): Problem| Diagnostic::error(code, format!("column `{name}`: {problem}"));
        let Some(kind) = ColumnKind::of(program, name) else {
            return Err(at((
                "E0602",
                format!(
                    "no rule reads an input of this name; give only the knowledge base's inputs (labs, flags, age, \
                 sex, pregnant, lactating, conditions, medications, supplements, diet){}",
                    if id_column.is_none() { ", and name an identifier column with `id_column`" } else { "" }
                ),
            )));
        };
        if let Some((_, earlier)) = given.iter().find(|(other, _)| same_input(*other, kind)) {
            return Err(at((
                "E0608",
                format!(
                    "column `{earlier}` gives the same input; keep one of the two (names are compared \
                     ignoring case, spaces and hyphens)"
                ),
            )));
        }
        given.push((kind, name));
        set(&mut columns, kind, field, array.as_ref()).map_err(at)?;
    }
    if let (Some(wanted), None) = (id_column, &id) {
        let message = format!("`id_column` is `{wanted}`, but the batch has no column of that name");
        return Err(Diagnostic::error("E0640", message).help("name the column that identifies each profile"));
    }

    let outcomes: Vec<_> = program.outcomes().collect();
    let mut fired = ListBuilder::new(StringBuilder::new());
    let mut undecided = ListBuilder::new(StringBuilder::new());
    let mut not_considered = ListBuilder::new(StringBuilder::new());
    let mut evaluator = ColumnarEvaluator::new(&kb.graph);
    evaluator
        .run(&columns, |block| {
            for row in 0..block.rows {
                let verdicts = block.row(row);
                for (id, rule) in &outcomes {
                    match verdicts.verdict(*id) {
                        Truth::True => fired.values().append_value(&rule.name),
                        Truth::Unknown => undecided.values().append_value(&rule.name),
                        Truth::False => {}
                    }
                }
                fired.append(true);
                undecided.append(true);
                for entry in columns.not_considered(block.first_row + row) {
                    not_considered.values().append_value(entry.describe());
                }
                not_considered.append(true);
            }
        })
        .map_err(|error| Diagnostic::error(error.code(), error.to_string()))?;

    let list = |name: &str| {
        Field::new(name, DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false)
    };
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    if let Some((field, array)) = id {
        fields.push(field.as_ref().clone());
        arrays.push(array);
    }
    for (name, mut builder) in
        [("fired", fired), ("undecided", undecided), ("not_considered", not_considered)]
    {
        fields.push(list(name));
        arrays.push(Arc::new(builder.finish()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|error| Diagnostic::error("E0901", format!("internal error: the result batch: {error}")))
}

/// Whether two columns set the same input (a lab in two units is one lab).
fn same_input(a: ColumnKind, b: ColumnKind) -> bool {
    match (a, b) {
        (ColumnKind::Lab { input: a, .. }, ColumnKind::Lab { input: b, .. }) => a == b,
        (a, b) => a == b,
    }
}

/// Sets one column of `columns` from `array`.
fn set(columns: &mut Columns<'_>, kind: ColumnKind, field: &Field, array: &dyn Array) -> Result<(), Problem> {
    let program = columns.program();
    match kind {
        ColumnKind::Lab { input, unit } => {
            let unit = match field.metadata().get(UNIT_KEY) {
                Some(symbol) => Unit::parse(symbol).ok_or_else(|| {
                    (
                        "E0603",
                        format!(
                            "the field's `unit` metadata is `{symbol}`, which is not a unit Warrant knows"
                        ),
                    )
                })?,
                None => unit,
            };
            let slot = LabSlot::of(program, input, unit).map_err(|error| match error {
                SlotError::UnitDoesNotFit(_) | SlotError::UnknownUnit => (
                    "E0603",
                    format!("the values are in `{}`, which does not fit this lab; give its unit in the field's `unit` metadata", unit.symbol),
                ),
                SlotError::UnknownLab => ("E0602", "not a lab".to_owned()),
            })?;
            columns.lab(slot, &numbers(array)?).map_err(refused)
        }
        ColumnKind::Age => columns.age(&numbers(array)?).map_err(refused),
        ColumnKind::Sex => {
            let words = strings(array)?;
            let sexes = words
                .iter()
                .enumerate()
                .map(|(row, word)| match word.as_deref() {
                    None => Ok(None),
                    Some("female") => Ok(Some(Sex::Female)),
                    Some("male") => Ok(Some(Sex::Male)),
                    Some("other") => Ok(Some(Sex::Other)),
                    Some(other) => Err(wrong(format!(
                        "row {row} is `{other}`; write `female`, `male` or `other`, or null"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            columns.sex(&sexes).map_err(refused)
        }
        ColumnKind::Person(builtin) => columns.person_flag(builtin, &booleans(array)?).map_err(refused),
        ColumnKind::Flag(slot) => columns.flag(slot, &booleans(array)?).map_err(refused),
        ColumnKind::List(list) => columns.list(list, &lists(array)?).map_err(refused),
    }
}

/// A numeric column's values as `f64`, null as `None`.
fn numbers(array: &dyn Array) -> Result<Vec<Option<f64>>, Problem> {
    macro_rules! widen {
        ($type:ty) => {
            array.as_primitive::<$type>().iter().map(|value| value.map(|v| v as f64)).collect()
        };
    }
    Ok(match array.data_type() {
        DataType::Float64 => array.as_primitive::<Float64Type>().iter().collect(),
        DataType::Float32 => widen!(Float32Type),
        DataType::Int8 => widen!(Int8Type),
        DataType::Int16 => widen!(Int16Type),
        DataType::Int32 => widen!(Int32Type),
        DataType::Int64 => widen!(Int64Type),
        DataType::UInt8 => widen!(UInt8Type),
        DataType::UInt16 => widen!(UInt16Type),
        DataType::UInt32 => widen!(UInt32Type),
        DataType::UInt64 => widen!(UInt64Type),
        other => {
            return Err(wrong(format!("the column is {other}; give numbers (a float or integer column)")));
        }
    })
}

fn booleans(array: &dyn Array) -> Result<Vec<Option<bool>>, Problem> {
    match array.as_boolean_opt() {
        Some(values) => Ok(values.iter().collect()),
        None => Err(wrong(format!(
            "the column is {}; give true, false or null (a boolean column)",
            array.data_type()
        ))),
    }
}

fn strings(array: &dyn Array) -> Result<Vec<Option<String>>, Problem> {
    let owned = |value: Option<&str>| value.map(str::to_owned);
    match array.data_type() {
        DataType::Utf8 => Ok(array.as_string::<i32>().iter().map(owned).collect()),
        DataType::LargeUtf8 => Ok(array.as_string::<i64>().iter().map(owned).collect()),
        DataType::Utf8View => Ok(array.as_string_view().iter().map(owned).collect()),
        other => Err(wrong(format!("the column is {other}; give text (a string column)"))),
    }
}

/// A list-of-strings column; a null list is unknown, a null entry an error.
fn lists(array: &dyn Array) -> Result<Vec<Option<Vec<String>>>, Problem> {
    let items: Vec<Option<ArrayRef>> = match array.data_type() {
        DataType::List(_) => array.as_list::<i32>().iter().collect(),
        DataType::LargeList(_) => array.as_list::<i64>().iter().collect(),
        other => {
            return Err(wrong(format!(
                "the column is {other}; give a list of names (a list<string> column)"
            )));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(row, entries)| {
            let Some(entries) = entries else { return Ok(None) };
            let names = strings(entries.as_ref())?;
            names
                .into_iter()
                .map(|name| {
                    name.ok_or_else(|| wrong(format!("row {row} has a null entry; leave it out of the list")))
                })
                .collect::<Result<Vec<String>, Problem>>()
                .map(Some)
        })
        .collect()
}
