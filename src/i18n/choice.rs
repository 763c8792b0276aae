//! Which language a request gets: the authorization request's `ui_locales` (applied where the
//! interaction is loaded, see [`super::follow_request`]), then the `lang` cookie the person set
//! with the picker, then `Accept-Language` by its q-values, then English.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;

use super::Lang;

/// The cookie the picker sets: a language tag.
pub const LANG_COOKIE: &str = "lang";

/// The first language of a space-separated BCP 47 list (`ui_locales`) that we have.
pub fn first_supported(list: &str) -> Option<Lang> {
    list.split_whitespace().find_map(Lang::from_tag)
}

/// The language of the most preferred range of an `Accept-Language` header that we have
/// (RFC 9110 §12.5.4): ranges by descending q-value, ties in the order given; q=0 refuses.
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut ranges: Vec<(u16, &str)> = value
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .map_or(Some(1000), parse_quality)?;
            (!range.is_empty() && quality > 0).then_some((quality, range))
        })
        .collect();
    ranges.sort_by_key(|&(quality, _)| std::cmp::Reverse(quality));
    ranges
        .into_iter()
        .find_map(|(_, range)| Lang::from_tag(range))
}

/// A q-value in thousandths; `None` when it is not one (the range is then ignored).
fn parse_quality(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

/// The language for a request that carries no authorization request of its own.
pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
    cookie
        .and_then(Lang::from_tag)
        .or_else(|| accept_language.and_then(from_accept_language))
        .unwrap_or(Lang::En)
}

/// Where the picker on this page returns to: the page itself when it was fetched with GET,
/// otherwise the page whose form was sent (a same-origin `Referer`'s path), or the start page.
fn return_path(req: &ServiceRequest) -> String {
    let uri = req.uri();
    if req.method() == actix_web::http::Method::GET {
        return uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    }
    req.headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| url::Url::parse(referer).ok())
        .filter(|referer| {
            req.headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|host| referer.authority() == host)
        })
        .map(|referer| match referer.query() {
            Some(query) => format!("{}?{query}", referer.path()),
            None => referer.path().to_string(),
        })
        .unwrap_or_else(|| "/".to_string())
}

/// Runs each request in its language and says which in a page's `Content-Language`. An error
/// raised inside is rendered here, while the language is known (the response travels on in
/// the error, as before).
pub async fn choose_language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let cookie = req.cookie(LANG_COOKIE);
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = negotiate(cookie.as_ref().map(|c| c.value()), accept);
    let return_to = return_path(&req);
    let (result, lang) = super::scope(lang, return_to, async move {
        let result = next.call(req).await.map_err(|error| {
            let page = error.error_response();
            Error::from(InternalError::from_response(error, page))
        });
        (result, super::current())
    })
    .await;
    let mut response = result?;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_page {
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.tag()),
        );
    }
    Ok(response)
}
