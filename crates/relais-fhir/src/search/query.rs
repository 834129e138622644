//! The search URL parser: a resource type and its (name, value) pairs, already percent-decoded
//! (from `GET /fhir/Observation?…` or a `POST …/_search` form), to a typed [`SearchQuery`].
//! No IO, no SQL: the store's planner turns the query into SQL.
//!
//! Values separated by `,` are alternatives (OR); a repeated parameter is a conjunction (AND).
//! Diagnostics name the parameter, never its value, which may be personal data.

mod common;
mod values;

use crate::outcome::{Issue, IssueType};
use crate::search::definitions::{ParamType, SearchParams};

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchQuery {
    pub resource_type: String,
    /// All must match (AND).
    pub filters: Vec<Filter>,
    pub sort: Vec<SortKey>,
    /// `_count`, clamped to the server maximum.
    pub count: Option<u32>,
    pub total: Option<TotalMode>,
    pub summary: Option<Summary>,
    /// `_elements`, in the order given.
    pub elements: Vec<String>,
    pub includes: Vec<Include>,
    pub revincludes: Vec<Include>,
    /// `_cursor`: the opaque paging position of a next/previous link.
    pub cursor: Option<String>,
    /// Parameters left out in lenient mode (unknown or unsupported), by name, for the outcome.
    pub ignored: Vec<String>,
}

/// One parameter occurrence: any of `values` matches (OR).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The parameter code (`subject`, `_id`, or `_has` for a reverse chain).
    pub param: String,
    /// `subject:Patient.name=peter`: the values are those of the chained filter.
    pub chain: Option<Chain>,
    /// `_has:Observation:patient:code=1234-5`.
    pub has: Option<Has>,
    pub modifier: Option<Modifier>,
    /// Alternatives (OR); empty when `chain` or `has` holds them.
    pub values: Vec<FilterValue>,
}

/// A forward chain: resources whose `param` points to a `target_type` matching `filter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    pub target_type: String,
    pub filter: Box<Filter>,
}

/// A reverse chain: resources pointed to, by `reference_param`, from a `resource_type`
/// matching `filter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Has {
    pub resource_type: String,
    pub reference_param: String,
    pub filter: Box<Filter>,
}

/// The system part of a token value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSystem {
    /// `code`: any system, or none.
    Any,
    /// `|code`: no system.
    NoSystem,
    /// `system|code` or `system|`.
    Is(String),
}

/// One alternative of a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// `code == None` for `system|` (any code of the system).
    Token {
        system: TokenSystem,
        code: Option<String>,
    },
    /// A token's `:text`, normalised.
    Text(String),
    /// Normalised (lower case, no accents), or as given with `:exact`.
    String(String),
    /// The instants the date covers at its precision, microseconds, both ends included.
    Date {
        prefix: Prefix,
        lo: i64,
        hi: i64,
    },
    /// `lo`..`hi`: the range the value's precision stands for (`100` → 99.5..100.5).
    Number {
        prefix: Prefix,
        value: f64,
        lo: f64,
        hi: f64,
    },
    Quantity {
        prefix: Prefix,
        value: f64,
        lo: f64,
        hi: f64,
        system: Option<String>,
        code: Option<String>,
    },
    /// A local reference (`Patient/123`, `123`, or this server's absolute URL).
    Reference {
        target_type: Option<String>,
        id: String,
    },
    /// Any other absolute reference, as given.
    ReferenceUrl(String),
    Uri(String),
    /// `:missing=true|false`.
    Missing(bool),
    /// One value per component, in the definition's order.
    Composite(Vec<FilterValue>),
}

/// The comparison of an ordered value (date, number, quantity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Sa,
    Eb,
    Ap,
}

/// The supported modifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modifier {
    Exact,
    Contains,
    Not,
    Text,
    Missing,
    /// `subject:Patient`.
    Type(String),
    /// URI prefix matches.
    Above,
    Below,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub param: String,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalMode {
    None,
    Estimate,
    Accurate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    True,
    Text,
    Data,
    Count,
    False,
}

/// `_include=Observation:subject:Patient` or `_revinclude=Provenance:target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub source_type: String,
    pub param: String,
    pub target_type: Option<String>,
    /// `:iterate` (or R3's `:recurse`).
    pub iterate: bool,
}

/// How to parse.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions<'a> {
    /// This server's base (`https://example.org/fhir`): references to it are made relative.
    pub base_url: &'a str,
    /// Refuse unknown parameters (`Prefer: handling=strict`) instead of ignoring them.
    pub strict: bool,
    /// The largest `_count` honoured.
    pub max_count: u32,
}

/// Parses the search `pairs` on `resource_type`, collecting every error.
pub fn parse_query<I, K, V>(
    params: &SearchParams,
    resource_type: &str,
    pairs: I,
    options: &ParseOptions<'_>,
) -> Result<SearchQuery, Vec<Issue>>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut parser = Parser {
        params,
        options,
        query: SearchQuery { resource_type: resource_type.to_owned(), ..SearchQuery::default() },
        issues: Vec::new(),
    };
    for (name, value) in pairs {
        parser.pair(name.as_ref(), value.as_ref());
    }
    if parser.issues.is_empty() { Ok(parser.query) } else { Err(parser.issues) }
}

struct Parser<'a> {
    params: &'a SearchParams,
    options: &'a ParseOptions<'a>,
    query: SearchQuery,
    issues: Vec<Issue>,
}

/// An error about the parameter `name` (which is named; its value is not).
pub(crate) fn invalid(name: &str, why: &str) -> Issue {
    Issue::error(IssueType::Invalid, "invalid-parameter-value", format!("The search parameter {name} {why}."))
        .at(name)
}

fn unsupported_modifier(name: &str) -> Issue {
    Issue::error(
        IssueType::NotSupported,
        "unsupported-modifier",
        format!("The modifier of the search parameter {name} is not supported."),
    )
    .at(name)
}

impl Parser<'_> {
    fn pair(&mut self, name: &str, value: &str) {
        if self.common(name, value) {
            return;
        }
        let resource_type = self.query.resource_type.clone();
        let result = if let Some(rest) = name.strip_prefix("_has:") {
            self.has(name, rest, value)
        } else {
            self.filter(&resource_type, name, name, value, true)
        };
        match result {
            Ok(Some(filter)) => self.query.filters.push(filter),
            Ok(None) => {}
            Err(issue) => self.issues.push(issue),
        }
    }

    /// An unknown or unsupported parameter: an error when strict, else noted as ignored.
    fn unknown(&mut self, full_name: &str, code: &str, resource_type: &str) -> Result<Option<Filter>, Issue> {
        if !self.options.strict {
            self.query.ignored.push(full_name.to_owned());
            return Ok(None);
        }
        let why =
            if self.params.is_unsupported(resource_type, code) { "is not supported" } else { "is unknown" };
        Err(Issue::error(
            IssueType::NotSupported,
            "unknown-parameter",
            format!("The search parameter {full_name} ({code} of {resource_type}) {why}."),
        )
        .at(full_name))
    }

    /// `name` (`code[:modifier][.chained]`) on `resource_type`; `full_name` is what the client
    /// wrote, for diagnostics. Chains only when `may_chain`.
    fn filter(
        &mut self,
        resource_type: &str,
        full_name: &str,
        name: &str,
        value: &str,
        may_chain: bool,
    ) -> Result<Option<Filter>, Issue> {
        let (head, chained) = match name.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (name, None),
        };
        let (code, modifier_text) = match head.split_once(':') {
            Some((code, m)) => (code, Some(m)),
            None => (head, None),
        };
        let Some(param) = self.params.get(resource_type, code).cloned() else {
            return self.unknown(full_name, code, resource_type);
        };
        let modifier = match modifier_text {
            None => None,
            Some(text) => {
                Some(values::modifier(&param, text).ok_or_else(|| unsupported_modifier(full_name))?)
            }
        };
        if let Some(rest) = chained {
            if !may_chain || param.kind != ParamType::Reference || rest.contains('.') {
                return Err(Issue::error(
                    IssueType::NotSupported,
                    "unsupported-chain",
                    format!("The chain of the search parameter {full_name} is not supported (one level, on a reference)."),
                )
                .at(full_name));
            }
            let target_type = match &modifier {
                Some(Modifier::Type(t)) => t.clone(),
                None => {
                    let chained_code = rest.split(':').next().unwrap_or(rest);
                    let mut fitting =
                        param.targets.iter().filter(|t| self.params.get(t, chained_code).is_some());
                    match (fitting.next(), fitting.next()) {
                        (Some(only), None) => only.clone(),
                        (None, _) => return self.unknown(full_name, chained_code, resource_type),
                        (Some(_), Some(_)) => {
                            return Err(invalid(
                                full_name,
                                "is ambiguous: name the target type, as in subject:Patient.name",
                            ));
                        }
                    }
                }
                Some(_) => return Err(unsupported_modifier(full_name)),
            };
            let Some(inner) = self.filter(&target_type, full_name, rest, value, false)? else {
                return Ok(None);
            };
            let chain = Some(Chain { target_type, filter: Box::new(inner) });
            return Ok(Some(Filter {
                param: param.code.clone(),
                chain,
                has: None,
                modifier: None,
                values: Vec::new(),
            }));
        }
        let mut values = Vec::new();
        for raw in values::split_unescaped(value, ',') {
            let parsed = if modifier == Some(Modifier::Missing) {
                match raw {
                    "true" => Ok(FilterValue::Missing(true)),
                    "false" => Ok(FilterValue::Missing(false)),
                    _ => Err("takes true or false with :missing"),
                }
            } else {
                values::value(&param, param.kind, modifier.as_ref(), raw, self.options.base_url)
            };
            values.push(parsed.map_err(|why| invalid(full_name, why))?);
        }
        Ok(Some(Filter { param: param.code.clone(), chain: None, has: None, modifier, values }))
    }

    /// `_has:Observation:patient:code=1234-5` (`rest` is what follows `_has:`).
    fn has(&mut self, full_name: &str, rest: &str, value: &str) -> Result<Option<Filter>, Issue> {
        let mut parts = rest.splitn(3, ':');
        let (Some(source), Some(reference), Some(inner)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid(full_name, "is not _has:Type:reference:parameter"));
        };
        if inner.starts_with("_has") || inner.contains('.') {
            return Err(Issue::error(
                IssueType::NotSupported,
                "unsupported-chain",
                format!("The search parameter {full_name} nests chains, which is not supported."),
            )
            .at(full_name));
        }
        let Some(link) = self.params.get(source, reference).cloned() else {
            return self.unknown(full_name, reference, source);
        };
        let resource_type = &self.query.resource_type;
        if link.kind != ParamType::Reference
            || !(link.targets.is_empty() || link.targets.iter().any(|t| t == resource_type))
        {
            return Err(invalid(full_name, "does not name a reference to the searched type"));
        }
        let Some(filter) = self.filter(source, full_name, inner, value, false)? else { return Ok(None) };
        let has = Some(Has {
            resource_type: source.to_owned(),
            reference_param: link.code.clone(),
            filter: Box::new(filter),
        });
        Ok(Some(Filter { param: "_has".to_owned(), chain: None, has, modifier: None, values: Vec::new() }))
    }
}

#[cfg(test)]
mod more_tests;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
