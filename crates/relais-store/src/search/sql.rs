//! A small SQL text builder: fragments with `?` placeholders and their bound values, rendered
//! for each engine (`$1, $2…` on PostgreSQL). Values are always bound, never spliced: only
//! fixed table and column names from this crate reach the text.

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Real(f64),
}

/// The engine a statement is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `alias` is a current, non-deleted version. Written as each engine's partial index is
    /// declared, so the planner can use it.
    pub(crate) fn current(self, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{alias}.is_current = 1 AND {alias}.deleted = 0"),
            Dialect::Postgres => format!("{alias}.is_current AND NOT {alias}.deleted"),
        }
    }

    /// `alias` is the current version of its resource (deleted or not), as the current-version
    /// index is declared on each engine, so that index alone answers it.
    pub(crate) fn current_key(self, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{alias}.is_current = 1"),
            Dialect::Postgres => format!("{alias}.is_current"),
        }
    }

    /// Byte-wise text ordering for an expression (the index tables already compare so on
    /// PostgreSQL; resource ids need it spelled out), so both engines sort alike.
    pub(crate) fn bytewise(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => expr.to_owned(),
            Dialect::Postgres => format!("({expr} COLLATE \"C\")"),
        }
    }
}

/// SQL text with `?` placeholders and the values they stand for, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(crate) fn text(&mut self, value: &str) -> &mut Self {
        self.text.push('?');
        self.binds.push(Bind::Text(value.to_owned()));
        self
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        self.text.push('?');
        self.binds.push(Bind::Int(value));
        self
    }

    pub(crate) fn real(&mut self, value: f64) -> &mut Self {
        self.text.push('?');
        self.binds.push(Bind::Real(value));
        self
    }

    /// `(?, ?, …)` of `values`, for `IN`.
    pub(crate) fn list<S: AsRef<str>>(&mut self, values: &[S]) -> &mut Self {
        self.text.push('(');
        for (n, v) in values.iter().enumerate() {
            if n > 0 {
                self.text.push_str(", ");
            }
            self.text(v.as_ref());
        }
        self.text.push(')');
        self
    }

    /// ` LIMIT n`, written into the text: SQLite marks a statement whose LIMIT is a bound
    /// variable to be compiled again whenever that variable is bound, which is every time the
    /// cached statement runs.
    pub(crate) fn limit(&mut self, limit: i64) -> &mut Self {
        self.text.push_str(&format!(" LIMIT {limit}"));
        self
    }

    pub(crate) fn append(&mut self, other: Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds);
        self
    }

    /// The text for `dialect`: PostgreSQL numbers its placeholders.
    pub(crate) fn render(&self, dialect: Dialect) -> String {
        match dialect {
            Dialect::Sqlite => self.text.clone(),
            Dialect::Postgres => {
                let mut out = String::with_capacity(self.text.len() + 16);
                let mut n = 0;
                for c in self.text.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

/// The smallest string greater than every string starting with `prefix`, for a prefix range
/// `value >= prefix AND value < upper` that both engines answer from an index. `None` when no
/// such string exists (a prefix of only U+10FFFF).
pub(crate) fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        // Skip the surrogate block, which no Rust char can hold.
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `text` for a `LIKE … ESCAPE '\'` pattern: `%`, `_` and `\` match themselves.
pub(crate) fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_in_order() {
        let mut sql = Sql::default();
        sql.push("a = ").text("x").push(" AND b > ").int(3);
        assert_eq!(sql.render(Dialect::Postgres), "a = $1 AND b > $2");
        assert_eq!(sql.render(Dialect::Sqlite), "a = ? AND b > ?");
        assert_eq!(sql.binds, [Bind::Text("x".into()), Bind::Int(3)]);
    }

    #[test]
    fn prefix_ranges_cover_exactly_the_strings_with_the_prefix() {
        let upper = prefix_upper_bound("gag").unwrap();
        assert_eq!(upper, "gah");
        for inside in ["gag", "gagne", "gag\u{10FFFF}"] {
            assert!(inside >= "gag" && inside < upper.as_str(), "{inside}");
        }
        for outside in ["gaf", "gah", "gb"] {
            assert!(!(outside >= "gag" && outside < upper.as_str()), "{outside}");
        }
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").unwrap(), "b");
        assert_eq!(prefix_upper_bound("\u{D7FF}").unwrap(), "\u{E000}");
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escaped("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
