//! Languages: one Fluent catalog per language under locales/, embedded in the binary. Each
//! request gets one language (see [`negotiate`]); pages, error pages and mails rendered while
//! it is handled read it from a task-local, so no handler or template threads it through.

mod choice;
mod picker;

use std::cell::{Cell, RefCell};
use std::fmt::Display;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub use choice::{choose_language, first_supported, negotiate, LANG_COOKIE};
pub use picker::{choose as picker_submit, PickerForm};

/// A catalog message id written in code away from its lookup (in a table, a constant): the
/// unit tests find every `msg!("…")` and check that English has it.
#[macro_export]
macro_rules! msg {
    ($id:literal) => {
        $id
    };
}

/// The languages there are catalogs for; English is the fallback and the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Fr];

    /// The BCP 47 tag, as in `<html lang>`, `Content-Language` and `ui_locales_supported`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
        }
    }

    /// The language's name in itself, for the picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
        }
    }

    /// The language of a BCP 47 tag by its primary subtag (`de-CH` is German), if we have it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(primary))
    }

    /// The catalog's source text.
    pub fn catalog(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../locales/en/main.ftl"),
            Lang::De => include_str!("../../locales/de/main.ftl"),
            Lang::Fr => include_str!("../../locales/fr/main.ftl"),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What the pages of one request need to know: its language, and where the picker returns to.
pub struct RequestLanguage {
    lang: Cell<Lang>,
    return_to: RefCell<String>,
}

tokio::task_local! {
    static CURRENT: RequestLanguage;
}

/// The language of the request being handled (English outside a request, e.g. the CLI).
pub fn current() -> Lang {
    CURRENT.try_with(|c| c.lang.get()).unwrap_or(Lang::En)
}

/// The request continues an authorization request that asked for `ui_locale`: its pages are in
/// that language, whatever the cookie or the browser say (OpenID Connect Core §3.1.2.1).
pub fn follow_request(ui_locale: Option<&str>) {
    if let Some(lang) = ui_locale.and_then(Lang::from_tag) {
        let _ = CURRENT.try_with(|c| c.lang.set(lang));
    }
}

/// The local path the language picker sends the person back to.
pub fn return_to() -> String {
    CURRENT
        .try_with(|c| c.return_to.borrow().clone())
        .unwrap_or_else(|_| "/".to_string())
}

/// The picker on this page returns to the start page: a "not found" page must not repeat the
/// address it was asked for (every unknown address answers the same bytes).
pub fn return_to_start() {
    let _ = CURRENT.try_with(|c| *c.return_to.borrow_mut() = "/".to_string());
}

/// The picker's choices: (tag, name in itself, chosen now).
pub fn choices() -> Vec<(&'static str, &'static str, bool)> {
    let now = current();
    Lang::ALL
        .into_iter()
        .map(|lang| (lang.tag(), lang.native_name(), lang == now))
        .collect()
}

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle] {
    static BUNDLES: OnceLock<Vec<Bundle>> = OnceLock::new();
    BUNDLES.get_or_init(|| Lang::ALL.into_iter().map(bundle).collect())
}

/// A catalog's bundle. A syntax error keeps the messages that did parse (the unit tests fail
/// on any): a typo in one translation must not take the pages down.
fn bundle(lang: Lang) -> Bundle {
    let resource =
        FluentResource::try_new(lang.catalog().to_string()).unwrap_or_else(|(resource, errors)| {
            tracing::error!(lang = lang.tag(), ?errors, "catalog has syntax errors");
            resource
        });
    let id = lang
        .tag()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Pages and mails are left-to-right; isolation marks would only show up as stray characters.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = lang.tag(), ?errors, "catalog has duplicate messages");
    }
    bundle
}

/// Message `id` in `lang`, or in English when the catalog lacks it, or the id itself.
pub fn message(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let bundles = bundles();
    for bundle in [&bundles[lang.index()], &bundles[Lang::En.index()]] {
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            continue;
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(
                lang = lang.tag(),
                id,
                ?errors,
                "message formatted with errors"
            );
        }
        return text.into_owned();
    }
    tracing::warn!(lang = lang.tag(), id, "no such message");
    id.to_string()
}

/// Message `id` in the request's language.
pub fn t(id: &str) -> String {
    message(current(), id, None)
}

/// Message `id` with one text variable.
pub fn t1(id: &str, name: &str, value: impl Display) -> String {
    let mut args = FluentArgs::new();
    args.set(name, FluentValue::from(value.to_string()));
    message(current(), id, Some(&args))
}

/// Message `id` with one variable shown in bold, as HTML for `|safe`: the message and the
/// value are both escaped here, only the `<strong>` around the value is markup.
pub fn t1_strong(id: &str, name: &str, value: impl Display) -> String {
    const MARK: &str = "\u{E000}";
    let mut args = FluentArgs::new();
    args.set(name, FluentValue::from(MARK));
    let text = message(current(), id, Some(&args));
    let strong = format!("<strong>{}</strong>", escape_html(&value.to_string()));
    escape_html(&text).replace(MARK, &strong)
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Message `id` with two text variables.
pub fn t2(id: &str, name: &str, value: impl Display, name2: &str, value2: impl Display) -> String {
    let mut args = FluentArgs::new();
    args.set(name, FluentValue::from(value.to_string()));
    args.set(name2, FluentValue::from(value2.to_string()));
    message(current(), id, Some(&args))
}

/// A count as templates hold it: a field (by reference) or a literal.
pub trait Count {
    fn value(&self) -> usize;
}

impl Count for usize {
    fn value(&self) -> usize {
        *self
    }
}

impl Count for &usize {
    fn value(&self) -> usize {
        **self
    }
}

impl Count for i64 {
    fn value(&self) -> usize {
        usize::try_from(*self).unwrap_or(0)
    }
}

impl Count for &i64 {
    fn value(&self) -> usize {
        usize::try_from(**self).unwrap_or(0)
    }
}

impl Count for i32 {
    fn value(&self) -> usize {
        usize::try_from(*self).unwrap_or(0)
    }
}

/// Message `id` with a count, for plurals (`{ $count -> [one] … *[other] … }`).
pub fn tn(id: &str, name: &str, count: impl Count) -> String {
    let mut args = FluentArgs::new();
    args.set(name, FluentValue::from(count.value()));
    message(current(), id, Some(&args))
}

/// `work`, to run after the request (spawned), in the request's language: what it renders
/// (a mail) speaks the language of the request that caused it.
pub fn in_this_language<F: std::future::Future>(
    work: F,
) -> impl std::future::Future<Output = F::Output> {
    scope(current(), return_to(), work)
}

/// Runs `work` (one request) in `lang`, the picker returning to `return_to`.
pub async fn scope<F: std::future::Future>(lang: Lang, return_to: String, work: F) -> F::Output {
    let context = RequestLanguage {
        lang: Cell::new(lang),
        return_to: RefCell::new(return_to),
    };
    CURRENT.scope(context, work).await
}

#[cfg(test)]
mod tests;
