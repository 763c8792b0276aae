//! The catalogs are complete: every language has exactly English's messages, each parses, and
//! every message the templates and the code ask for exists.

use std::collections::BTreeSet;
use std::path::Path;

use fluent_bundle::FluentResource;
use fluent_syntax::ast::Entry;

use super::{first_supported, negotiate, Lang};

fn message_ids(lang: Lang) -> BTreeSet<String> {
    let resource = FluentResource::try_new(lang.catalog().to_string())
        .unwrap_or_else(|(_, errors)| panic!("{} catalog: {errors:?}", lang.tag()));
    resource
        .entries()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some(message.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_catalog_has_exactly_the_english_messages() {
    let english = message_ids(Lang::En);
    assert!(english.len() > 50, "the English catalog is the reference");
    for lang in Lang::ALL {
        let ids = message_ids(lang);
        let missing: Vec<_> = english.difference(&ids).collect();
        let extra: Vec<_> = ids.difference(&english).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.tag());
        assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.tag());
    }
}

#[test]
fn every_message_formats_without_errors() {
    let mut args = fluent_bundle::FluentArgs::new();
    let texts = [
        "username", "client", "issuer", "name", "provider", "email", "domains", "address",
        "passkey", "added", "used", "since", "seen",
    ];
    for name in texts {
        args.set(name, "x");
    }
    for name in ["min", "minutes", "count", "hours"] {
        args.set(name, 2);
    }
    for lang in Lang::ALL {
        let bundle = super::bundle(lang);
        for id in message_ids(lang) {
            let pattern = bundle.get_message(&id).and_then(|m| m.value());
            let pattern = pattern.unwrap_or_else(|| panic!("{} {id} has no value", lang.tag()));
            let mut errors = Vec::new();
            bundle.format_pattern(pattern, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{} {id}: {errors:?}", lang.tag());
        }
    }
}

/// Every message id in a lookup: `i18n::t("…")`, `t1`, `t2`, `tn`, and the error pages'
/// `shown(status, "title", "message")`, `Rejection::Page("…")` and the consent scopes.
fn used_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    // A lookup's first argument, when it is written there (not a variable).
    for marker in [
        "i18n::t(",
        "i18n::t1(",
        "i18n::t1_strong(",
        "i18n::t2(",
        "i18n::tn(",
    ] {
        for (at, _) in text.match_indices(marker) {
            let rest = text[at + marker.len()..].trim_start();
            if let Some(literal) = rest.strip_prefix('"') {
                ids.extend(literal.split('"').next().map(String::from));
            }
        }
    }
    let mut quoted_after = |marker: &str, count: usize| {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            let end = rest.find(')').unwrap_or(rest.len());
            ids.extend(
                rest[..end]
                    .split('"')
                    .skip(1)
                    .step_by(2)
                    .take(count)
                    .filter(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
                    .map(String::from),
            );
        }
    };
    quoted_after("msg!(", 1);
    quoted_after("shown(", 2);
    quoted_after("shown_with(", 1);
    quoted_after("Rejection::Page(", 1);
    quoted_after("bad_request(", 1);
    quoted_after("sign_in_again(", 1);
    ids.extend(
        text.match_indices("\"scope-")
            .filter_map(|(at, _)| text[at + 1..].split('"').next().map(String::from)),
    );
    ids
}

fn files_under(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("readable directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

#[test]
fn every_message_the_pages_and_code_use_exists_in_english() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("templates"), &mut files);
    files_under(&root.join("src"), &mut files);
    let english = message_ids(Lang::En);
    let mut used = 0;
    for file in files {
        if file.ends_with("src/i18n/tests.rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for id in used_ids(&text) {
            used += 1;
            assert!(
                english.contains(&id),
                "{} uses unknown message {id}",
                file.display()
            );
        }
    }
    assert!(used > 50, "the scan finds the lookups ({used})");
}

#[test]
fn ui_locales_take_the_first_language_there_is() {
    assert_eq!(first_supported("ja de-CH fr"), Some(Lang::De));
    assert_eq!(first_supported("fr-CA"), Some(Lang::Fr));
    assert_eq!(first_supported("ja ko"), None);
    assert_eq!(first_supported(""), None);
}

#[test]
fn the_cookie_comes_before_accept_language() {
    assert_eq!(negotiate(Some("de"), Some("fr")), Lang::De);
    assert_eq!(negotiate(Some("xx"), Some("fr")), Lang::Fr);
    assert_eq!(negotiate(None, None), Lang::En);
}

#[test]
fn accept_language_is_read_by_quality() {
    assert_eq!(negotiate(None, Some("fr;q=0.9, de;q=0.8")), Lang::Fr);
    assert_eq!(negotiate(None, Some("de;q=0.5, fr;q=0.9")), Lang::Fr);
    assert_eq!(negotiate(None, Some("ja, de-AT;q=0.7, en;q=0.6")), Lang::De);
    assert_eq!(negotiate(None, Some("fr;q=0, de;q=0.1")), Lang::De);
    assert_eq!(negotiate(None, Some("ja, *;q=0.5")), Lang::En);
    assert_eq!(negotiate(None, Some("fr;q=abc, de")), Lang::De);
    assert_eq!(negotiate(None, Some(";;;,,,")), Lang::En);
}

#[test]
fn plurals_follow_each_language() {
    let mut one = fluent_bundle::FluentArgs::new();
    one.set("minutes", 1);
    let mut many = fluent_bundle::FluentArgs::new();
    many.set("minutes", 30);
    let text = |lang, args| super::message(lang, "forgot-sent-explain", Some(args));
    assert!(text(Lang::En, &one).ends_with("for 1 minute."));
    assert!(text(Lang::En, &many).ends_with("for 30 minutes."));
    assert!(text(Lang::De, &one).contains("eine Minute"));
    assert!(text(Lang::De, &many).contains("30 Minuten"));
    assert!(text(Lang::Fr, &many).contains("30 minutes"));
}

#[test]
fn a_bold_value_is_the_only_markup() {
    let html = super::t1_strong("consent-would-like", "client", "<script>&");
    assert_eq!(html, "<strong>&lt;script&gt;&amp;</strong> would like to:");
}

#[test]
fn the_scan_finds_every_kind_of_lookup() {
    let code = r#"crate::i18n::t("a-b"); AppError::shown(StatusCode::X, "c-d", "e-f");
        crate::msg!("g-h"); crate::i18n::t1(id, "provider", name);
        {{ crate::i18n::t1_strong("i-j", "email", email)|safe }} shown_with(S, "k-l", m)"#;
    let mut found = used_ids(code);
    found.sort();
    assert_eq!(found, ["a-b", "c-d", "e-f", "g-h", "i-j", "k-l"]);
}
