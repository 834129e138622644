//! Search filters as SQL conditions on one version row (`alias` of `resource_versions`): each
//! parameter value becomes an `EXISTS` over the index table of its type, keyed by the
//! resource, so checking a candidate costs one index descent per filter.

use relais_fhir::search::{Filter, FilterValue, Modifier, ParamType, SearchParam, SearchParams, Storage};

use super::compare::{range_condition, token_condition, value_condition};
use super::sql::{Dialect, Sql};
use super::visibility::{self, Visibility};

/// Why a filter cannot be turned into SQL (a definition this planner does not know how to
/// answer). The parser refuses these before they get here; this is the last guard.
#[derive(Debug)]
pub(crate) struct Unanswerable;

/// Builds conditions; `next_alias` numbers the index-table aliases of nested subqueries.
pub(crate) struct Conditions<'a> {
    pub params: &'a SearchParams,
    pub dialect: Dialect,
    /// What the person searching may see (`None`: the server itself, everything).
    visible: Option<Visibility<'a>>,
    next_alias: usize,
}

/// The index table of a parameter type.
pub(crate) fn table_of(kind: ParamType) -> Option<&'static str> {
    Some(match kind {
        ParamType::Token => "idx_token",
        ParamType::String => "idx_string",
        ParamType::Date => "idx_date",
        ParamType::Reference => "idx_reference",
        ParamType::Quantity | ParamType::Composite => "idx_quantity",
        ParamType::Number => "idx_number",
        ParamType::Uri => "idx_uri",
        ParamType::Special => return None,
    })
}

impl<'a> Conditions<'a> {
    pub(crate) fn new(params: &'a SearchParams, dialect: Dialect, visible: Option<Visibility<'a>>) -> Self {
        Self { params, dialect, visible, next_alias: 0 }
    }

    /// The condition that `alias`, a resource of `resource_type`, may be shown to the person
    /// searching; `None` when all of that type may.
    pub(crate) fn visibility(&mut self, resource_type: &str, alias: &str) -> Option<Sql> {
        let visible = (self.visible?)(resource_type);
        let c = self.alias();
        visibility::condition(self.params, &visible, resource_type, alias, &c)
    }

    pub(crate) fn alias(&mut self) -> String {
        self.next_alias += 1;
        format!("i{}", self.next_alias)
    }

    /// The condition that the version `alias` of `resource_type` matches `filter`.
    pub(crate) fn filter(
        &mut self,
        resource_type: &str,
        alias: &str,
        filter: &Filter,
    ) -> Result<Sql, Unanswerable> {
        if let Some(has) = &filter.has {
            return self.has(resource_type, alias, has);
        }
        let param = self.params.get(resource_type, &filter.param).ok_or(Unanswerable)?.clone();
        if let Some(chain) = &filter.chain {
            return self.chain(resource_type, alias, &param, chain);
        }
        let modifier = filter.modifier.as_ref();
        let mut alternatives = Vec::new();
        for value in &filter.values {
            alternatives.push(match value {
                FilterValue::Missing(missing) => {
                    let mut any = self.param_match(resource_type, alias, &param, None, None)?;
                    if *missing {
                        let mut not = Sql::default();
                        not.push("NOT ").append(any);
                        any = not;
                    }
                    any
                }
                value => {
                    let modifier = modifier.filter(|m| **m != Modifier::Not);
                    self.param_match(resource_type, alias, &param, Some(value), modifier)?
                }
            });
        }
        let mut sql = any_of(alternatives);
        if modifier == Some(&Modifier::Not) {
            let mut not = Sql::default();
            not.push("NOT ").append(sql);
            sql = not;
        }
        Ok(sql)
    }

    /// `subject:Patient.name=x`: a reference of `param` to a current `target_type` matching
    /// the inner filter.
    fn chain(
        &mut self,
        resource_type: &str,
        alias: &str,
        param: &SearchParam,
        chain: &relais_fhir::search::Chain,
    ) -> Result<Sql, Unanswerable> {
        let target = self.alias();
        let inner = self.filter(&chain.target_type, &target, &chain.filter)?;
        let mut targets = Sql::default();
        targets
            .push(&format!(
                "SELECT {target}.res_id FROM resource_versions {target} WHERE {target}.res_type = "
            ))
            .text(&chain.target_type)
            .push(&format!(" AND {} AND ", self.dialect.current(&target)))
            .append(inner);
        // A chain must not find targets the person may not see: `subject:Patient.name=x` would
        // otherwise tell which names exist.
        if let Some(visible) = self.visibility(&chain.target_type, &target) {
            targets.push(" AND ").append(visible);
        }
        let (code, _) = stored_reference(self.params, resource_type, param)?;
        let i = self.alias();
        let mut sql = Sql::default();
        sql.push(&format!(
            "EXISTS (SELECT 1 FROM idx_reference {i} WHERE {i}.res_type = {alias}.res_type AND {i}.res_id = {alias}.res_id AND {i}.param = "
        ))
        .text(&code)
        .push(&format!(" AND {i}.target_type = "))
        .text(&chain.target_type)
        .push(&format!(" AND {i}.target_id IN ("))
        .append(targets)
        .push("))");
        Ok(sql)
    }

    /// `_has:Observation:patient:code=x`: a current Observation whose `patient` points to
    /// this resource and matches the inner filter.
    fn has(
        &mut self,
        resource_type: &str,
        alias: &str,
        has: &relais_fhir::search::Has,
    ) -> Result<Sql, Unanswerable> {
        let link = self.params.get(&has.resource_type, &has.reference_param).ok_or(Unanswerable)?.clone();
        let (code, restricted_to) = stored_reference(self.params, &has.resource_type, &link)?;
        if restricted_to.as_deref().is_some_and(|t| t != resource_type) {
            return Ok(never());
        }
        let source = self.alias();
        let inner = self.filter(&has.resource_type, &source, &has.filter)?;
        let i = self.alias();
        let mut sql = Sql::default();
        sql.push(&format!(
            "EXISTS (SELECT 1 FROM idx_reference {i} JOIN resource_versions {source} ON {source}.res_type = {i}.res_type AND {source}.res_id = {i}.res_id AND {} WHERE {i}.res_type = ",
            self.dialect.current(&source)
        ))
        .text(&has.resource_type)
        .push(&format!(" AND {i}.param = "))
        .text(&code)
        .push(&format!(" AND {i}.target_type = {alias}.res_type AND {i}.target_id = {alias}.res_id AND "))
        .append(inner);
        // Nor may `_has` test resources the person may not see (a caregiver shown a patient's
        // appointments must not learn through `_has:Observation` which tests were done).
        if let Some(visible) = self.visibility(&has.resource_type, &source) {
            sql.push(" AND ").append(visible);
        }
        sql.push(")");
        Ok(sql)
    }

    /// The condition that `alias` has an entry of `param` matching `value` (any entry when
    /// `value` is `None`, for `:missing`).
    pub(crate) fn param_match(
        &mut self,
        resource_type: &str,
        alias: &str,
        param: &SearchParam,
        value: Option<&FilterValue>,
        modifier: Option<&Modifier>,
    ) -> Result<Sql, Unanswerable> {
        match &param.storage {
            Storage::Column => Ok(self.column(alias, param, value)),
            Storage::UnionOf(members) => {
                let mut alternatives = Vec::new();
                for code in members {
                    let member = self.params.get(resource_type, code).ok_or(Unanswerable)?.clone();
                    alternatives.push(self.param_match(resource_type, alias, &member, value, modifier)?);
                }
                Ok(any_of(alternatives))
            }
            Storage::Conjunction(codes) => {
                let parts = match value {
                    Some(FilterValue::Composite(parts)) if parts.len() == codes.len() => Some(parts),
                    None => None,
                    Some(_) => return Err(Unanswerable),
                };
                let mut all = Sql::default();
                all.push("(");
                for (n, code) in codes.iter().enumerate() {
                    let member = self.params.get(resource_type, code).ok_or(Unanswerable)?.clone();
                    if n > 0 {
                        all.push(" AND ");
                    }
                    let part = parts.and_then(|p| p.get(n));
                    all.append(self.param_match(resource_type, alias, &member, part, None)?);
                }
                all.push(")");
                Ok(all)
            }
            Storage::TargetOf { code, target_type } => {
                let base = self.params.get(resource_type, code).ok_or(Unanswerable)?.clone();
                let (mut sql, i) = self.exists(alias, "idx_reference", code);
                sql.push(&format!(" AND {i}.target_type = ")).text(target_type);
                close_with_value(sql, &i, base.kind, value, modifier)
            }
            Storage::PartOf(composite) => {
                let (sql, i) = self.exists(alias, "idx_quantity", composite);
                close_with_value(sql, &i, ParamType::Quantity, value, modifier)
            }
            Storage::PairRows => {
                let (mut sql, i) = self.exists(alias, "idx_quantity", &param.code);
                match value {
                    None => {}
                    Some(FilterValue::Composite(parts)) => {
                        let [token, quantity] = parts.as_slice() else { return Err(Unanswerable) };
                        sql.push(" AND ");
                        sql.append(token_condition(
                            &format!("{i}.concept_system"),
                            &format!("{i}.concept_code"),
                            token,
                        )?);
                        sql.push(" AND ");
                        sql.append(value_condition(&i, ParamType::Quantity, quantity, None)?);
                    }
                    Some(_) => return Err(Unanswerable),
                }
                sql.push(")");
                Ok(sql)
            }
            Storage::Indexed => {
                let table = table_of(param.kind).ok_or(Unanswerable)?;
                let (sql, i) = self.exists(alias, table, &param.code);
                close_with_value(sql, &i, param.kind, value, modifier)
            }
        }
    }

    /// `EXISTS (SELECT 1 FROM table iN WHERE …param = ?` — left open for more conditions on
    /// the returned alias `iN`.
    fn exists(&mut self, alias: &str, table: &str, code: &str) -> (Sql, String) {
        let i = self.alias();
        let mut sql = Sql::default();
        sql.push(&format!(
            "EXISTS (SELECT 1 FROM {table} {i} WHERE {i}.res_type = {alias}.res_type AND {i}.res_id = {alias}.res_id AND {i}.param = "
        ))
        .text(code);
        (sql, i)
    }

    /// `_id` and `_lastUpdated`, answered from the version row itself.
    fn column(&self, alias: &str, param: &SearchParam, value: Option<&FilterValue>) -> Sql {
        let mut sql = Sql::default();
        match (param.code.as_str(), value) {
            (_, None) => {
                sql.push("1 = 1");
            }
            ("_id", Some(FilterValue::Token { code: Some(id), .. })) => {
                sql.push(&format!("{alias}.res_id = ")).text(id);
            }
            ("_lastUpdated", Some(FilterValue::Date { prefix, lo, hi })) => {
                let at = format!("{alias}.last_updated");
                sql.append(range_condition(&at, &at, *prefix, *lo, *hi));
            }
            _ => return never(),
        }
        sql
    }
}

/// Closes an `exists` with the condition on `value` (none: any entry).
fn close_with_value(
    mut sql: Sql,
    i: &str,
    kind: ParamType,
    value: Option<&FilterValue>,
    modifier: Option<&Modifier>,
) -> Result<Sql, Unanswerable> {
    if let Some(value) = value {
        sql.push(" AND ").append(value_condition(i, kind, value, modifier)?);
    }
    sql.push(")");
    Ok(sql)
}

/// The stored parameter behind a reference parameter, and the target type it is limited to.
pub(crate) fn stored_reference(
    params: &SearchParams,
    resource_type: &str,
    param: &SearchParam,
) -> Result<(String, Option<String>), Unanswerable> {
    match &param.storage {
        Storage::Indexed if param.kind == ParamType::Reference => Ok((param.code.clone(), None)),
        Storage::TargetOf { code, target_type } => {
            let base = params.get(resource_type, code).ok_or(Unanswerable)?;
            (base.kind == ParamType::Reference)
                .then(|| (code.clone(), Some(target_type.clone())))
                .ok_or(Unanswerable)
        }
        _ => Err(Unanswerable),
    }
}

/// A condition that holds for no row.
pub(crate) fn never() -> Sql {
    let mut sql = Sql::default();
    sql.push("1 = 0");
    sql
}

/// `(a OR b OR …)`.
pub(crate) fn any_of(alternatives: Vec<Sql>) -> Sql {
    let mut sql = Sql::default();
    if alternatives.is_empty() {
        return never();
    }
    sql.push("(");
    for (n, alternative) in alternatives.into_iter().enumerate() {
        if n > 0 {
            sql.push(" OR ");
        }
        sql.append(alternative);
    }
    sql.push(")");
    sql
}
