//! Runs one case of the table against a server: sends the query, follows every `next` link
//! (checking `previous` on the way back), and compares what came back with what the case
//! expects. A mismatch is a message, never a panic, so one run reports every failing case.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use super::table::{Case, Expected};
use crate::support::{Answer, Harness, read};

/// The most pages a case may take (the fixtures are small: more is a paging loop).
const MAX_PAGES: usize = 60;

/// Values a case's query may use.
pub struct Placeholders {
    /// `http://127.0.0.1:PORT/fhir`.
    pub base: String,
    /// An instant before the fixtures were loaded.
    pub before: String,
    /// An instant a day after the load.
    pub after: String,
}

impl Placeholders {
    pub fn fill(&self, query: &str) -> String {
        // An instant's `+` (a zone) would read as a space in a query string.
        let instant = |t: &str| t.replace('+', "%2B");
        query
            .replace("{base}", &self.base)
            .replace("{before}", &instant(&self.before))
            .replace("{after}", &instant(&self.after))
    }
}

/// Everything the pages of one search held.
#[derive(Debug, Default)]
pub struct Collected {
    /// Match ids in the order received, across pages.
    pub matches: Vec<String>,
    /// Match ids per page.
    pub pages: Vec<Vec<String>>,
    pub included: Vec<String>,
    /// The OperationOutcomes of `outcome` entries, as text.
    pub outcomes: Vec<String>,
    /// `total` of the first page.
    pub total: Option<u64>,
    /// Problems seen while collecting (wrong types, missing links…).
    pub problems: Vec<String>,
}

/// GET `url` (absolute), with `Prefer: handling=strict` if asked.
pub async fn get_absolute(h: &Harness, url: &str, strict: bool) -> Answer {
    let mut request = h.http.get(url);
    if strict {
        request = request.header("prefer", "handling=strict");
    }
    read(request.send().await.expect("request sent")).await
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
        .map(str::to_owned)
}

fn absolute(h: &Harness, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else if url.starts_with('/') {
        h.url(url)
    } else {
        h.url(&format!("/fhir/{url}"))
    }
}

/// One page's entries, sorted into `into`; returns the page's match ids.
fn take_page(bundle: &Value, resource_type: &str, into: &mut Collected) -> Vec<String> {
    let mut page = Vec::new();
    if bundle["resourceType"] != "Bundle" || bundle["type"] != "searchset" {
        into.problems.push(format!("not a searchset Bundle: {}", short(&bundle.to_string())));
        return page;
    }
    for entry in bundle["entry"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let resource = &entry["resource"];
        let id = resource["id"].as_str().unwrap_or("?").to_owned();
        let rt = resource["resourceType"].as_str().unwrap_or("?");
        match entry["search"]["mode"].as_str() {
            Some("match") => {
                if rt != resource_type {
                    into.problems.push(format!("match {rt}/{id} is not a {resource_type}"));
                }
                page.push(id);
            }
            Some("include") => into.included.push(id),
            Some("outcome") => into.outcomes.push(resource.to_string()),
            other => into.problems.push(format!("entry {rt}/{id} has search.mode {other:?}")),
        }
    }
    page
}

/// Sends the search and follows its `next` links.
pub async fn collect(
    h: &Harness,
    first_url: &str,
    resource_type: &str,
    strict: bool,
) -> Result<Collected, Answer> {
    let mut collected = Collected::default();
    let first = get_absolute(h, first_url, strict).await;
    if first.status != StatusCode::OK {
        return Err(first);
    }
    let Ok(mut bundle) = serde_json::from_str::<Value>(&first.text) else { return Err(first) };
    collected.total = bundle["total"].as_u64();
    let mut current_url = first_url.to_owned();
    loop {
        let page = take_page(&bundle, resource_type, &mut collected);
        let index = collected.pages.len();
        if index > 0 {
            match link(&bundle, "previous") {
                None => collected.problems.push(format!("page {} has no previous link", index + 1)),
                Some(back) => {
                    let answer = get_absolute(h, &absolute(h, &back), strict).await;
                    let mut scratch = Collected::default();
                    let ids = match serde_json::from_str::<Value>(&answer.text) {
                        Ok(b) if answer.status == StatusCode::OK => {
                            take_page(&b, resource_type, &mut scratch)
                        }
                        _ => vec![format!("HTTP {}", answer.status)],
                    };
                    if ids != collected.pages[index - 1] {
                        collected.problems.push(format!(
                            "the previous link of page {} gives {ids:?}, page {} was {:?}",
                            index + 1,
                            index,
                            collected.pages[index - 1]
                        ));
                    }
                }
            }
        }
        collected.matches.extend(page.iter().cloned());
        collected.pages.push(page);
        let Some(next) = link(&bundle, "next") else { break };
        let next = absolute(h, &next);
        if collected.pages.len() >= MAX_PAGES || next == current_url {
            collected.problems.push(format!("more than {MAX_PAGES} pages, or a next link to itself"));
            break;
        }
        let answer = get_absolute(h, &next, strict).await;
        match serde_json::from_str::<Value>(&answer.text) {
            Ok(b) if answer.status == StatusCode::OK => bundle = b,
            _ => {
                collected.problems.push(format!("next page: HTTP {} {}", answer.status, short(&answer.text)));
                break;
            }
        }
        current_url = next;
    }
    Ok(collected)
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(300).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

fn sorted(ids: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> = ids.iter().collect();
    set.into_iter().cloned().collect()
}

fn repeated(ids: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.iter().filter(|id| !seen.insert(id.as_str())).cloned().collect()
}

/// Does the OperationOutcome text name `param` (in an issue's expression or diagnostics)?
fn names(outcome: &Value, param: &str) -> bool {
    outcome["issue"].as_array().is_some_and(|issues| {
        issues.iter().any(|i| {
            i["diagnostics"].as_str().is_some_and(|d| d.contains(param))
                || i["expression"].as_array().is_some_and(|e| e.iter().any(|x| x.as_str() == Some(param)))
        })
    })
}

/// Runs `case`; `Err` describes every way it failed.
pub async fn run(h: &Harness, case: &Case, values: &Placeholders) -> Result<(), String> {
    let url = format!("{}/{}", values.base, values.fill(&case.query));
    let mut problems = Vec::new();
    let result = collect(h, &url, case.resource_type(), case.strict).await;
    match (&case.expected, result) {
        (Expected::Error { status, param }, Err(answer)) => {
            if answer.status.as_u16() != *status {
                problems.push(format!(
                    "status {} (expected {status}): {}",
                    answer.status,
                    short(&answer.text)
                ));
            }
            let outcome: Value = serde_json::from_str(&answer.text).unwrap_or_default();
            if outcome["resourceType"] != "OperationOutcome" || !names(&outcome, param) {
                problems.push(format!("no OperationOutcome naming {param}: {}", short(&answer.text)));
            }
        }
        (Expected::Error { status, .. }, Ok(got)) => {
            problems.push(format!("HTTP 200 with matches {:?} (expected {status})", got.matches));
        }
        (_, Err(answer)) => {
            problems.push(format!("HTTP {}: {}", answer.status, short(&answer.text)));
        }
        (expected, Ok(got)) => {
            problems.extend(got.problems.iter().cloned());
            check(expected, &got, case, &mut problems);
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n      ")) }
}

fn check(expected: &Expected, got: &Collected, case: &Case, problems: &mut Vec<String>) {
    let again = repeated(&got.matches);
    if !again.is_empty() {
        problems.push(format!("matches repeated across pages: {again:?}"));
    }
    let again = repeated(&got.included);
    if !again.is_empty() {
        problems.push(format!("included more than once: {again:?}"));
    }
    let both: Vec<&String> = got.included.iter().filter(|i| got.matches.contains(i)).collect();
    if !both.is_empty() {
        problems.push(format!("included and also a match: {both:?}"));
    }
    let page_size =
        case.query.split(['?', '&']).find_map(|p| p.strip_prefix("_count=")?.parse::<usize>().ok());
    if let Some(size) = page_size
        && let Some(big) = got.pages.iter().position(|p| p.len() > size)
    {
        problems.push(format!("page {} holds {} matches with _count={size}", big + 1, got.pages[big].len()));
    }
    let count_only = matches!(expected, Expected::Count(_));
    if !count_only && let Some(total) = got.total {
        let n = got.matches.len() as u64;
        if total != n {
            problems.push(format!("total {total} but {n} matches across the pages"));
        }
    }
    if case.query.contains("_total=accurate") && got.total.is_none() {
        problems.push("_total=accurate but no total".into());
    }
    match expected {
        Expected::Set { matches, included } => {
            problems.extend(compare_set("matches", &got.matches, matches));
            problems.extend(compare_set("included", &got.included, included));
        }
        Expected::Ordered { matches, included } => {
            if &got.matches != matches {
                problems.push(format!("order: got {:?}, expected {matches:?}", got.matches));
            }
            problems.extend(compare_set("included", &got.included, included));
        }
        Expected::Count(n) => {
            if got.total != Some(*n) {
                problems.push(format!("total {:?}, expected {n}", got.total));
            }
            if !got.matches.is_empty() {
                problems.push(format!("_summary=count returned entries {:?}", got.matches));
            }
        }
        Expected::Ignored { param, matches } => {
            problems.extend(compare_set("matches", &got.matches, matches));
            let named =
                got.outcomes.iter().any(|o| names(&serde_json::from_str(o).unwrap_or_default(), param));
            if !named {
                problems.push(format!("no outcome entry naming {param} (outcomes: {:?})", got.outcomes));
            }
        }
        Expected::Error { .. } => unreachable!("handled by the caller"),
    }
}

/// A message if `got_ids` and `want` differ as sets.
fn compare_set(what: &str, got_ids: &[String], want: &[String]) -> Option<String> {
    let (g, w) = (sorted(got_ids), sorted(want));
    if g == w {
        return None;
    }
    let missing: Vec<&String> = w.iter().filter(|x| !g.contains(x)).collect();
    let extra: Vec<&String> = g.iter().filter(|x| !w.contains(x)).collect();
    Some(format!("{what}: got {g:?}, expected {w:?} (missing {missing:?}, unexpected {extra:?})"))
}
