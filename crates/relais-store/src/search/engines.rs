//! Running search statements on each engine: the same code instantiated per sqlx database by a
//! macro, as `index.rs` does for the index writes.

/// `search_executor!(Store, Db, dialect, pool_field, row_fn)` implements `SearchExecutor`.
macro_rules! search_executor {
    ($store:ty, $db:ty, $dialect:expr, $pool:ident, $row:path) => {
        #[async_trait::async_trait]
        impl crate::search::SearchExecutor for $store {
            fn dialect(&self) -> crate::search::Dialect {
                $dialect
            }

            async fn rows(
                &self,
                sql: &crate::search::Sql,
                kinds: &[crate::search::ValueKind],
            ) -> Result<Vec<(crate::ResourceRow, Vec<crate::search::SortValue>)>, crate::StoreError> {
                use crate::search::{SortValue, ValueKind};
                use sqlx::Row;
                let text = sql.render(self.dialect());
                let rows = crate::search::bound::<$db>(&text, &sql.binds).fetch_all(&self.$pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut keys = Vec::with_capacity(kinds.len());
                    for (n, kind) in kinds.iter().enumerate() {
                        let at = 8 + n;
                        keys.push(match kind {
                            ValueKind::Int => {
                                r.try_get::<Option<i64>, _>(at)?.map_or(SortValue::Null, SortValue::Int)
                            }
                            ValueKind::Real => {
                                r.try_get::<Option<f64>, _>(at)?.map_or(SortValue::Null, SortValue::Real)
                            }
                            ValueKind::Text => {
                                r.try_get::<Option<String>, _>(at)?.map_or(SortValue::Null, SortValue::Text)
                            }
                        });
                    }
                    out.push(($row(r)?, keys));
                }
                Ok(out)
            }

            async fn pairs(
                &self,
                sql: &crate::search::Sql,
            ) -> Result<Vec<(String, String)>, crate::StoreError> {
                use sqlx::Row;
                let text = sql.render(self.dialect());
                let rows = crate::search::bound::<$db>(&text, &sql.binds).fetch_all(&self.$pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push((r.try_get(0)?, r.try_get(1)?));
                }
                Ok(out)
            }

            async fn count(&self, sql: &crate::search::Sql) -> Result<i64, crate::StoreError> {
                use sqlx::Row;
                let text = sql.render(self.dialect());
                let row = crate::search::bound::<$db>(&text, &sql.binds).fetch_one(&self.$pool).await?;
                Ok(row.try_get(0)?)
            }
        }
    };
}
pub(crate) use search_executor;
