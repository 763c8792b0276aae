//! `client_credentials` (RFC 6749 §4.4): a confidential client gets an access token for itself,
//! limited to the scopes and audiences registered for it (`resource` per RFC 8707).

use serde_json::Value;

use super::bearer_response;
use crate::error::{AppError, OAuthError};
use crate::oidc::access_token::{self, AccessTokenRequest};
use crate::oidc::form::Form;
use crate::state::AppState;
use crate::store::clients::Client;

pub const GRANT_TYPE: &str = "client_credentials";

/// Scopes that only mean something when a person signs in.
const SIGN_IN_SCOPES: [&str; 2] = ["openid", "offline_access"];

pub fn grant(
    state: &AppState,
    client: &Client,
    form: &Form,
    jkt: Option<&str>,
) -> Result<Value, AppError> {
    if client.is_public() || !client.allows_grant(GRANT_TYPE) {
        return Err(OAuthError::new(
            "unauthorized_client",
            "this client may not use client_credentials",
        )
        .into());
    }
    let scope = granted_scope(client, form.single("scope")?)?;
    let audiences = granted_audiences(client, form.all("resource"))?;
    let issued = access_token::issue_with(
        state,
        AccessTokenRequest {
            subject: &client.id,
            client_id: &client.id,
            audiences: &audiences,
            scope: &scope,
            grant_id: None,
            auth_time: None,
        },
        access_token::confirmation(jkt),
    )?;
    Ok(bearer_response(
        issued.token,
        issued.expires_in,
        &scope,
        jkt.is_some(),
    ))
}

fn granted_scope(client: &Client, requested: Option<&str>) -> Result<String, OAuthError> {
    let allowed: Vec<&str> = client
        .scope_list()
        .into_iter()
        .filter(|s| !SIGN_IN_SCOPES.contains(s))
        .collect();
    let Some(requested) = requested else {
        return Ok(allowed.join(" "));
    };
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !allowed.contains(&scope) {
            return Err(OAuthError::new(
                "invalid_scope",
                "a requested scope is not allowed for this client",
            ));
        }
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    Ok(granted.join(" "))
}

fn granted_audiences(client: &Client, resources: Vec<&str>) -> Result<Vec<String>, OAuthError> {
    let registered = client.audience_list();
    let invalid_target = |msg: &str| OAuthError::new("invalid_target", msg);
    if resources.is_empty() {
        if registered.is_empty() {
            return Err(invalid_target("no audience is registered for this client"));
        }
        return Ok(registered.into_iter().map(String::from).collect());
    }
    let mut audiences = Vec::new();
    for resource in resources {
        // RFC 8707 §2: an absolute URI without a fragment.
        let valid = url::Url::parse(resource).is_ok_and(|u| u.fragment().is_none());
        if !valid || !registered.contains(&resource) {
            return Err(invalid_target(
                "the requested resource is not allowed for this client",
            ));
        }
        if !audiences.iter().any(|a| a == resource) {
            audiences.push(resource.to_string());
        }
    }
    Ok(audiences)
}
