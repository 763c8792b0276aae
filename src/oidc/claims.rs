//! Claims about a person released by scope (OpenID Connect Core §5.4).

use serde_json::{json, Map, Value};

use crate::store::users::User;

pub const CLAIMS_SUPPORTED: [&str; 17] = [
    "updated_at",
    "acr",
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "sid",
    "amr",
    "name",
    "preferred_username",
    "email",
    "email_verified",
    "roles",
];

pub fn for_scopes<'a>(
    user: &User,
    scopes: impl IntoIterator<Item = &'a str>,
) -> Map<String, Value> {
    let mut claims = Map::new();
    for scope in scopes {
        match scope {
            "profile" => {
                if let Some(name) = &user.name {
                    claims.insert("name".into(), json!(name));
                }
                claims.insert("preferred_username".into(), json!(user.username));
                claims.insert("updated_at".into(), json!(user.updated_at));
            }
            "email" => {
                if let Some(email) = &user.email {
                    claims.insert("email".into(), json!(email));
                    claims.insert("email_verified".into(), json!(user.email_verified));
                }
            }
            "roles" => {
                claims.insert("roles".into(), json!(roles(user)));
            }
            _ => {}
        }
    }
    claims
}

/// The user's roles as the `roles` claim carries them (an array, possibly empty).
pub fn roles(user: &User) -> Vec<&str> {
    user.roles.split_whitespace().collect()
}
