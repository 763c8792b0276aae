//! Browser flows: the session cookie, CSRF protection, the login and consent pages.

pub mod account;
pub mod brand;
pub mod consent;
pub mod csrf;
pub mod home;
pub mod login;
pub mod password_change;
pub mod recovery;
pub mod second_factor;
pub mod session;
pub mod signin;
pub mod ticket;
pub mod upstream;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;

/// Renders a page; pages are never cached, since they carry CSRF tokens and personal data.
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let body = page.render().map_err(AppError::failed)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

pub fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(AppError::failed)?;
    }
    Ok(response)
}

/// A 303 that makes the browser GET `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

pub fn expired_request() -> AppError {
    AppError::page(
        StatusCode::BAD_REQUEST,
        "This sign-in has expired",
        "Go back to the application and start signing in again.",
    )
}

pub fn csrf_refused() -> AppError {
    AppError::page(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "Reload the page and try again.",
    )
}
