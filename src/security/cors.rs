//! Cross-origin requests (CORS) from browser apps. Discovery and the JWKS are public: any
//! origin may read them (`*`). The token, userinfo, revoke and end-session endpoints answer only
//! the web origins registered for a client (its redirect URIs' origins and its allowed origins):
//! a preflight, which names no client, is allowed when the origin belongs to any client; the
//! actual request only when it belongs to the client the request is for, which the handler
//! names with [`name_client`] once it knows it (the `client_id` of the request or of the access
//! token). The origin is echoed with `Vary: Origin`; credentials (cookies) are never allowed.
//! An origin that is not registered gets no CORS headers, and a client authenticated from a page
//! of such an origin is refused before anything changes ([`origin_permitted`]). Origins are read
//! from the store on each request, so a change made on another node counts at once.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};

use crate::oidc::paths::{
    AS_METADATA_PATH, DISCOVERY_PATH, END_SESSION_PATH, JWKS_PATH, REVOKE_PATH, TOKEN_PATH,
    USERINFO_PATH,
};
use crate::state::AppState;
use crate::store::clients::{self, Client};

/// How long a browser may cache a preflight's answer.
pub const MAX_AGE_SECS: u32 = 600;
/// The request headers a browser app may send.
pub const ALLOWED_HEADERS: [&str; 3] = ["authorization", "content-type", "dpop"];

/// The client a request to a per-client endpoint is for, set by its handler.
#[derive(Debug, Clone)]
pub struct CorsClient(pub String);

/// Names the client this request is for: its answer is readable from that client's origins.
pub fn name_client(req: &HttpRequest, client_id: &str) {
    req.extensions_mut()
        .insert(CorsClient(client_id.to_string()));
}

/// Whether a request may act for `client` given its `Origin`: none (not sent from a web page),
/// the provider's own, or one registered for the client. A page of any other origin is refused
/// before anything changes, not merely kept from reading the answer.
pub fn origin_permitted(req: &HttpRequest, issuer: &str, client: &Client) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let own = url::Url::parse(issuer).map(|url| url.origin().ascii_serialization());
    own.is_ok_and(|own| own == origin) || client.allows_origin(origin)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Anyone may read it.
    Public,
    /// Only the registered origins, with these methods.
    PerClient(&'static str),
}

fn policy(path: &str) -> Option<Policy> {
    match path {
        DISCOVERY_PATH | AS_METADATA_PATH | JWKS_PATH => Some(Policy::Public),
        TOKEN_PATH | REVOKE_PATH => Some(Policy::PerClient("POST")),
        USERINFO_PATH | END_SESSION_PATH => Some(Policy::PerClient("GET, POST")),
        _ => None,
    }
}

/// Whether a preflight asks only for what `methods` and [`ALLOWED_HEADERS`] allow.
fn preflight_allowed(headers: &HeaderMap, methods: &str) -> bool {
    let method = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let method_ok = methods.split(", ").any(|m| m == method);
    let headers_ok = headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .all(|value| {
            value.to_str().is_ok_and(|list| {
                list.split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .all(|h| ALLOWED_HEADERS.contains(&h.as_str()))
            })
        });
    method_ok && headers_ok
}

/// Whether `origin` may read this answer: registered for the named client, or, when no client
/// was named (a preflight, or a request refused before its client was known), for any client.
async fn origin_allowed(state: &AppState, origin: String, client: Option<CorsClient>) -> bool {
    let allowed = state
        .store
        .run(move |conn| match client {
            Some(CorsClient(id)) => match clients::find(conn, &id) {
                Ok(client) => Ok(client.allows_origin(&origin)),
                Err(crate::store::StoreError::NotFound) => Ok(false),
                Err(e) => Err(e),
            },
            None => clients::any_allows_origin(conn, &origin),
        })
        .await;
    allowed.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not check a CORS origin: no CORS headers");
        false
    })
}

fn set(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

fn vary_origin(headers: &mut HeaderMap) {
    let varies = headers.get_all(header::VARY).any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|n| n.trim().eq_ignore_ascii_case("origin"))
        })
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

fn preflight_response(allow_origin: &str, methods: &str) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    set(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    set(headers, header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    set(
        headers,
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        "Authorization, Content-Type, DPoP",
    );
    set(
        headers,
        header::ACCESS_CONTROL_MAX_AGE,
        &MAX_AGE_SECS.to_string(),
    );
    if allow_origin != "*" {
        vary_origin(headers);
    }
    response
}

/// Middleware: answers preflights of the CORS endpoints and adds the CORS headers their
/// answers may carry.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (Some(policy), Some(state)) = (
        policy(req.path()),
        req.app_data::<web::Data<AppState>>().cloned(),
    ) else {
        return next.call(req).await.map(|res| res.map_into_boxed_body());
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if let (true, Some(origin)) = (preflight, &origin) {
        let answer = match policy {
            Policy::Public if preflight_allowed(req.headers(), "GET, HEAD") => {
                Some(preflight_response("*", "GET, HEAD"))
            }
            Policy::PerClient(methods)
                if preflight_allowed(req.headers(), methods)
                    && origin_allowed(&state, origin.clone(), None).await =>
            {
                Some(preflight_response(origin, methods))
            }
            _ => None,
        };
        if let Some(answer) = answer {
            return Ok(req.into_response(answer));
        }
        // Refused: answered as if CORS did not exist (no CORS headers).
        tracing::info!(event = "cors_preflight_refused", path = %req.path());
        let mut res = next.call(req).await?.map_into_boxed_body();
        vary_origin(res.headers_mut());
        return Ok(res);
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    match policy {
        Policy::Public => {
            set(res.headers_mut(), header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
        Policy::PerClient(_) => {
            vary_origin(res.headers_mut());
            if let Some(origin) = origin {
                let client = res.request().extensions().get::<CorsClient>().cloned();
                if origin_allowed(&state, origin.clone(), client).await {
                    let headers = res.headers_mut();
                    set(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, &origin);
                    set(
                        headers,
                        header::ACCESS_CONTROL_EXPOSE_HEADERS,
                        "WWW-Authenticate",
                    );
                }
            }
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn preflights_ask_for_the_methods_and_headers_allowed() {
        let ok = headers(&[
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type, DPoP"),
        ]);
        assert!(preflight_allowed(&ok, "POST"));
        assert!(!preflight_allowed(&ok, "GET, HEAD"));
        let plain = headers(&[("access-control-request-method", "GET")]);
        assert!(preflight_allowed(&plain, "GET, POST"));
        let cookie = headers(&[
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "x-csrf-token"),
        ]);
        assert!(!preflight_allowed(&cookie, "POST"));
        assert_eq!(policy("/token"), Some(Policy::PerClient("POST")));
        assert_eq!(policy("/jwks.json"), Some(Policy::Public));
        assert_eq!(policy("/introspect"), None);
        assert_eq!(policy("/login"), None);
    }
}
