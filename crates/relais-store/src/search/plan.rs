//! The search statements: candidates (one driving index lookup when a selective filter allows
//! it, every other filter as a per-resource `EXISTS`), ordered by the `_sort` keys with missing
//! values last and the id as the final tie-break, cut at a keyset cursor.

use relais_fhir::search::{
    FilterValue, Modifier, ParamType, SearchParams, SearchQuery, Storage, TokenSystem,
};

use super::compare::value_condition;
use super::cursor::{Cursor, Direction, SortValue};
use super::filter::{Conditions, Unanswerable, table_of};
use super::sql::{Dialect, Sql};
use super::visibility::Visibility;

/// What a sort column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Int,
    Real,
    Text,
}

/// The columns of a version row, in the order the row readers expect.
pub(crate) fn row_columns(dialect: Dialect, alias: &str) -> String {
    let content = match dialect {
        Dialect::Sqlite => format!("{alias}.content"),
        Dialect::Postgres => format!("{alias}.content::text"),
    };
    format!(
        "{alias}.seq, {alias}.res_type, {alias}.res_id, {alias}.version, {alias}.last_updated, {alias}.deleted, {alias}.method, {content}"
    )
}

/// A statement for one page, and the kinds of its sort columns (after the row's columns).
pub(crate) struct PagePlan {
    pub sql: Sql,
    pub kinds: Vec<ValueKind>,
}

/// The page of `query` at `cursor` (or the first), at most `limit` rows.
pub(crate) fn page<'a>(
    params: &'a SearchParams,
    visible: Option<Visibility<'a>>,
    dialect: Dialect,
    query: &SearchQuery,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<PagePlan, Unanswerable> {
    let mut conditions = Conditions::new(params, dialect, visible);
    let mut sorts = Vec::new();
    for key in &query.sort {
        sorts.push(sort_expression(&mut conditions, &query.resource_type, &key.param, key.descending)?);
    }
    let candidates = candidates(&mut conditions, query, &sorts)?;
    let reversed = cursor.is_some_and(|c| c.direction == Direction::Before);
    // The page is chosen on keys alone (id and sort values), then only its rows are read with
    // their content: a queue of 5,000 candidates sorts 5,000 short keys, not 5,000 resources.
    let mut keys = Sql::default();
    keys.push("SELECT q.res_id");
    for n in 0..sorts.len() {
        keys.push(&format!(", q.s{n}"));
    }
    keys.push(" FROM (").append(candidates).push(") q");
    if let Some(cursor) = cursor {
        keys.push(" WHERE ").append(keyset(query, cursor, &dialect.bytewise("q.res_id")));
    }
    keys.push(" ORDER BY ").push(&page_order(query, dialect, "q", reversed));
    keys.limit(limit);
    let mut sql = Sql::default();
    sql.push(&format!("SELECT {}", row_columns(dialect, "r")));
    for n in 0..sorts.len() {
        sql.push(&format!(", k.s{n}"));
    }
    sql.push(" FROM (")
        .append(keys)
        .push(") k JOIN resource_versions r ON r.res_type = ")
        .text(&query.resource_type)
        .push(&format!(" AND r.res_id = k.res_id AND {}", dialect.current("r")))
        .push(" ORDER BY ")
        .push(&page_order(query, dialect, "k", reversed));
    Ok(PagePlan { sql, kinds: sorts.into_iter().map(|s| s.1).collect() })
}

/// The order of a page over `alias` (`res_id`, `s0`, `s1`…): the sort keys with missing values
/// last, then the id; all reversed for a page before a cursor (missing values then come first).
fn page_order(query: &SearchQuery, dialect: Dialect, alias: &str, reversed: bool) -> String {
    let mut order = String::new();
    for (n, key) in query.sort.iter().enumerate() {
        // `NULLS LAST` rather than a `(s IS NULL)` key: SQLite would compute the sort value's
        // subquery once per key.
        let nulls = if reversed { "FIRST" } else { "LAST" };
        let descending = key.descending != reversed;
        order.push_str(&format!("{alias}.s{n} {} NULLS {nulls}, ", if descending { "DESC" } else { "ASC" }));
    }
    let id = dialect.bytewise(&format!("{alias}.res_id"));
    order.push_str(&format!("{id} {}", if reversed { "DESC" } else { "ASC" }));
    order
}

/// `SELECT COUNT(*)` of every match.
pub(crate) fn count<'a>(
    params: &'a SearchParams,
    visible: Option<Visibility<'a>>,
    dialect: Dialect,
    query: &SearchQuery,
) -> Result<Sql, Unanswerable> {
    let mut conditions = Conditions::new(params, dialect, visible);
    let mut sql = Sql::default();
    sql.push("SELECT COUNT(*) FROM (").append(candidates(&mut conditions, query, &[])?).push(") q");
    Ok(sql)
}

/// Rows strictly after (or before) the cursor's row in the page order.
fn keyset(query: &SearchQuery, cursor: &Cursor, id: &str) -> Sql {
    let reversed = cursor.direction == Direction::Before;
    // Built from the last key outwards: after_n OR (equal_n AND (…)).
    let mut tail = Sql::default();
    tail.push(&format!("{id} {} ", if reversed { "<" } else { ">" }));
    tail.text(&cursor.id);
    for (n, key) in query.sort.iter().enumerate().rev() {
        let column = format!("q.s{n}");
        let value = cursor.keys.get(n).unwrap_or(&SortValue::Null);
        let greater = key.descending == reversed;
        let op = if greater { ">" } else { "<" };
        let mut level = Sql::default();
        level.push("(");
        match (value, reversed) {
            (SortValue::Null, false) => {
                // Nothing sorts after a missing value but other missing values.
                level.push(&format!("{column} IS NULL AND ("));
                level.append(tail);
                level.push(")");
            }
            (SortValue::Null, true) => {
                level.push(&format!("{column} IS NOT NULL OR ({column} IS NULL AND ("));
                level.append(tail);
                level.push("))");
            }
            (value, false) => {
                level.push(&format!("{column} IS NULL OR {column} {op} "));
                bind(&mut level, value);
                level.push(&format!(" OR ({column} = "));
                bind(&mut level, value);
                level.push(" AND (").append(tail).push("))");
            }
            (value, true) => {
                level.push(&format!("({column} IS NOT NULL AND {column} {op} "));
                bind(&mut level, value);
                level.push(&format!(") OR ({column} = "));
                bind(&mut level, value);
                level.push(" AND (").append(tail).push("))");
            }
        }
        level.push(")");
        tail = level;
    }
    tail
}

fn bind(sql: &mut Sql, value: &SortValue) {
    match value {
        SortValue::Null => {
            sql.push("NULL");
        }
        SortValue::Int(i) => {
            sql.int(*i);
        }
        SortValue::Real(r) => {
            sql.real(*r);
        }
        SortValue::Text(t) => {
            sql.text(t);
        }
    }
}

/// The ids of the matching current versions, with their sort values as `s0, s1…`.
fn candidates(
    conditions: &mut Conditions<'_>,
    query: &SearchQuery,
    sorts: &[(Sql, ValueKind)],
) -> Result<Sql, Unanswerable> {
    let dialect = conditions.dialect;
    let driver = driving_filter(conditions.params, query);
    let mut sql = Sql::default();
    sql.push("SELECT r.res_id");
    for (n, (expr, _)) in sorts.iter().enumerate() {
        sql.push(", ").append(expr.clone()).push(&format!(" AS s{n}"));
    }
    // Filters that only need the resource's key are checked on the driving index rows, before
    // any version row is read: a patient's 100 Observations narrow to their 8 recent heart
    // rates on the index alone, and only those 8 rows (with their content) are fetched.
    let mut on_version_row = Vec::new();
    match driver {
        Some(index) => {
            // Start from the ids the most selective filter finds: SQLite answers `res_id IN
            // (…)` by running the subquery on its lookup index, then probing each current
            // version (a DISTINCT subquery joined instead made it prefer the table's key order
            // and scan every row of the type).
            let mut ids = driving_rows(conditions, query, index)?;
            for (n, filter) in query.filters.iter().enumerate() {
                if n == index {
                    continue;
                }
                if keyed_by_resource(conditions.params, &query.resource_type, filter) {
                    ids.push(" AND ").append(conditions.filter(&query.resource_type, "d0", filter)?);
                } else {
                    on_version_row.push(filter);
                }
            }
            if let Some(visible) = conditions.visibility(&query.resource_type, "d0") {
                ids.push(" AND ").append(visible);
            }
            sql.push(" FROM resource_versions r WHERE r.res_type = ")
                .text(&query.resource_type)
                .push(" AND r.res_id IN (")
                .append(ids)
                .push(")");
        }
        None => {
            sql.push(" FROM resource_versions r WHERE r.res_type = ").text(&query.resource_type);
            on_version_row.extend(&query.filters);
            if let Some(visible) = conditions.visibility(&query.resource_type, "r") {
                sql.push(" AND ").append(visible);
            }
        }
    }
    // Index rows belong to live resources only, so candidates found through them need no
    // look at the version row's `deleted` flag: the current-version index answers alone.
    // (The page's rows are read, and checked, in full.)
    let live = if driver.is_some() { dialect.current_key("r") } else { dialect.current("r") };
    sql.push(&format!(" AND {live}"));
    for filter in on_version_row {
        sql.push(" AND ").append(conditions.filter(&query.resource_type, "r", filter)?);
    }
    Ok(sql)
}

/// Whether `filter` is a condition on the resource's type and id alone (index rows, chains,
/// `_has`, `_id`), which an index row of the same resource can check as well as its version
/// row; `_lastUpdated` needs the version row.
fn keyed_by_resource(
    params: &SearchParams,
    resource_type: &str,
    filter: &relais_fhir::search::Filter,
) -> bool {
    if filter.has.is_some() || filter.chain.is_some() {
        return true;
    }
    params
        .get(resource_type, &filter.param)
        .is_some_and(|param| param.storage != Storage::Column || param.code == "_id")
}

/// The filter to start from: one answered by an index lookup on a value, most selective kind
/// first (a reference finds one patient's rows; a status finds a quarter of them).
fn driving_filter(params: &SearchParams, query: &SearchQuery) -> Option<usize> {
    let rank = |n: usize| -> Option<u8> {
        let filter = &query.filters[n];
        if filter.chain.is_some() || filter.has.is_some() || filter.values.is_empty() {
            return None;
        }
        if !matches!(filter.modifier, None | Some(Modifier::Exact) | Some(Modifier::Type(_))) {
            return None;
        }
        let param = params.get(&query.resource_type, &filter.param)?;
        if !matches!(param.storage, Storage::Indexed | Storage::TargetOf { .. }) {
            return None;
        }
        let ranks: Option<Vec<u8>> = filter
            .values
            .iter()
            .map(|v| match v {
                FilterValue::Reference { .. } | FilterValue::ReferenceUrl(_) => Some(0),
                FilterValue::Token { system: TokenSystem::Is(_), code: Some(_) } => Some(1),
                FilterValue::Token { code: Some(_), .. } => Some(2),
                FilterValue::String(_) => Some(3),
                FilterValue::Uri(_) => Some(4),
                _ => None,
            })
            .collect();
        ranks?.into_iter().max()
    };
    (0..query.filters.len()).filter_map(|n| rank(n).map(|r| (r, n))).min().map(|(_, n)| n)
}

/// `SELECT DISTINCT d.res_id FROM idx_… d WHERE …` for the driving filter.
fn driving_rows(
    conditions: &mut Conditions<'_>,
    query: &SearchQuery,
    index: usize,
) -> Result<Sql, Unanswerable> {
    let filter = &query.filters[index];
    let param = conditions.params.get(&query.resource_type, &filter.param).ok_or(Unanswerable)?.clone();
    let (code, kind, target) = match &param.storage {
        Storage::TargetOf { code, target_type } => {
            (code.clone(), ParamType::Reference, Some(target_type.clone()))
        }
        _ => (param.code.clone(), param.kind, None),
    };
    let table = table_of(kind).ok_or(Unanswerable)?;
    let mut sql = Sql::default();
    sql.push(&format!("SELECT d0.res_id FROM {table} d0 WHERE d0.res_type = "))
        .text(&query.resource_type)
        .push(" AND d0.param = ")
        .text(&code);
    if let Some(target) = target {
        sql.push(" AND d0.target_type = ").text(&target);
    }
    sql.push(" AND (");
    for (n, value) in filter.values.iter().enumerate() {
        if n > 0 {
            sql.push(" OR ");
        }
        sql.push("(").append(value_condition("d0", kind, value, filter.modifier.as_ref())?).push(")");
    }
    sql.push(")");
    Ok(sql)
}

/// The value a resource sorts by for one key: the smallest of its entries ascending, the
/// largest descending (a date by the start of its range ascending, the end descending).
fn sort_expression(
    conditions: &mut Conditions<'_>,
    resource_type: &str,
    code: &str,
    descending: bool,
) -> Result<(Sql, ValueKind), Unanswerable> {
    let dialect = conditions.dialect;
    let mut sql = Sql::default();
    match code {
        "_id" => {
            sql.push(&dialect.bytewise("r.res_id"));
            return Ok((sql, ValueKind::Text));
        }
        "_lastUpdated" => {
            sql.push("r.last_updated");
            return Ok((sql, ValueKind::Int));
        }
        _ => {}
    }
    let param = conditions.params.get(resource_type, code).ok_or(Unanswerable)?.clone();
    let (codes, kind, target) = match &param.storage {
        Storage::Indexed => (vec![param.code.clone()], param.kind, None),
        Storage::TargetOf { code, target_type } => {
            (vec![code.clone()], ParamType::Reference, Some(target_type.clone()))
        }
        Storage::PartOf(composite) => (vec![composite.clone()], ParamType::Quantity, None),
        Storage::UnionOf(members) => {
            let all_indexed = members.iter().all(|m| {
                conditions
                    .params
                    .get(resource_type, m)
                    .is_some_and(|p| p.storage == Storage::Indexed && p.kind == param.kind)
            });
            if !all_indexed {
                return Err(Unanswerable);
            }
            (members.clone(), param.kind, None)
        }
        _ => return Err(Unanswerable),
    };
    let aggregate = if descending { "MAX" } else { "MIN" };
    // `+ 0` and `|| ''` keep the value but not the column: on a bare column SQLite would
    // answer MIN/MAX from the lookup index sorted by it, scanning every row of the parameter
    // for each candidate, instead of the candidate's own rows by key.
    let (column, value_kind) = match kind {
        ParamType::Date => (if descending { "hi + 0" } else { "lo + 0" }, ValueKind::Int),
        ParamType::String | ParamType::Uri => ("value || ''", ValueKind::Text),
        ParamType::Token => ("code || ''", ValueKind::Text),
        ParamType::Reference => ("url || ''", ValueKind::Text),
        ParamType::Quantity | ParamType::Number => ("value + 0", ValueKind::Real),
        ParamType::Composite | ParamType::Special => return Err(Unanswerable),
    };
    let table = table_of(kind).ok_or(Unanswerable)?;
    let i = conditions.alias();
    sql.push(&format!(
        "(SELECT {aggregate}({i}.{column}) FROM {table} {i} WHERE {i}.res_type = r.res_type AND {i}.res_id = r.res_id AND "
    ));
    if let [code] = codes.as_slice() {
        sql.push(&format!("{i}.param = ")).text(code);
    } else {
        sql.push(&format!("{i}.param IN ("));
        for (n, code) in codes.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.text(code);
        }
        sql.push(")");
    }
    if let Some(target) = target {
        sql.push(&format!(" AND {i}.target_type = ")).text(&target);
    }
    sql.push(")");
    Ok((sql, value_kind))
}
