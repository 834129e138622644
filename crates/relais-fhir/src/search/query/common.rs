//! The result parameters: `_count`, `_sort`, `_include`, `_revinclude`, `_summary`, `_total`,
//! `_elements`, `_cursor`; `_format` and `_pretty` are the HTTP layer's and skipped here.
//! (`_id` and `_lastUpdated` are ordinary parameters of every type, in the definitions.)

use super::{Include, Parser, SortKey, Summary, TotalMode, invalid, unsupported_modifier, values};
use crate::search::definitions::ParamType;

impl Parser<'_> {
    /// Handles `name` if it is a result parameter; false if it is a filter.
    pub(super) fn common(&mut self, name: &str, value: &str) -> bool {
        let (base, modifier) = match name.split_once(':') {
            Some((base, m)) => (base, Some(m)),
            None => (name, None),
        };
        if !matches!(
            base,
            "_count"
                | "_sort"
                | "_include"
                | "_revinclude"
                | "_summary"
                | "_total"
                | "_elements"
                | "_cursor"
                | "_format"
                | "_pretty"
        ) {
            return false;
        }
        let iterate = match (base, modifier) {
            (_, None) => false,
            ("_include" | "_revinclude", Some("iterate" | "recurse")) => true,
            _ => {
                self.issues.push(unsupported_modifier(name));
                return true;
            }
        };
        if let Err(why) = self.result_param(base, value, iterate) {
            self.issues.push(invalid(name, why));
        }
        true
    }

    fn result_param(&mut self, base: &str, value: &str, iterate: bool) -> Result<(), &'static str> {
        match base {
            "_count" => {
                let count: u32 = value.parse().map_err(|_| "is not a non-negative integer")?;
                self.query.count = Some(count.min(self.options.max_count));
            }
            "_sort" => {
                let mut keys = Vec::new();
                for key in value.split(',') {
                    let (descending, code) = match key.strip_prefix('-') {
                        Some(code) => (true, code),
                        None => (false, key),
                    };
                    let known = self.params.get(&self.query.resource_type, code);
                    let Some(param) = known.filter(|p| p.kind != ParamType::Composite) else {
                        return Err("names a parameter that cannot sort this type");
                    };
                    keys.push(SortKey { param: param.code.clone(), descending });
                }
                self.query.sort = keys;
            }
            "_include" | "_revinclude" => {
                let include = self.include(base == "_revinclude", value, iterate)?;
                if base == "_include" {
                    self.query.includes.push(include);
                } else {
                    self.query.revincludes.push(include);
                }
            }
            "_summary" => {
                self.query.summary = Some(match value {
                    "true" => Summary::True,
                    "text" => Summary::Text,
                    "data" => Summary::Data,
                    "count" => Summary::Count,
                    "false" => Summary::False,
                    _ => return Err("is not true, text, data, count or false"),
                });
            }
            "_total" => {
                self.query.total = Some(match value {
                    "none" => TotalMode::None,
                    "estimate" => TotalMode::Estimate,
                    "accurate" => TotalMode::Accurate,
                    _ => return Err("is not none, estimate or accurate"),
                });
            }
            "_elements" => {
                let elements: Vec<&str> = value.split(',').map(str::trim).collect();
                let is_name =
                    |e: &&str| !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !elements.iter().all(is_name) {
                    return Err("is not a comma-separated list of element names");
                }
                self.query.elements.extend(elements.into_iter().map(str::to_owned));
            }
            "_cursor" => {
                if value.is_empty() {
                    return Err("has an empty value");
                }
                self.query.cursor = Some(value.to_owned());
            }
            _ => {} // _format, _pretty
        }
        Ok(())
    }

    /// `Type:param[:target]`: for `_include`, `Type` is the searched type (unless iterating);
    /// for `_revinclude`, `param` must be able to point to the searched type.
    fn include(&self, reverse: bool, value: &str, iterate: bool) -> Result<Include, &'static str> {
        let parts: Vec<&str> = value.split(':').collect();
        let (source_type, code, target_type) = match parts.as_slice() {
            [source, code] => (*source, *code, None),
            [source, code, target] if values::is_type_name(target) => (*source, *code, Some(*target)),
            _ => return Err("is not Type:parameter or Type:parameter:TargetType"),
        };
        let searched = self.query.resource_type.as_str();
        let Some(param) = self.params.get(source_type, code).filter(|p| p.kind == ParamType::Reference)
        else {
            return Err("does not name a reference parameter of its type");
        };
        let can_point_to = |t: &str| param.targets.is_empty() || param.targets.iter().any(|x| x == t);
        if target_type.is_some_and(|t| !can_point_to(t)) {
            return Err("names a target type the parameter cannot point to");
        }
        if !iterate && !reverse && source_type != searched {
            return Err("does not start with the searched type");
        }
        if !iterate && reverse && !can_point_to(searched) {
            return Err("names a parameter that cannot point to the searched type");
        }
        Ok(Include {
            source_type: source_type.to_owned(),
            param: param.code.clone(),
            target_type: target_type.map(str::to_owned),
            iterate,
        })
    }
}
