//! The two languages of the interface and their texts: French (the default) and English, from
//! the Fluent files in `locales/` compiled into the binary.
//!
//! Which language a page speaks is, in order: the one the person chose (their account's choice
//! once signed in, else the language cookie), then the first of their browser's
//! `Accept-Language` that we speak, then French.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static TEXTS = {
        locales: "./locales",
        fallback_language: "fr",
        // No Unicode isolation marks around arguments: the pages are not mixed-direction, and
        // the marks would show up in copied text and in tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    /// Every language, the default first.
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    /// The BCP 47 code (`fr`, `en`), as in `<html lang>` and the language cookie.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// The language named by `code` (`fr`, `en-CA`, `FR`), if we speak it.
    pub fn from_code(code: &str) -> Option<Locale> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The language of a page: `chosen` if it names one we speak, else the best of
    /// `accept_language` (an `Accept-Language` header, by its q-values), else French.
    pub fn negotiate(chosen: Option<&str>, accept_language: Option<&str>) -> Locale {
        if let Some(locale) = chosen.and_then(Locale::from_code) {
            return locale;
        }
        let Some(header) = accept_language else { return Locale::default() };
        let mut best: Option<(f32, usize, Locale)> = None;
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_code) else { continue };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality <= 0.0 {
                continue;
            }
            // Higher quality wins; at equal quality, the earlier one.
            let better = best.is_none_or(|(q, p, _)| quality > q || (quality == q && position < p));
            if better {
                best = Some((quality, position, locale));
            }
        }
        best.map_or_else(Locale::default, |(_, _, locale)| locale)
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Locale::Fr => langid!("fr"),
            Locale::En => langid!("en"),
        }
    }

    /// The other language (for the language switch).
    pub fn other(self) -> Locale {
        match self {
            Locale::Fr => Locale::En,
            Locale::En => Locale::Fr,
        }
    }
}

/// The texts of one language, handed to every page as `tr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The text `key`. A key missing from the language shows the key itself — never an empty
    /// label; the tests check that every key a template uses exists in both languages.
    pub fn t(&self, key: &str) -> String {
        TEXTS.try_lookup(&self.locale.langid(), key).unwrap_or_else(|| key.to_owned())
    }

    /// The text `key` with the arguments `args` (`{ $name }` in the Fluent file).
    pub fn t_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Owned((*name).to_owned()), FluentValue::from(*value)))
            .collect();
        TEXTS.try_lookup_with_args(&self.locale.langid(), key, &args).unwrap_or_else(|| key.to_owned())
    }

    /// The text `key` with one argument `name` (for templates, where a list is awkward).
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.t_with(key, &[(name, value)])
    }

    /// The text `key` with one numeric argument `$count` (plural rules apply).
    pub fn t_count(&self, key: &str, count: i64) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert(Cow::Borrowed("count"), FluentValue::from(count));
        TEXTS.try_lookup_with_args(&self.locale.langid(), key, &args).unwrap_or_else(|| key.to_owned())
    }
}

#[cfg(test)]
#[path = "i18n_tests.rs"]
mod tests;
