//! FHIR search over the index tables: a parsed [`SearchQuery`] becomes one SQL statement per
//! engine (see `plan.rs`), paged by keyset cursors that stay correct while resources are written.

mod compare;
mod cursor;
mod engines;
mod filter;
mod plan;
mod sql;
mod visibility;

use async_trait::async_trait;
use relais_fhir::search::{Include, SearchParams, SearchQuery};

use crate::{ResourceRow, StoreError};
pub(crate) use cursor::SortValue;
use cursor::{Cursor, Direction};
pub(crate) use engines::search_executor;
pub(crate) use plan::ValueKind;
pub(crate) use sql::{Bind, Dialect, Sql};
pub use visibility::{Visibility, Visible};

/// What to search for, and how much of it to return.
#[derive(Clone, Copy)]
pub struct SearchSpec<'a> {
    pub query: &'a SearchQuery,
    pub params: &'a SearchParams,
    /// Matches per page; `0` returns no resources (`_summary=count`).
    pub count: u32,
    /// Count every match (`_total=accurate`, `_summary=count`).
    pub total: bool,
    /// What the person searching may see, per resource type: applied to the matches, chains,
    /// `_has` and includes alike. `None` for the server's own searches.
    pub visible: Option<Visibility<'a>>,
}

impl std::fmt::Debug for SearchSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchSpec")
            .field("query", self.query)
            .field("count", &self.count)
            .field("total", &self.total)
            .field("restricted", &self.visible.is_some())
            .finish_non_exhaustive()
    }
}

/// One page of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    /// Current, non-deleted resources matching, in the requested order.
    pub matches: Vec<ResourceRow>,
    /// Resources added by `_include` / `_revinclude` (each once, none of them also a match).
    pub included: Vec<ResourceRow>,
    /// The number of matches, when asked for, or when this single page holds them all.
    pub total: Option<u64>,
    /// Opaque cursor of the next page (`_cursor`), if there are more matches.
    pub next: Option<String>,
    /// Opaque cursor of the previous page, if this is not the first.
    pub previous: Option<String>,
}

/// Most resources `_include` and `_revinclude` add to one page.
const MAX_INCLUDED: usize = 1000;

/// What an engine runs for a search (see `sqlite.rs` and `postgres.rs`).
#[async_trait]
pub(crate) trait SearchExecutor: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// Version rows, each with its sort values of `kinds`.
    async fn rows(
        &self,
        sql: &Sql,
        kinds: &[ValueKind],
    ) -> Result<Vec<(ResourceRow, Vec<SortValue>)>, StoreError>;
    /// Two text columns per row.
    async fn pairs(&self, sql: &Sql) -> Result<Vec<(String, String)>, StoreError>;
    async fn count(&self, sql: &Sql) -> Result<i64, StoreError>;
}

/// A search the planner cannot answer (the parser refuses these first) is a store failure,
/// logged, rather than a silently wrong answer.
fn unanswerable(_: filter::Unanswerable) -> StoreError {
    StoreError::Read("a search parameter the planner cannot answer reached the store".into())
}

/// One page of `spec` on `engine`.
pub(crate) async fn search(
    engine: &dyn SearchExecutor,
    spec: &SearchSpec<'_>,
) -> Result<SearchPage, StoreError> {
    let query = spec.query;
    let dialect = engine.dialect();
    let cursor = match &query.cursor {
        Some(token) => Some(Cursor::decode(token, query).ok_or(StoreError::BadCursor)?),
        None => None,
    };
    let mut page = SearchPage::default();
    if spec.count > 0 {
        let limit = i64::from(spec.count) + 1;
        let plan = plan::page(spec.params, spec.visible, dialect, query, cursor.as_ref(), limit)
            .map_err(unanswerable)?;
        if cursor.as_ref().is_some_and(|c| !c.fits(&plan.kinds)) {
            return Err(StoreError::BadCursor);
        }
        let mut rows = engine.rows(&plan.sql, &plan.kinds).await?;
        let more = rows.len() > spec.count as usize;
        rows.truncate(spec.count as usize);
        let backwards = cursor.as_ref().is_some_and(|c| c.direction == Direction::Before);
        if backwards {
            rows.reverse();
        }
        let boundary = |(row, keys): &(ResourceRow, Vec<SortValue>), direction| {
            Cursor { direction, keys: keys.clone(), id: row.id.clone() }.encode(query)
        };
        // Going forwards, more rows means a next page; a cursor means we came from a page
        // before. Going backwards, the other way round.
        let (has_next, has_previous) = if backwards { (true, more) } else { (more, cursor.is_some()) };
        if has_next {
            page.next = rows.last().map(|r| boundary(r, Direction::After));
        }
        if has_previous {
            page.previous = rows.first().map(|r| boundary(r, Direction::Before));
        }
        if cursor.is_none() && !more {
            page.total = Some(rows.len() as u64);
        }
        page.matches = rows.into_iter().map(|(row, _)| row).collect();
    }
    if spec.total && page.total.is_none() {
        let sql = plan::count(spec.params, spec.visible, dialect, query).map_err(unanswerable)?;
        page.total = Some(u64::try_from(engine.count(&sql).await?).unwrap_or(0));
    }
    if !page.matches.is_empty() {
        page.included = included(engine, spec, &page.matches).await?;
    }
    Ok(page)
}

/// The resources `_include` and `_revinclude` add to `matches`: one pass, then one more for
/// the `:iterate` ones over what the first pass added.
async fn included(
    engine: &dyn SearchExecutor,
    spec: &SearchSpec<'_>,
    matches: &[ResourceRow],
) -> Result<Vec<ResourceRow>, StoreError> {
    let query = spec.query;
    let mut seen: std::collections::HashSet<(String, String)> =
        matches.iter().map(|r| (r.resource_type.clone(), r.id.clone())).collect();
    let mut added: Vec<ResourceRow> = Vec::new();
    for pass in 0..2 {
        // The first pass starts from the matches, the `:iterate` pass from what it added.
        let sources: &[ResourceRow] = if pass == 0 { matches } else { &added };
        let mut found = Vec::new();
        for include in query.includes.iter().filter(|i| pass == 0 || i.iterate) {
            found.extend(forward(engine, spec, include, sources).await?);
        }
        for include in query.revincludes.iter().filter(|i| pass == 0 || i.iterate) {
            found.extend(reverse(engine, spec, include, sources).await?);
        }
        for row in found {
            if added.len() >= MAX_INCLUDED {
                break;
            }
            if seen.insert((row.resource_type.clone(), row.id.clone())) {
                added.push(row);
            }
        }
        if !query.includes.iter().chain(&query.revincludes).any(|i| i.iterate) {
            break;
        }
    }
    Ok(added)
}

/// The stored reference parameter an include names: its code and the type it is limited to.
fn include_link(spec: &SearchSpec<'_>, include: &Include) -> Option<(String, Option<String>)> {
    let param = spec.params.get(&include.source_type, &include.param)?;
    let (code, restricted) = filter::stored_reference(spec.params, &include.source_type, param).ok()?;
    match (&include.target_type, restricted) {
        (Some(wanted), Some(only)) if *wanted != only => None,
        (Some(wanted), _) => Some((code, Some(wanted.clone()))),
        (None, only) => Some((code, only)),
    }
}

/// `_include=Source:param[:Target]`: what the sources of that type point to.
async fn forward(
    engine: &dyn SearchExecutor,
    spec: &SearchSpec<'_>,
    include: &Include,
    sources: &[ResourceRow],
) -> Result<Vec<ResourceRow>, StoreError> {
    let ids: Vec<&str> =
        sources.iter().filter(|r| r.resource_type == include.source_type).map(|r| r.id.as_str()).collect();
    let Some((code, target)) = include_link(spec, include) else { return Ok(Vec::new()) };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    sql.push("SELECT DISTINCT i.target_type, i.target_id FROM idx_reference i WHERE i.res_type = ")
        .text(&include.source_type)
        .push(" AND i.param = ")
        .text(&code)
        .push(" AND i.target_type IS NOT NULL AND i.target_id IS NOT NULL AND i.res_id IN ");
    sql.list(&ids);
    if let Some(target) = &target {
        sql.push(" AND i.target_type = ").text(target);
    }
    let mut targets = engine.pairs(&sql).await?;
    targets.sort();
    let mut rows = Vec::new();
    for chunk in targets.chunk_by(|a, b| a.0 == b.0) {
        let Some(target_type) = chunk.first().map(|p| p.0.clone()) else { continue };
        for ids in chunk.chunks(500) {
            let ids: Vec<&str> = ids.iter().map(|p| p.1.as_str()).collect();
            let dialect = engine.dialect();
            let mut sql = Sql::default();
            sql.push(&format!(
                "SELECT {} FROM resource_versions r WHERE r.res_type = ",
                plan::row_columns(dialect, "r")
            ))
            .text(&target_type)
            .push(&format!(" AND {} AND r.res_id IN ", dialect.current("r")));
            sql.list(&ids);
            let mut conditions = filter::Conditions::new(spec.params, dialect, spec.visible);
            if let Some(visible) = conditions.visibility(&target_type, "r") {
                sql.push(" AND ").append(visible);
            }
            rows.extend(engine.rows(&sql, &[]).await?.into_iter().map(|(row, _)| row));
        }
    }
    Ok(rows)
}

/// `_revinclude=Source:param`: the current resources of that type pointing to the sources.
async fn reverse(
    engine: &dyn SearchExecutor,
    spec: &SearchSpec<'_>,
    include: &Include,
    sources: &[ResourceRow],
) -> Result<Vec<ResourceRow>, StoreError> {
    let Some((code, target)) = include_link(spec, include) else { return Ok(Vec::new()) };
    let mut by_type: Vec<(&str, Vec<&str>)> = Vec::new();
    for row in sources {
        if target.as_deref().is_some_and(|t| t != row.resource_type) {
            continue;
        }
        match by_type.iter_mut().find(|(t, _)| *t == row.resource_type) {
            Some((_, ids)) => ids.push(&row.id),
            None => by_type.push((&row.resource_type, vec![&row.id])),
        }
    }
    let dialect = engine.dialect();
    let mut rows = Vec::new();
    for (target_type, ids) in by_type {
        for ids in ids.chunks(500) {
            let mut sql = Sql::default();
            sql.push(&format!(
                "SELECT {} FROM resource_versions r WHERE r.res_type = ",
                plan::row_columns(dialect, "r")
            ))
            .text(&include.source_type)
            .push(&format!(
                " AND {} AND r.res_id IN (SELECT i.res_id FROM idx_reference i WHERE i.res_type = ",
                dialect.current("r")
            ))
            .text(&include.source_type)
            .push(" AND i.param = ")
            .text(&code)
            .push(" AND i.target_type = ")
            .text(target_type)
            .push(" AND i.target_id IN ");
            sql.list(ids);
            sql.push(")");
            let mut conditions = filter::Conditions::new(spec.params, dialect, spec.visible);
            if let Some(visible) = conditions.visibility(&include.source_type, "r") {
                sql.push(" AND ").append(visible);
            }
            sql.push(&format!(" ORDER BY {}", dialect.bytewise("r.res_id")));
            sql.limit(MAX_INCLUDED as i64);
            rows.extend(engine.rows(&sql, &[]).await?.into_iter().map(|(row, _)| row));
        }
    }
    Ok(rows)
}

/// `sql` with its values bound, for database `DB`.
pub(crate) fn bound<'q, DB>(
    text: &'q str,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut query = sqlx::query::<DB>(sqlx::AssertSqlSafe(text));
    for bind in binds {
        query = match bind {
            Bind::Text(t) => query.bind(t.clone()),
            Bind::Int(i) => query.bind(*i),
            Bind::Real(r) => query.bind(*r),
        };
    }
    query
}
