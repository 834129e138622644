//! The case table of the search conformance suite (`testdata/search/cases.txt`): one case per
//! line, `QUERY => EXPECTED`, read into [`Case`]s. The format is described at the top of the
//! file itself.

use std::fmt;

/// What a search must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// These matches, in any order, each once; and exactly these included resources (by id).
    Set { matches: Vec<String>, included: Vec<String> },
    /// These matches in this order (across every page), and these included resources.
    Ordered { matches: Vec<String>, included: Vec<String> },
    /// `_summary=count`: `total` is this, and there are no match entries.
    Count(u64),
    /// 200 with an `outcome` entry naming `param`, and these matches.
    Ignored { param: String, matches: Vec<String> },
    /// An OperationOutcome with this status, naming `param` in an issue.
    Error { status: u16, param: String },
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Case {
    /// `cases.txt:LINE`, for reports.
    pub line: usize,
    /// The current `## section` heading.
    pub section: String,
    /// `Type?query`, with `{base}`, `{before}` and `{after}` still to be replaced.
    pub query: String,
    /// Sent with `Prefer: handling=strict`.
    pub strict: bool,
    pub expected: Expected,
}

impl Case {
    /// The searched resource type.
    pub fn resource_type(&self) -> &str {
        self.query.split('?').next().unwrap_or_default()
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let strict = if self.strict { "strict " } else { "" };
        write!(f, "cases.txt:{} [{}] {strict}{}", self.line, self.section, self.query)
    }
}

/// Reads the table; panics with the line of the first malformed case.
pub fn parse(text: &str) -> Vec<Case> {
    let mut section = String::from("-");
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(heading) = line.strip_prefix("##") {
            section = heading.trim().to_owned();
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (query, expected) =
            line.split_once("=>").unwrap_or_else(|| panic!("cases.txt:{}: no `=>` in {line}", i + 1));
        let (strict, query) = match query.trim().strip_prefix("strict ") {
            Some(rest) => (true, rest.trim()),
            None => (false, query.trim()),
        };
        let expected =
            expectation(expected.trim()).unwrap_or_else(|why| panic!("cases.txt:{}: {why}", i + 1));
        cases.push(Case { line: i + 1, section: section.clone(), query: query.to_owned(), strict, expected });
    }
    cases
}

fn ids(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// `{a b}`, `[a b]`, either followed by `+ {x y}`; `count N`; `error STATUS param`;
/// `ignored param {a b}`.
fn expectation(text: &str) -> Result<Expected, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["count", n] => return n.parse().map(Expected::Count).map_err(|e| e.to_string()),
        ["error", status, param] => {
            return Ok(Expected::Error {
                status: status.parse().map_err(|e| format!("{e}"))?,
                param: (*param).to_owned(),
            });
        }
        ["ignored", param, ..] => {
            let rest = text.trim_start_matches("ignored").trim_start().trim_start_matches(param).trim();
            let Expected::Set { matches, .. } = expectation(rest)? else {
                return Err("ignored takes a set".into());
            };
            return Ok(Expected::Ignored { param: (*param).to_owned(), matches });
        }
        _ => {}
    }
    let (head, included) = match text.split_once('+') {
        Some((head, tail)) => {
            let tail = tail.trim();
            let inner = tail.strip_prefix('{').and_then(|t| t.strip_suffix('}'));
            (head.trim(), ids(inner.ok_or_else(|| format!("bad included set {tail}"))?))
        }
        None => (text, Vec::new()),
    };
    if let Some(inner) = head.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Ok(Expected::Set { matches: ids(inner), included })
    } else if let Some(inner) = head.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Ok(Expected::Ordered { matches: ids(inner), included })
    } else {
        Err(format!("cannot read the expectation {text}"))
    }
}

/// The table as shipped.
pub fn cases() -> Vec<Case> {
    let path = relais_testkit::testdata().join("search/cases.txt");
    parse(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[test]
fn the_table_format_reads() {
    let cases = parse(
        "## s\nPatient?a=b => {x y}\nstrict Patient?q=1 => error 400 q\n\
         Task?_sort=priority => [t1 t2] + {p1}\nPatient?_summary=count => count 3\n\
         Patient?zz=1 => ignored zz {}\n",
    );
    assert_eq!(cases.len(), 5);
    assert_eq!(cases[0].expected, Expected::Set { matches: vec!["x".into(), "y".into()], included: vec![] });
    assert!(cases[1].strict);
    assert_eq!(cases[1].expected, Expected::Error { status: 400, param: "q".into() });
    assert_eq!(
        cases[2].expected,
        Expected::Ordered { matches: vec!["t1".into(), "t2".into()], included: vec!["p1".into()] }
    );
    assert_eq!(cases[3].expected, Expected::Count(3));
    assert_eq!(cases[4].expected, Expected::Ignored { param: "zz".into(), matches: vec![] });
    assert_eq!(cases[2].resource_type(), "Task");
}
