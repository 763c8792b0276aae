use crate::on_both_backends;
use crate::support::{Backend, TestEnv};

on_both_backends!(
    discovery_document_is_correct,
    as_metadata_matches_discovery,
    jwks_publishes_only_public_keys,
    health_and_readiness
);

async fn discovery_document_is_correct(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let doc = server.get_json("/.well-known/openid-configuration").await;
    let issuer = env.issuer();
    assert_eq!(doc["issuer"], issuer.as_str());
    for endpoint in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        let url = doc[endpoint]
            .as_str()
            .unwrap_or_else(|| panic!("{endpoint} missing"));
        assert!(
            url.starts_with(&format!("{issuer}/")),
            "{endpoint} {url} not absolute"
        );
    }
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks.json"));
    let algs = doc["id_token_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(algs.iter().any(|a| a == "RS256"), "RS256 is mandatory");
    assert!(algs.iter().any(|a| a == "ES256" || a == "EdDSA"));
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    // Back- and front-channel logout, with the session (sid; iss and sid) for both.
    for feature in [
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
    ] {
        assert_eq!(doc[feature], true, "{feature}");
    }
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        doc["grant_types_supported"],
        serde_json::json!([
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code"
        ])
    );
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        serde_json::json!([
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
            "private_key_jwt",
            "none"
        ])
    );
    for scope in ["openid", "profile", "email", "offline_access"] {
        assert!(doc["scopes_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == scope));
    }
    for claim in [
        "sub",
        "name",
        "email",
        "email_verified",
        "preferred_username",
    ] {
        assert!(doc["claims_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == claim));
    }
    // Not served at this commit, so not advertised.
    assert!(
        doc.get("registration_endpoint").is_none(),
        "registration_endpoint advertised but not served"
    );
    // Every advertised endpoint answers (not 404).
    let par = doc["pushed_authorization_request_endpoint"]
        .as_str()
        .unwrap();
    let pushed = server.http.post(par).send().await.unwrap();
    assert_eq!(pushed.status(), 400, "/par is served (and wants a form)");
    let jwks = server
        .http
        .get(doc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
    for endpoint in [
        "token_endpoint",
        "userinfo_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
        "device_authorization_endpoint",
    ] {
        let url = doc[endpoint].as_str().unwrap();
        assert_ne!(
            server.http.post(url).send().await.unwrap().status(),
            404,
            "{endpoint}"
        );
    }
    for endpoint in ["authorization_endpoint", "end_session_endpoint"] {
        let url = doc[endpoint].as_str().unwrap();
        assert_ne!(
            server.http.get(url).send().await.unwrap().status(),
            404,
            "{endpoint}"
        );
    }
}

async fn as_metadata_matches_discovery(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let oidc = server.get_json("/.well-known/openid-configuration").await;
    let oauth = server
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(oidc, oauth);
}

async fn jwks_publishes_only_public_keys(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let response = server
        .http
        .get(server.url("/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(cache.contains("max-age="), "cacheable: {cache}");
    let etag = headers["etag"].to_str().unwrap().to_string();
    let jwks: serde_json::Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert!(keys.len() >= 2);
    for key in keys {
        for member in ["kid", "kty", "alg"] {
            assert!(key[member].is_string(), "{member} missing in {key}");
        }
        assert_eq!(key["use"], "sig");
        for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
            assert!(
                key.get(private).is_none(),
                "private member {private} published"
            );
        }
    }
    let mut kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    kids.sort();
    kids.dedup();
    assert_eq!(kids.len(), keys.len(), "kids are unique");

    let revalidated = server
        .http
        .get(server.url("/jwks.json"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.headers()["etag"].to_str().unwrap(), etag);
}

async fn health_and_readiness(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    assert_eq!(server.get_json("/healthz").await["status"], "ok");
    assert_eq!(server.get_json("/readyz").await["database"], "ok");
}
