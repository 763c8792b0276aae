//! The JWK Set (RFC 7517) that relying parties and resource servers verify our tokens with.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::state::AppState;

/// Long enough to spare us load, short enough that a rotation reaches verifiers quickly.
const MAX_AGE_SECS: u32 = 300;

pub async fn jwks(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let keys = state.keys();
    let etag = keys.jwks_etag();
    let cache_control = format!("public, max-age={MAX_AGE_SECS}");
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control));
    if unchanged {
        return response.finish();
    }
    response
        .content_type("application/jwk-set+json")
        .body(keys.jwks_body().to_string())
}
