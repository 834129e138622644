//! Search values: the `\` escapes, prefixes, and one value of each parameter type.

use super::{FilterValue, Modifier, Prefix, TokenSystem};
use crate::search::definitions::{ParamType, SearchParam};
use crate::search::extract::{normalise, range_of};

/// Why a value was refused (told to the client without the value itself).
pub(super) type Refusal = &'static str;

/// Splits `text` at each `sep` not preceded by a `\` escape; the parts keep their escapes.
pub(super) fn split_unescaped(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Removes the escapes `\,` `\|` `\$` `\\`; any other `\` stays as it is.
pub(super) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && matches!(next, ',' | '|' | '$' | '\\')
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// The prefix of an ordered value (`ge2026` → `Ge`, `2026`); no prefix is `eq`.
pub(super) fn prefixed(text: &str) -> Result<(Prefix, &str), Refusal> {
    let head: String = text.chars().take(2).collect();
    if head.len() == 2 && head.chars().all(|c| c.is_ascii_alphabetic()) {
        let prefix = match head.as_str() {
            "eq" => Prefix::Eq,
            "ne" => Prefix::Ne,
            "lt" => Prefix::Lt,
            "gt" => Prefix::Gt,
            "le" => Prefix::Le,
            "ge" => Prefix::Ge,
            "sa" => Prefix::Sa,
            "eb" => Prefix::Eb,
            "ap" => Prefix::Ap,
            _ => return Err("has an unknown prefix"),
        };
        return Ok((prefix, &text[2..]));
    }
    Ok((Prefix::Eq, text))
}

/// A decimal as FHIR writes it (`-1.50`, `1e3`), with the range its precision stands for:
/// `100` is [99.5, 100.5), `1.50` is [1.495, 1.505) (the lower bound included).
pub(super) fn decimal(text: &str) -> Result<(f64, f64, f64), Refusal> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let digits = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || (digits.contains('.') && fraction.is_empty())
    {
        return Err("is not a number");
    }
    let exponent: i32 = match exponent {
        None => 0,
        Some(e) => {
            let unsigned = e.strip_prefix(['-', '+']).unwrap_or(e);
            if unsigned.is_empty() || unsigned.len() > 4 || !all_digits(unsigned) {
                return Err("is not a number");
            }
            e.parse().map_err(|_| "is not a number")?
        }
    };
    let value: f64 = text.parse().map_err(|_| "is not a number")?;
    if !value.is_finite() {
        return Err("is not a finite number");
    }
    let places = i32::try_from(fraction.len()).unwrap_or(i32::MAX).saturating_sub(exponent);
    // The bounds as exact decimals, (10·m ∓ 5)·10^-(places+1), each parsed to the nearest
    // double: `0.4` must start at the same double as a stored `0.35`, which `0.4 - 0.05`
    // (0.35000000000000003) does not.
    let negative = mantissa.starts_with('-');
    let exact = format!("{whole}{fraction}").parse::<i128>().ok().and_then(|m| {
        let m = if negative { -m } else { m };
        let scaled = m.checked_mul(10)?;
        let bound = |d: i128| {
            format!("{}e{}", scaled.checked_add(d)?, places.checked_add(1)?.checked_neg()?)
                .parse::<f64>()
                .ok()
        };
        Some((bound(-5)?, bound(5)?))
    });
    let (lo, hi) = match exact {
        Some(bounds) => bounds,
        None => {
            let half = 0.5 * 10f64.powi(places.saturating_neg());
            (value - half, value + half)
        }
    };
    if !lo.is_finite() || !hi.is_finite() {
        return Err("is not a finite number");
    }
    Ok((value, lo, hi))
}

/// One value (already split at unescaped commas, escapes kept) of a parameter of type `kind`.
pub(super) fn value(
    param: &SearchParam,
    kind: ParamType,
    modifier: Option<&Modifier>,
    raw: &str,
    base_url: &str,
) -> Result<FilterValue, Refusal> {
    if raw.is_empty() {
        return Err("has an empty value");
    }
    match kind {
        ParamType::String => {
            let text = unescape(raw);
            if matches!(modifier, Some(Modifier::Exact)) {
                return Ok(FilterValue::String(text));
            }
            let folded = normalise(&text);
            if folded.is_empty() {
                return Err("has an empty value");
            }
            Ok(FilterValue::String(folded))
        }
        ParamType::Token if matches!(modifier, Some(Modifier::Text)) => {
            let folded = normalise(&unescape(raw));
            if folded.is_empty() {
                return Err("has an empty value");
            }
            Ok(FilterValue::Text(folded))
        }
        ParamType::Token => token(raw),
        ParamType::Date => {
            let (prefix, rest) = prefixed(raw)?;
            let (lo, hi) = range_of(rest).ok_or("is not a valid date")?;
            Ok(FilterValue::Date { prefix, lo, hi })
        }
        ParamType::Number => {
            let (prefix, rest) = prefixed(raw)?;
            let (value, lo, hi) = decimal(rest)?;
            Ok(FilterValue::Number { prefix, value, lo, hi })
        }
        ParamType::Quantity => quantity(raw),
        ParamType::Uri => Ok(FilterValue::Uri(unescape(raw))),
        ParamType::Reference => reference(param, modifier, &unescape(raw), base_url),
        ParamType::Composite => composite(param, raw, base_url),
        ParamType::Special => Err("cannot be searched here"),
    }
}

fn token(raw: &str) -> Result<FilterValue, Refusal> {
    let parts = split_unescaped(raw, '|');
    let non_empty = |s: &str| (!s.is_empty()).then(|| unescape(s));
    match parts.as_slice() {
        [code] => Ok(FilterValue::Token { system: TokenSystem::Any, code: Some(unescape(code)) }),
        [system, code] => {
            let system = match non_empty(system) {
                Some(s) => TokenSystem::Is(s),
                None => TokenSystem::NoSystem,
            };
            let code = non_empty(code);
            if system == TokenSystem::NoSystem && code.is_none() {
                return Err("has neither a system nor a code");
            }
            Ok(FilterValue::Token { system, code })
        }
        _ => Err("has more than one `|`"),
    }
}

fn quantity(raw: &str) -> Result<FilterValue, Refusal> {
    let parts = split_unescaped(raw, '|');
    let (number, system, code) = match parts.as_slice() {
        [number] => (*number, None, None),
        [number, system, code] => {
            let non_empty = |s: &str| (!s.is_empty()).then(|| unescape(s));
            (*number, non_empty(system), non_empty(code))
        }
        _ => return Err("is not `number`, `number|system|code` or `number||code`"),
    };
    let (prefix, rest) = prefixed(number)?;
    let (value, lo, hi) = decimal(rest)?;
    Ok(FilterValue::Quantity { prefix, value, lo, hi, system, code })
}

/// Whether `id` is a FHIR logical id.
pub(super) fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Whether `name` looks like a resource type (`Patient`).
pub(super) fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

fn reference(
    param: &SearchParam,
    modifier: Option<&Modifier>,
    text: &str,
    base_url: &str,
) -> Result<FilterValue, Refusal> {
    let base = base_url.trim_end_matches('/');
    let relative = match text.strip_prefix(base).and_then(|r| r.strip_prefix('/')) {
        Some(rest) if !base.is_empty() => rest,
        _ if text.contains(':') => return Ok(FilterValue::ReferenceUrl(text.to_owned())),
        _ => text,
    };
    let stated = match modifier {
        Some(Modifier::Type(t)) => Some(t.as_str()),
        _ => None,
    };
    let parts: Vec<&str> = relative.split('/').collect();
    let (target_type, id) = match parts.as_slice() {
        [id] => {
            let only =
                if param.targets.len() == 1 { param.targets.first().map(String::as_str) } else { None };
            (stated.or(only), *id)
        }
        [t, id] | [t, id, "_history", _] => {
            if !is_type_name(t) || stated.is_some_and(|s| s != *t) {
                return Err("names a resource type that does not fit");
            }
            (Some(*t), *id)
        }
        _ => return Err("is not a reference"),
    };
    if let Some(t) = target_type
        && !param.targets.is_empty()
        && !param.targets.iter().any(|x| x == t)
    {
        return Err("names a resource type the parameter cannot point to");
    }
    if !is_id(id) {
        return Err("has an invalid id");
    }
    Ok(FilterValue::Reference { target_type: target_type.map(str::to_owned), id: id.to_owned() })
}

fn composite(param: &SearchParam, raw: &str, base_url: &str) -> Result<FilterValue, Refusal> {
    let parts = split_unescaped(raw, '$');
    if parts.len() != param.components.len() {
        return Err("does not have one `$`-separated part per component");
    }
    let mut values = Vec::with_capacity(parts.len());
    for (component, part) in param.components.iter().zip(parts) {
        if component.kind == ParamType::Composite {
            return Err("cannot be searched here");
        }
        values.push(value(param, component.kind, None, part, base_url)?);
    }
    Ok(FilterValue::Composite(values))
}

/// The modifiers each type supports (besides `:missing`, which all do).
pub(super) fn modifier(param: &SearchParam, text: &str) -> Option<Modifier> {
    let m = match (param.kind, text) {
        (_, "missing") => Modifier::Missing,
        (ParamType::String, "exact") => Modifier::Exact,
        (ParamType::String, "contains") => Modifier::Contains,
        (ParamType::Token, "not") => Modifier::Not,
        (ParamType::Token, "text") => Modifier::Text,
        (ParamType::Uri, "above") => Modifier::Above,
        (ParamType::Uri, "below") => Modifier::Below,
        (ParamType::Reference, t)
            if is_type_name(t) && (param.targets.is_empty() || param.targets.iter().any(|x| x == t)) =>
        {
            Modifier::Type(t.to_owned())
        }
        _ => return None,
    };
    Some(m)
}
