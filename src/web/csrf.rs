//! CSRF protection for every form: a random value in an HttpOnly cookie, and in the form its
//! HMAC under a key derived from the KEK (the same on every node). A forged post has neither.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

use crate::crypto::secrets::{b64url, constant_time_eq, hmac_sha256, random_token};
use crate::state::AppState;

pub const CSRF_COOKIE: &str = "idp_csrf";

pub struct CsrfToken {
    /// Goes into the form's hidden `csrf` field.
    pub form_value: String,
    /// Set when the browser had no CSRF cookie yet.
    pub cookie: Option<Cookie<'static>>,
}

fn form_value(state: &AppState, cookie_value: &str) -> String {
    b64url(&hmac_sha256(&state.csrf_key, cookie_value.as_bytes()))
}

pub fn issue(state: &AppState, req: &HttpRequest) -> CsrfToken {
    if let Some(existing) = req.cookie(CSRF_COOKIE).filter(|c| c.value().len() >= 32) {
        return CsrfToken {
            form_value: form_value(state, existing.value()),
            cookie: None,
        };
    }
    let value = random_token::<32>();
    let cookie = Cookie::build(CSRF_COOKIE, value.clone())
        .path("/")
        .http_only(true)
        .secure(state.config.issuer_is_https)
        .same_site(SameSite::Strict)
        .finish();
    CsrfToken {
        form_value: form_value(state, &value),
        cookie: Some(cookie),
    }
}

pub fn verify(state: &AppState, req: &HttpRequest, submitted: Option<&str>) -> bool {
    match (req.cookie(CSRF_COOKIE), submitted) {
        (Some(cookie), Some(submitted)) => constant_time_eq(
            form_value(state, cookie.value()).as_bytes(),
            submitted.as_bytes(),
        ),
        _ => false,
    }
}

/// A posted form that carries the CSRF token (implement it with [`csrf_forms!`]).
pub trait CsrfForm {
    fn csrf(&self) -> Option<&str>;
}

/// Implements [`CsrfForm`] for forms with a `csrf: Option<String>` field.
macro_rules! csrf_forms {
    ($($form:ty),* $(,)?) => {$(
        impl $crate::web::csrf::CsrfForm for $form {
            fn csrf(&self) -> Option<&str> {
                self.csrf.as_deref()
            }
        }
    )*};
}
pub(crate) use csrf_forms;

/// A posted form whose CSRF token is right: a handler taking `Posted<F>` runs only then
/// (otherwise 403, and nothing changes).
pub struct Posted<F>(pub F);

impl<F: serde::de::DeserializeOwned + CsrfForm + 'static> actix_web::FromRequest for Posted<F> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let form = actix_web::web::Form::<F>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?.into_inner();
            let state = req
                .app_data::<actix_web::web::Data<AppState>>()
                .ok_or_else(crate::error::AppError::no_state)?;
            if !verify(state, &req, form.csrf()) {
                return Err(super::csrf_refused().into());
            }
            Ok(Posted(form))
        })
    }
}
