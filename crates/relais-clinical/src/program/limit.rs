//! A threshold as a clinician writes it: `"> 160"`, `">= 135"`, `"< 4.0"`, `"<= 90"`.
//!
//! Written as text so a program file reads like the protocol it comes from, and so "strictly
//! above" and "at or above" can never be confused (published rules use both).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Strictly below.
    Below,
    /// Below or equal.
    AtOrBelow,
    /// Strictly above.
    Above,
    /// Above or equal.
    AtOrAbove,
}

/// A value compared against a bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Limit {
    /// How the value is compared.
    pub op: Op,
    /// The bound.
    pub value: f64,
}

impl Limit {
    /// Whether `x` meets the limit (the condition the rule looks for holds).
    pub fn holds(&self, x: f64) -> bool {
        match self.op {
            Op::Below => x < self.value,
            Op::AtOrBelow => x <= self.value,
            Op::Above => x > self.value,
            Op::AtOrAbove => x >= self.value,
        }
    }
}

impl std::str::FromStr for Limit {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (op, rest) = if let Some(rest) = text.strip_prefix(">=") {
            (Op::AtOrAbove, rest)
        } else if let Some(rest) = text.strip_prefix("<=") {
            (Op::AtOrBelow, rest)
        } else if let Some(rest) = text.strip_prefix('>') {
            (Op::Above, rest)
        } else if let Some(rest) = text.strip_prefix('<') {
            (Op::Below, rest)
        } else {
            return Err(format!("`{text}` must start with <, <=, > or >= (for example \"> 160\")"));
        };
        let value: f64 = rest
            .trim()
            .parse()
            .map_err(|_| format!("`{}` after the operator is not a number", rest.trim()))?;
        if !value.is_finite() {
            return Err(format!("`{}` is not a finite number", rest.trim()));
        }
        Ok(Limit { op, value })
    }
}

impl TryFrom<String> for Limit {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Limit> for String {
    fn from(limit: Limit) -> String {
        limit.to_string()
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Below => "<",
            Op::AtOrBelow => "<=",
            Op::Above => ">",
            Op::AtOrAbove => ">=",
        };
        write!(f, "{op} {}", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_compare_at_their_edges() {
        let cases = [
            ("> 160", 160.0, false),
            ("> 160", 160.5, true),
            (">= 135", 135.0, true),
            (">=135", 134.9, false),
            ("< 4.0", 4.0, false),
            ("< 4.0", 3.9, true),
            ("<= 90", 90.0, true),
            ("<= 90", 90.1, false),
        ];
        for (text, x, expected) in cases {
            let limit: Limit = text.parse().unwrap();
            assert_eq!(limit.holds(x), expected, "{text} with {x}");
        }
    }

    #[test]
    fn a_limit_without_operator_or_number_says_why() {
        assert!("160".parse::<Limit>().unwrap_err().contains("must start with"));
        assert!("> high".parse::<Limit>().unwrap_err().contains("not a number"));
        assert!("> inf".parse::<Limit>().unwrap_err().contains("finite"));
    }

    #[test]
    fn a_limit_prints_as_it_is_written() {
        assert_eq!(">= 135".parse::<Limit>().unwrap().to_string(), ">= 135");
    }
}
