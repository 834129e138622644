use std::collections::BTreeSet;

use super::*;

const FR: &str = include_str!("../locales/fr/relais.ftl");
const EN: &str = include_str!("../locales/en/relais.ftl");

/// The message ids of a Fluent file (`key = …` at the start of a line).
fn keys(ftl: &str) -> BTreeSet<String> {
    ftl.lines()
        .filter_map(|line| line.split_once(" ="))
        .map(|(key, _)| key.trim())
        .filter(|key| {
            !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        .map(str::to_owned)
        .collect()
}

/// The keys the templates ask for: `.t("key"`, `.t1("key"`, `.t_count("key"`.
fn template_keys() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for call in [".t(\"", ".t1(\"", ".t_count(\""] {
            for (at, _) in text.match_indices(call) {
                let rest = &text[at + call.len()..];
                found.insert(rest[..rest.find('"').unwrap()].to_owned());
            }
        }
    }
    found
}

#[test]
fn both_languages_have_the_same_texts() {
    let (fr, en) = (keys(FR), keys(EN));
    assert!(fr.len() > 100, "the French file was read ({} keys)", fr.len());
    let only_fr: Vec<_> = fr.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&fr).collect();
    assert!(only_fr.is_empty() && only_en.is_empty(), "only in fr: {only_fr:?}; only in en: {only_en:?}");
}

#[test]
fn no_text_is_defined_twice() {
    for (name, file) in [("fr", FR), ("en", EN)] {
        let mut seen = BTreeSet::new();
        let twice: Vec<&str> = file
            .lines()
            .filter_map(|line| line.split_once(" =").map(|(key, _)| key.trim()))
            .filter(|key| {
                !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
            .filter(|key| !seen.insert(*key))
            .collect();
        assert!(twice.is_empty(), "{name}: defined twice (Fluent keeps one silently): {twice:?}");
    }
}

#[test]
fn every_text_a_template_shows_exists_in_both_languages_without_falling_back() {
    let used = template_keys();
    assert!(used.len() > 40, "templates were read ({} keys)", used.len());
    for (locale, file) in [(Locale::Fr, FR), (Locale::En, EN)] {
        let known = keys(file);
        let missing: Vec<_> = used.difference(&known).collect();
        assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
    }
}

#[test]
fn every_key_resolves_to_text_in_its_own_language() {
    for (locale, file) in [(Locale::Fr, FR), (Locale::En, EN)] {
        let tr = Tr::new(locale);
        for key in keys(file) {
            // Give every `{ $name }` of the message a value, as its caller does.
            // A message runs on over its indented continuation lines (a multi-line email body).
            let message: String = file
                .lines()
                .skip_while(|l| !l.starts_with(&format!("{key} =")))
                .enumerate()
                .take_while(|(i, l)| *i == 0 || l.is_empty() || l.starts_with(' '))
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
                .join("\n");
            let names: Vec<&str> =
                message.split("{ $").skip(1).filter_map(|rest| rest.split(' ').next()).collect();
            let args: Vec<(&str, &str)> = names.iter().map(|n| (*n, "7")).collect();
            let text = tr.t_with(&key, &args);
            assert_ne!(text, key, "{locale:?} {key} did not resolve");
            assert!(!text.trim().is_empty(), "{locale:?} {key} is empty");
        }
    }
    assert_eq!(Tr::new(Locale::Fr).t("sign-in-title"), "Connexion");
    assert_eq!(Tr::new(Locale::En).t("sign-in-title"), "Sign in");
}

#[test]
fn arguments_are_put_in_without_isolation_marks() {
    assert_eq!(Tr::new(Locale::Fr).t1("home-greeting", "name", "Awa Diallo"), "Bonjour, Awa Diallo");
    assert_eq!(Tr::new(Locale::En).t_with("home-greeting", &[("name", "Awa")]), "Hello, Awa");
    // Plurals follow each language's rules.
    let (fr, en) = (Tr::new(Locale::Fr), Tr::new(Locale::En));
    assert_eq!(fr.t_count("admin-users-caption", 0), "Aucun compte");
    assert_eq!(fr.t_count("admin-users-caption", 1), "1 compte");
    assert_eq!(fr.t_count("admin-users-caption", 12), "12 comptes");
    assert_eq!(en.t_count("admin-users-caption", 1), "1 account");
    assert_eq!(en.t_count("admin-users-caption", 2), "2 accounts");
}

#[test]
fn an_unknown_key_shows_itself_rather_than_nothing() {
    assert_eq!(Tr::new(Locale::En).t("no-such-key"), "no-such-key");
    assert_eq!(Tr::new(Locale::Fr).t("home-greeting"), "home-greeting", "an argument is missing");
}

#[test]
fn the_language_is_the_chosen_one_then_the_browser_s_best_then_french() {
    use Locale::{En, Fr};
    let cases: &[(Option<&str>, Option<&str>, Locale)] = &[
        (None, None, Fr),
        (Some("en"), Some("fr-CA"), En),
        (Some("fr"), Some("en"), Fr),
        (Some("de"), Some("en-CA,en;q=0.9"), En),
        (None, Some("en-US,en;q=0.9,fr;q=0.8"), En),
        (None, Some("de-DE,fr-CA;q=0.7,en;q=0.5"), Fr),
        (None, Some("en;q=0.4, fr;q=0.9"), Fr),
        (None, Some("es, it"), Fr),
        (None, Some("en;q=0, fr;q=0"), Fr),
        (None, Some("EN-gb"), En),
        (None, Some(""), Fr),
        (None, Some(";;;,q=,en;q=abc"), En),
    ];
    for (chosen, header, expected) in cases {
        assert_eq!(Locale::negotiate(*chosen, *header), *expected, "chosen {chosen:?}, header {header:?}");
    }
}
