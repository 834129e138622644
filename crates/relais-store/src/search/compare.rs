//! How one stored index row compares with one search value: the conditions on the row's columns
//! for each parameter type, prefix and modifier (docs/api.md, "How values compare").

use relais_fhir::search::{FilterValue, Modifier, ParamType, Prefix, TokenSystem};

use super::filter::Unanswerable;
use super::sql::{Sql, like_escaped, prefix_upper_bound};

/// The condition on the index row `i` (of the table of `kind`) for one value.
pub(crate) fn value_condition(
    i: &str,
    kind: ParamType,
    value: &FilterValue,
    modifier: Option<&Modifier>,
) -> Result<Sql, Unanswerable> {
    let mut sql = Sql::default();
    match (kind, value) {
        (ParamType::Token, FilterValue::Token { .. }) => {
            return token_condition(&format!("{i}.system"), &format!("{i}.code"), value);
        }
        (ParamType::Token, FilterValue::Text(text)) => {
            sql.append(prefix_condition(&format!("{i}.text"), text));
        }
        (ParamType::String, FilterValue::String(text)) => match modifier {
            Some(Modifier::Exact) => {
                sql.push(&format!("{i}.exact = ")).text(text);
            }
            Some(Modifier::Contains) => {
                sql.push(&format!("{i}.value LIKE "))
                    .text(&format!("%{}%", like_escaped(text)))
                    .push(" ESCAPE '\\'");
            }
            _ => {
                sql.append(prefix_condition(&format!("{i}.value"), text));
            }
        },
        (ParamType::Date, FilterValue::Date { prefix, lo, hi }) => {
            sql.append(range_condition(&format!("{i}.lo"), &format!("{i}.hi"), *prefix, *lo, *hi));
        }
        (ParamType::Reference, FilterValue::Reference { target_type, id }) => {
            sql.push(&format!("{i}.target_id = ")).text(id);
            if let Some(t) = target_type {
                sql.push(&format!(" AND {i}.target_type = ")).text(t);
            }
        }
        (ParamType::Reference, FilterValue::ReferenceUrl(url)) => {
            sql.push(&format!("{i}.url = ")).text(url);
        }
        (ParamType::Number, FilterValue::Number { prefix, value, lo, hi }) => {
            sql.append(number_condition(&format!("{i}.value"), *prefix, *value, *lo, *hi));
        }
        (ParamType::Quantity, FilterValue::Quantity { prefix, value, lo, hi, system, code }) => {
            sql.append(number_condition(&format!("{i}.value"), *prefix, *value, *lo, *hi));
            match (system, code) {
                (Some(system), Some(code)) => {
                    sql.push(&format!(" AND {i}.system = "))
                        .text(system)
                        .push(&format!(" AND {i}.code = "))
                        .text(code);
                }
                (None, Some(code)) => {
                    sql.push(&format!(" AND ({i}.code = "))
                        .text(code)
                        .push(&format!(" OR ({i}.code IS NULL AND {i}.unit = "))
                        .text(code)
                        .push("))");
                }
                (Some(system), None) => {
                    sql.push(&format!(" AND {i}.system = ")).text(system);
                }
                (None, None) => {}
            }
        }
        (ParamType::Uri, FilterValue::Uri(uri)) => match modifier {
            Some(Modifier::Below) => {
                sql.append(prefix_condition(&format!("{i}.value"), uri));
            }
            Some(Modifier::Above) => {
                // The stored URI is a prefix of the value: `value` starts with it.
                sql.text(uri).push(&format!(" LIKE ({i}.value || '%')"));
            }
            _ => {
                sql.push(&format!("{i}.value = ")).text(uri);
            }
        },
        _ => return Err(Unanswerable),
    }
    Ok(sql)
}

pub(crate) fn token_condition(
    system_col: &str,
    code_col: &str,
    value: &FilterValue,
) -> Result<Sql, Unanswerable> {
    let FilterValue::Token { system, code } = value else { return Err(Unanswerable) };
    let mut sql = Sql::default();
    match code {
        Some(code) => {
            sql.push(&format!("{code_col} = ")).text(code);
        }
        None => {
            sql.push(&format!("{code_col} IS NOT NULL"));
        }
    }
    match system {
        TokenSystem::Any => {}
        TokenSystem::NoSystem => {
            sql.push(&format!(" AND {system_col} IS NULL"));
        }
        TokenSystem::Is(system) => {
            sql.push(&format!(" AND {system_col} = ")).text(system);
        }
    }
    Ok(sql)
}

/// `column` starts with `prefix`, as an index range.
fn prefix_condition(column: &str, prefix: &str) -> Sql {
    let mut sql = Sql::default();
    sql.push(&format!("{column} >= ")).text(prefix);
    if let Some(upper) = prefix_upper_bound(prefix) {
        sql.push(&format!(" AND {column} < ")).text(&upper);
    }
    sql
}

/// A stored range [`lo_col`, `hi_col`] against the parameter's range [`lo`, `hi`] (both ends
/// included), as docs/api.md states each prefix.
pub(crate) fn range_condition(lo_col: &str, hi_col: &str, prefix: Prefix, lo: i64, hi: i64) -> Sql {
    let mut sql = Sql::default();
    match prefix {
        Prefix::Eq => {
            sql.push(&format!("({lo_col} >= ")).int(lo).push(&format!(" AND {hi_col} <= ")).int(hi).push(")");
        }
        Prefix::Ne => {
            sql.push(&format!("({lo_col} < ")).int(lo).push(&format!(" OR {hi_col} > ")).int(hi).push(")");
        }
        Prefix::Lt => {
            sql.push(&format!("{lo_col} < ")).int(lo);
        }
        Prefix::Gt => {
            sql.push(&format!("{hi_col} > ")).int(hi);
        }
        Prefix::Le => {
            sql.push(&format!("{lo_col} <= ")).int(hi);
        }
        Prefix::Ge => {
            sql.push(&format!("{hi_col} >= ")).int(lo);
        }
        Prefix::Sa => {
            sql.push(&format!("{lo_col} > ")).int(hi);
        }
        Prefix::Eb => {
            sql.push(&format!("{hi_col} < ")).int(lo);
        }
        Prefix::Ap => {
            // Overlapping the value widened by a tenth of its own span, and at least a day.
            let width = hi.saturating_sub(lo) / 10;
            let margin = width.max(86_400_000_000);
            sql.push(&format!("({lo_col} <= "))
                .int(hi.saturating_add(margin))
                .push(&format!(" AND {hi_col} >= "))
                .int(lo.saturating_sub(margin))
                .push(")");
        }
    }
    sql
}

/// A stored number against a value: `eq` within the value's precision ([`lo`, `hi`)), the
/// other prefixes against the value itself, `ap` within 10 %.
fn number_condition(column: &str, prefix: Prefix, value: f64, lo: f64, hi: f64) -> Sql {
    let mut sql = Sql::default();
    match prefix {
        Prefix::Eq => {
            sql.push(&format!("({column} >= "))
                .real(lo)
                .push(&format!(" AND {column} < "))
                .real(hi)
                .push(")");
        }
        Prefix::Ne => {
            sql.push(&format!("({column} < ")).real(lo).push(&format!(" OR {column} >= ")).real(hi).push(")");
        }
        Prefix::Lt | Prefix::Eb => {
            sql.push(&format!("{column} < ")).real(value);
        }
        Prefix::Gt | Prefix::Sa => {
            sql.push(&format!("{column} > ")).real(value);
        }
        Prefix::Le => {
            sql.push(&format!("{column} <= ")).real(value);
        }
        Prefix::Ge => {
            sql.push(&format!("{column} >= ")).real(value);
        }
        Prefix::Ap => {
            let margin = (value * 0.1).abs();
            sql.push(&format!("({column} >= "))
                .real(value - margin)
                .push(&format!(" AND {column} <= "))
                .real(value + margin)
                .push(")");
        }
    }
    sql
}
