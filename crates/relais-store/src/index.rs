//! Writing and removing search index rows (see relais_fhir::search::extract): one table per
//! parameter type, multi-row inserts. The same statements serve both engines (sqlx's query
//! builder renders the placeholders of each); the macro only instantiates them per engine.

use relais_fhir::search::{IndexEntry, IndexValue};

/// Most rows per multi-row `INSERT` (at most 10 bound values each: far under both engines'
/// limits).
pub(crate) const ROWS_PER_INSERT: usize = 256;

/// Splits `len` rows into runs whose sizes are powers of two (37 → 32, 4, 1): the statement
/// text depends only on the run size, so a handful of prepared statements serve every write
/// instead of one new statement per distinct row count.
pub(crate) fn runs(len: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < len {
        let size = (len - start).min(ROWS_PER_INSERT);
        let size = 1 << (usize::BITS - 1 - size.leading_zeros());
        out.push(start..start + size);
        start += size;
    }
    out
}

/// The index tables, for deletes.
pub(crate) const TABLES: [&str; 7] =
    ["idx_token", "idx_string", "idx_date", "idx_reference", "idx_quantity", "idx_number", "idx_uri"];

/// One resource's entries.
pub(crate) struct Indexed<'a> {
    pub resource_type: &'a str,
    pub id: &'a str,
    pub entries: &'a [IndexEntry],
}

/// The entries of `resources` of one value kind, each with its resource and its ordinal among
/// that resource's entries of the kind (the last part of the table's key).
pub(crate) fn of_kind<'a>(
    resources: &'a [Indexed<'a>],
    kind: fn(&IndexValue) -> bool,
) -> Vec<(&'a str, &'a str, i64, &'a IndexEntry)> {
    resources
        .iter()
        .flat_map(|r| {
            r.entries
                .iter()
                .filter(|e| kind(&e.value))
                .zip(0_i64..)
                .map(move |(e, ord)| (r.resource_type, r.id, ord, e))
        })
        .collect()
}

/// `insert_index!(name, Db)` defines `async fn name(conn, &[Indexed]) -> Result<(), sqlx::Error>`.
macro_rules! insert_index {
    ($name:ident, $db:ty) => {
        pub(crate) async fn $name(
            conn: &mut <$db as sqlx::Database>::Connection,
            resources: &[crate::index::Indexed<'_>],
        ) -> Result<(), sqlx::Error> {
            use relais_fhir::search::IndexValue as V;
            use sqlx::QueryBuilder;

            use crate::index::{of_kind, runs};

            macro_rules! table {
                ($kind:pat, $sql:expr, |$b:ident, $value:ident| $bind:block) => {
                    let rows = of_kind(resources, |v| matches!(v, $kind));
                    for run in runs(rows.len()) {
                        let chunk = &rows[run];
                        let mut query = QueryBuilder::<$db>::new($sql);
                        query.push_values(chunk, |mut $b, (resource_type, id, ord, entry)| {
                            $b.push_bind(*resource_type)
                                .push_bind(*id)
                                .push_bind(entry.param.as_str())
                                .push_bind(*ord);
                            let $value = &entry.value;
                            $bind
                        });
                        query.build().execute(&mut *conn).await?;
                    }
                };
            }

            table!(
                V::Token { .. },
                "INSERT INTO idx_token (res_type, res_id, param, ord, system, code, text) ",
                |b, v| {
                    if let V::Token { system, code, text } = v {
                        b.push_bind(system.as_deref()).push_bind(code.as_deref()).push_bind(text.as_deref());
                    }
                }
            );
            table!(V::String { .. }, "INSERT INTO idx_string (res_type, res_id, param, ord, value, exact) ", |b, v| {
                if let V::String { value, exact } = v {
                    b.push_bind(value.as_str()).push_bind(exact.as_str());
                }
            });
            table!(V::Date { .. }, "INSERT INTO idx_date (res_type, res_id, param, ord, lo, hi) ", |b, v| {
                if let V::Date { lo, hi } = v {
                    b.push_bind(*lo).push_bind(*hi);
                }
            });
            table!(
                V::Reference { .. },
                "INSERT INTO idx_reference (res_type, res_id, param, ord, target_type, target_id, url) ",
                |b, v| {
                    if let V::Reference { target_type, id, url } = v {
                        b.push_bind(target_type.as_deref()).push_bind(id.as_deref()).push_bind(url.as_str());
                    }
                }
            );
            table!(
                V::Quantity { .. },
                "INSERT INTO idx_quantity (res_type, res_id, param, ord, value, system, code, unit, concept_system, concept_code) ",
                |b, v| {
                    if let V::Quantity { value, system, code, unit, concept_system, concept_code } = v {
                        b.push_bind(*value)
                            .push_bind(system.as_deref())
                            .push_bind(code.as_deref())
                            .push_bind(unit.as_deref())
                            .push_bind(concept_system.as_deref())
                            .push_bind(concept_code.as_deref());
                    }
                }
            );
            table!(V::Number(_), "INSERT INTO idx_number (res_type, res_id, param, ord, value) ", |b, v| {
                if let V::Number(n) = v {
                    b.push_bind(*n);
                }
            });
            table!(V::Uri(_), "INSERT INTO idx_uri (res_type, res_id, param, ord, value) ", |b, v| {
                if let V::Uri(u) = v {
                    b.push_bind(u.as_str());
                }
            });
            Ok(())
        }
    };
}
pub(crate) use insert_index;

/// `delete_index!(name, Db)` defines `async fn name(conn, type, id)`: removes every index row.
macro_rules! delete_index {
    ($name:ident, $db:ty) => {
        pub(crate) async fn $name(
            conn: &mut <$db as sqlx::Database>::Connection,
            resource_type: &str,
            id: &str,
        ) -> Result<(), sqlx::Error> {
            for table in crate::index::TABLES {
                // The table name comes from a fixed list; the values are bound.
                let sql = format!("DELETE FROM {table} WHERE res_type = $1 AND res_id = $2");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(resource_type)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }
    };
}
pub(crate) use delete_index;

/// `read_index!(name, Db)` defines `async fn name(conn, type, id) -> Vec<IndexEntry>`: every
/// index row of a resource, table by table.
macro_rules! read_index {
    ($name:ident, $db:ty) => {
        pub(crate) async fn $name(
            conn: &mut <$db as sqlx::Database>::Connection,
            resource_type: &str,
            id: &str,
        ) -> Result<Vec<relais_fhir::search::IndexEntry>, sqlx::Error> {
            use relais_fhir::search::{IndexEntry, IndexValue as V};
            use sqlx::Row;

            let mut entries = Vec::new();
            macro_rules! read {
                ($sql:expr, |$row:ident| $value:expr) => {
                    let rows = sqlx::query($sql).bind(resource_type).bind(id).fetch_all(&mut *conn).await?;
                    for $row in &rows {
                        entries.push(IndexEntry { param: $row.try_get(0)?, value: $value });
                    }
                };
            }
            read!("SELECT param, system, code, text FROM idx_token WHERE res_type = $1 AND res_id = $2", |r| V::Token {
                system: r.try_get(1)?,
                code: r.try_get(2)?,
                text: r.try_get(3)?
            });
            read!("SELECT param, value, exact FROM idx_string WHERE res_type = $1 AND res_id = $2", |r| V::String {
                value: r.try_get(1)?,
                exact: r.try_get(2)?
            });
            read!("SELECT param, lo, hi FROM idx_date WHERE res_type = $1 AND res_id = $2", |r| V::Date {
                lo: r.try_get(1)?,
                hi: r.try_get(2)?
            });
            read!(
                "SELECT param, target_type, target_id, url FROM idx_reference WHERE res_type = $1 AND res_id = $2",
                |r| V::Reference { target_type: r.try_get(1)?, id: r.try_get(2)?, url: r.try_get(3)? }
            );
            read!(
                "SELECT param, value, system, code, unit, concept_system, concept_code FROM idx_quantity WHERE res_type = $1 AND res_id = $2",
                |r| V::Quantity {
                    value: r.try_get(1)?,
                    system: r.try_get(2)?,
                    code: r.try_get(3)?,
                    unit: r.try_get(4)?,
                    concept_system: r.try_get(5)?,
                    concept_code: r.try_get(6)?
                }
            );
            read!("SELECT param, value FROM idx_number WHERE res_type = $1 AND res_id = $2", |r| V::Number(r.try_get(1)?));
            read!("SELECT param, value FROM idx_uri WHERE res_type = $1 AND res_id = $2", |r| V::Uri(r.try_get(1)?));
            Ok(entries)
        }
    };
}
pub(crate) use read_index;

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_are_powers_of_two_covering_every_row() {
        assert_eq!(runs(0), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(runs(37), vec![0..32, 32..36, 36..37]);
        assert_eq!(runs(600).iter().map(|r| r.len()).collect::<Vec<_>>(), vec![256, 256, 64, 16, 8]);
    }
}
