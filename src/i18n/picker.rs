//! The language picker at the foot of every page: a plain form that sets the `lang` cookie and
//! sends the person back to the page they were on.

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::{Lang, LANG_COOKIE};
use crate::error::AppError;
use crate::state::AppState;

/// A choice is remembered for a year.
const COOKIE_MAX_AGE_DAYS: i64 = 365;

#[derive(serde::Deserialize)]
pub struct PickerForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// `next` if it is a path on this site (never another origin: `//host` or `/\host` are).
fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2_048
        && !next.chars().any(char::is_control);
    if local {
        next
    } else {
        "/"
    }
}

pub async fn choose(
    req: HttpRequest,
    form: web::Form<PickerForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // Another site may not choose the language for the person (the form has no CSRF token:
    // it must work on every page, and what it changes is only a preference).
    let cross_site = req
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site {
        return Err(AppError::shown(
            StatusCode::FORBIDDEN,
            "error-form-expired-title",
            "error-form-expired-message",
        ));
    }
    let lang = Lang::from_tag(&form.lang).ok_or_else(|| {
        AppError::shown(
            StatusCode::BAD_REQUEST,
            "error-invalid-form-title",
            "error-unknown-language",
        )
    })?;
    let cookie = Cookie::build(LANG_COOKIE, lang.tag())
        .path("/")
        .http_only(true)
        .secure(state.config.issuer_is_https)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(COOKIE_MAX_AGE_DAYS))
        .finish();
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, local_path(&form.next)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish();
    response.add_cookie(&cookie).map_err(AppError::failed)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/login?req=abc"), "/login?req=abc");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example/"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/a\nb"), "/");
        assert_eq!(local_path(""), "/");
    }
}
