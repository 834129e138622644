//! The official R4 SearchParameter definitions (HL7's `search-parameters.json`, CC0, embedded):
//! for each resource type, its parameters with their type, parsed expression, reference targets
//! and composite components.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::path::{Path, Step, parse_expression, parse_relative};

const R4_SEARCH_PARAMETERS: &str = include_str!("../../data/search-parameters.json");

/// `SearchParameter.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    Number,
    Date,
    String,
    Token,
    Reference,
    Composite,
    Quantity,
    Uri,
    Special,
}

impl ParamType {
    /// The FHIR code (`SearchParameter.type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Number => "number",
            ParamType::Date => "date",
            ParamType::String => "string",
            ParamType::Token => "token",
            ParamType::Reference => "reference",
            ParamType::Composite => "composite",
            ParamType::Quantity => "quantity",
            ParamType::Uri => "uri",
            ParamType::Special => "special",
        }
    }

    fn parse(code: &str) -> Option<ParamType> {
        Some(match code {
            "number" => ParamType::Number,
            "date" => ParamType::Date,
            "string" => ParamType::String,
            "token" => ParamType::Token,
            "reference" => ParamType::Reference,
            "composite" => ParamType::Composite,
            "quantity" => ParamType::Quantity,
            "uri" => ParamType::Uri,
            "special" => ParamType::Special,
            _ => return None,
        })
    }
}

/// One part of a composite parameter (`code` and `value-quantity` of
/// `component-code-value-quantity`).
#[derive(Debug, Clone)]
pub struct Component {
    pub code: String,
    pub kind: ParamType,
    /// Relative to the composite's element.
    pub steps: Vec<Step>,
}

/// A search parameter of one resource type.
#[derive(Debug, Clone)]
pub struct SearchParam {
    pub code: String,
    pub url: String,
    pub kind: ParamType,
    /// The expression parts that apply to this resource type.
    pub paths: Vec<Path>,
    /// Resource types a reference parameter may point to.
    pub targets: Vec<String>,
    pub components: Vec<Component>,
    /// Where its values live in the index (see [`Storage`]).
    pub storage: Storage,
}

/// Where a parameter's values are kept. Only [`Storage::Indexed`] and [`Storage::PairRows`]
/// parameters have rows of their own: the others are answered from those rows, which keeps
/// each write to a few index rows (a heart-rate Observation would otherwise write `subject`
/// and `patient`, `code` and `combo-code`, `value-quantity` and `combo-value-quantity`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// Rows of its own in the index table of its type.
    Indexed,
    /// A column of every stored version (`_id`, `_lastUpdated`).
    Column,
    /// The rows of parameter `code` that reference a `target_type` (`patient` of an
    /// Observation is its `subject` pointing to a Patient).
    TargetOf { code: String, target_type: String },
    /// The rows of any of these parameters (`combo-code` is `code` or `component-code`).
    UnionOf(Vec<String>),
    /// A composite over the resource itself: each component is the parameter of that name,
    /// matched on the same resource (`code-value-quantity` is `code` and `value-quantity`).
    Conjunction(Vec<String>),
    /// A token-and-quantity composite over a repeating element: one quantity row per
    /// (coding, value) pair of the same element (`component-code-value-quantity`).
    PairRows,
    /// The quantity part of a [`Storage::PairRows`] composite (`component-value-quantity`).
    PartOf(String),
}

/// Every parameter of every resource type.
#[derive(Debug, Default)]
pub struct SearchParams {
    by_type: HashMap<String, BTreeMap<String, Arc<SearchParam>>>,
    /// Parameters whose expression uses FHIRPath beyond the supported subset, or of type
    /// `special`: (resource type, code).
    unsupported: Vec<(String, String)>,
}

/// Why the definitions could not be read (only if the embedded file were corrupt).
#[derive(Debug, thiserror::Error)]
#[error("the embedded search parameter definitions could not be read: {0}")]
pub struct DefinitionsError(String);

impl SearchParams {
    /// The process-wide definitions, read on first use, for `resource_types`.
    pub fn shared<'a>(
        resource_types: impl Iterator<Item = &'a str>,
    ) -> Result<Arc<SearchParams>, DefinitionsError> {
        static SHARED: OnceLock<Result<Arc<SearchParams>, String>> = OnceLock::new();
        let types: Vec<&str> = resource_types.collect();
        SHARED
            .get_or_init(|| SearchParams::load(types.into_iter()).map(Arc::new).map_err(|e| e.0))
            .clone()
            .map_err(DefinitionsError)
    }

    /// Reads the embedded bundle. Parameters on `Resource` apply to every one of
    /// `resource_types`; on `DomainResource`, to all but Bundle, Binary and Parameters.
    pub fn load<'a>(resource_types: impl Iterator<Item = &'a str>) -> Result<SearchParams, DefinitionsError> {
        let bundle: Value =
            serde_json::from_str(R4_SEARCH_PARAMETERS).map_err(|e| DefinitionsError(e.to_string()))?;
        let definitions: Vec<&Value> = bundle
            .get("entry")
            .and_then(Value::as_array)
            .ok_or_else(|| DefinitionsError("no entries".into()))?
            .iter()
            .filter_map(|e| e.get("resource"))
            .collect();
        let by_url: HashMap<&str, &Value> =
            definitions.iter().filter_map(|d| Some((d.get("url")?.as_str()?, *d))).collect();
        let all_types: Vec<&str> = resource_types.collect();
        let mut params = SearchParams::default();
        for definition in &definitions {
            let text = |key: &str| definition.get(key).and_then(Value::as_str).unwrap_or_default();
            let strings = |key: &str| -> Vec<String> {
                definition.get(key).and_then(Value::as_array).map_or_else(Vec::new, |a| {
                    a.iter().filter_map(Value::as_str).map(str::to_owned).collect()
                })
            };
            let Some(kind) = ParamType::parse(text("type")) else { continue };
            let parsed = parse_expression(text("expression"));
            let components = components(definition, &by_url);
            for base in strings("base") {
                let applies_to: Vec<&str> = match base.as_str() {
                    "Resource" => all_types.clone(),
                    "DomainResource" => all_types
                        .iter()
                        .copied()
                        .filter(|t| !matches!(*t, "Bundle" | "Binary" | "Parameters"))
                        .collect(),
                    other => vec![other],
                };
                for resource_type in applies_to {
                    let paths: Option<Vec<Path>> = parsed.as_ref().map(|paths| {
                        paths
                            .iter()
                            .filter(|p| {
                                p.root == resource_type || p.root == "Resource" || p.root == "DomainResource"
                            })
                            .cloned()
                            .collect()
                    });
                    let supported = kind != ParamType::Special
                        && paths.as_ref().is_some_and(|p| !p.is_empty())
                        && (kind != ParamType::Composite || components.is_some());
                    if !supported {
                        params.unsupported.push((resource_type.to_owned(), text("code").to_owned()));
                        continue;
                    }
                    let param = SearchParam {
                        code: text("code").to_owned(),
                        url: text("url").to_owned(),
                        kind,
                        paths: paths.unwrap_or_default(),
                        targets: strings("target"),
                        components: components.clone().unwrap_or_default(),
                        storage: Storage::Indexed,
                    };
                    params
                        .by_type
                        .entry(resource_type.to_owned())
                        .or_default()
                        .insert(param.code.clone(), Arc::new(param));
                }
            }
        }
        params.classify_storage();
        Ok(params)
    }

    /// Decides each parameter's [`Storage`]; composites that can be answered neither way are
    /// moved to the unsupported list rather than evaluated wrongly.
    fn classify_storage(&mut self) {
        let mut unsupported = Vec::new();
        for (resource_type, by_code) in &mut self.by_type {
            let snapshot: Vec<SearchParam> = by_code.values().map(|p| (**p).clone()).collect();
            for param in by_code.values_mut() {
                match storage_of(param, &snapshot) {
                    Some(storage) => Arc::make_mut(param).storage = storage,
                    None => unsupported.push((resource_type.clone(), param.code.clone())),
                }
            }
            // A union of composites, one of which is unsupported, is unsupported too.
            let dropped: Vec<String> =
                unsupported.iter().filter(|(t, _)| t == resource_type).map(|(_, c)| c.clone()).collect();
            for param in by_code.values() {
                if let Storage::UnionOf(members) = &param.storage
                    && members.iter().any(|m| dropped.contains(m))
                {
                    unsupported.push((resource_type.clone(), param.code.clone()));
                }
            }
        }
        for (resource_type, code) in &unsupported {
            if let Some(by_code) = self.by_type.get_mut(resource_type) {
                by_code.remove(code);
            }
        }
        self.unsupported.extend(unsupported);
    }

    /// The parameter `code` of `resource_type`.
    pub fn get(&self, resource_type: &str, code: &str) -> Option<&Arc<SearchParam>> {
        self.by_type.get(resource_type)?.get(code)
    }

    /// Every supported parameter of `resource_type`, by code.
    pub fn for_type(&self, resource_type: &str) -> impl Iterator<Item = &Arc<SearchParam>> {
        self.by_type.get(resource_type).into_iter().flat_map(|m| m.values())
    }

    /// Whether `code` is defined for `resource_type` but cannot be evaluated here.
    pub fn is_unsupported(&self, resource_type: &str, code: &str) -> bool {
        self.unsupported.iter().any(|(t, c)| t == resource_type && c == code)
    }
}

/// The storage of `param` among the parameters `all` of its resource type; `None` for a
/// composite that is neither a [`Storage::Conjunction`] nor [`Storage::PairRows`].
fn storage_of(param: &SearchParam, all: &[SearchParam]) -> Option<Storage> {
    if matches!(param.code.as_str(), "_id" | "_lastUpdated") {
        return Some(Storage::Column);
    }
    let others = || all.iter().filter(|o| o.code != param.code && o.kind == param.kind);
    // `X.where(resolve() is T)` where another parameter is exactly `X`.
    if let [path] = param.paths.as_slice()
        && let Some((Step::ResolvesTo(target_type), head)) = path.steps.split_last()
    {
        let base = Path { root: path.root.clone(), steps: head.to_vec() };
        if let Some(other) = others().find(|o| o.paths == [base.clone()]) {
            return Some(Storage::TargetOf { code: other.code.clone(), target_type: target_type.clone() });
        }
    }
    // Several paths, each exactly covered by other parameters with fewer paths.
    if param.paths.len() > 1 {
        let members: Vec<&SearchParam> = others()
            .filter(|o| {
                !o.paths.is_empty()
                    && o.paths.len() < param.paths.len()
                    && o.paths.iter().all(|p| param.paths.contains(p))
                    && o.components.iter().map(|c| c.kind).eq(param.components.iter().map(|c| c.kind))
            })
            .collect();
        let covered = param.paths.iter().all(|p| members.iter().any(|m| m.paths.contains(p)));
        if covered && !members.is_empty() {
            return Some(Storage::UnionOf(members.iter().map(|m| m.code.clone()).collect()));
        }
    }
    if param.kind != ParamType::Composite {
        // The quantity part of a pair-row composite over the same element.
        let part_of = all.iter().find(|c| {
            is_pair_composite(c)
                && c.components.get(1).is_some_and(|q| {
                    c.paths.iter().any(|base| {
                        let mut steps = base.steps.clone();
                        steps.extend(q.steps.iter().cloned());
                        param.paths.contains(&Path { root: base.root.clone(), steps })
                    })
                })
        });
        return Some(match part_of {
            Some(composite) if param.kind == ParamType::Quantity => Storage::PartOf(composite.code.clone()),
            _ => Storage::Indexed,
        });
    }
    if param.paths.iter().all(|p| p.steps.is_empty()) {
        // Over the resource itself: each component must be a parameter with that path.
        let codes: Option<Vec<String>> = param
            .components
            .iter()
            .map(|component| {
                let wanted = param
                    .paths
                    .first()
                    .map(|p| Path { root: p.root.clone(), steps: component.steps.clone() })?;
                // The narrowest such parameter (`value-quantity`, not `combo-value-quantity`,
                // which also holds the components' values).
                all.iter()
                    .filter(|o| o.kind == component.kind && o.paths.contains(&wanted))
                    .min_by_key(|o| o.paths.len())
                    .map(|o| o.code.clone())
            })
            .collect();
        return codes.map(Storage::Conjunction);
    }
    is_pair_composite(param).then_some(Storage::PairRows)
}

/// A composite of a token and a quantity over a repeating element, stored as pair rows.
fn is_pair_composite(param: &SearchParam) -> bool {
    param.kind == ParamType::Composite
        && param.paths.iter().all(|p| !p.steps.is_empty())
        && param.components.iter().map(|c| c.kind).eq([ParamType::Token, ParamType::Quantity])
}

fn components(definition: &Value, by_url: &HashMap<&str, &Value>) -> Option<Vec<Component>> {
    let list = definition.get("component")?.as_array()?;
    list.iter()
        .map(|c| {
            let target = by_url.get(c.get("definition")?.as_str()?)?;
            Some(Component {
                code: target.get("code")?.as_str()?.to_owned(),
                kind: ParamType::parse(target.get("type")?.as_str()?)?,
                steps: parse_relative(c.get("expression")?.as_str()?)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
