//! The store's own rules, checked on both backends through the library.

use idp::store::grants::{self, AuthorizationCode, Grant, RefreshToken, Use};
use idp::store::{self as store, purge, users, DatabaseLocation};

use crate::on_both_backends;
use crate::support::{Backend, TestEnv};

on_both_backends!(
    purge_keeps_what_can_still_be_used,
    single_use_values_are_claimed_once
);

pub fn connect(env: &TestEnv) -> store::AnyConnection {
    let location = match env.backend {
        Backend::Sqlite => {
            std::fs::create_dir_all(env.data_dir()).unwrap();
            DatabaseLocation::Sqlite(env.data_dir().join("idp.db"))
        }
        Backend::Postgres => DatabaseLocation::parse(&env.db.url),
    };
    let mut conn = store::connect(&location).unwrap();
    store::migrate(&mut conn).unwrap();
    conn
}

fn setup(conn: &mut store::AnyConnection, now: i64, grant_expires: i64) -> Grant {
    let user = users::User {
        id: format!("user-{grant_expires}"),
        username: format!("u{grant_expires}"),
        email: None,
        name: None,
        password_hash: "x".into(),
        roles: String::new(),
        disabled: false,
        must_change_password: false,
        created_at: now,
        updated_at: now,
        email_verified: false,
        failed_logins: 0,
        locked_until: None,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
    };
    users::insert(conn, &user).unwrap();
    let client = idp::store::clients::Client {
        id: format!("client-{grant_expires}"),
        name: "c".into(),
        secret_hash: None,
        redirect_uris: "[]".into(),
        grant_types: String::new(),
        scopes: String::new(),
        audiences: String::new(),
        created_at: now,
        post_logout_redirect_uris: "[]".into(),
        first_party: false,
        jwks: String::new(),
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        id_token_alg: "RS256".into(),
        require_mfa: false,
        require_par: false,
        require_dpop: false,
        allowed_origins: String::new(),
        sealed_secret: None,
        previous_sealed_secret: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        frontchannel_logout_uri: None,
        frontchannel_logout_session_required: false,
    };
    idp::store::clients::insert(conn, &client).unwrap();
    let grant = Grant {
        id: format!("grant-{grant_expires}"),
        user_id: user.id,
        client_id: client.id,
        sid: "sid".into(),
        scope: "openid".into(),
        auth_time: now,
        amr: "pwd".into(),
        created_at: now,
        expires_at: grant_expires,
        revoked_at: None,
        dpop_jkt: None,
    };
    grants::insert_grant(conn, &grant).unwrap();
    grant
}

fn code(grant: &Grant, hash: &str, expires_at: i64) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: hash.into(),
        grant_id: grant.id.clone(),
        redirect_uri: "https://app.example.com/cb".into(),
        nonce: None,
        code_challenge: None,
        expires_at,
        used_at: None,
    }
}

fn refresh(grant: &Grant, hash: &str, expires_at: i64) -> RefreshToken {
    RefreshToken {
        token_hash: hash.into(),
        grant_id: grant.id.clone(),
        created_at: 0,
        expires_at,
        used_at: None,
        successor_sealed: None,
    }
}

async fn purge_keeps_what_can_still_be_used(backend: Backend) {
    let env = TestEnv::new(backend);
    let mut conn = connect(&env);
    let now = 1_000_000;
    let live = setup(&mut conn, now, now + 1000);
    let dead = setup(&mut conn, now, now - 1);
    grants::insert_code(&mut conn, &code(&live, "c-live", now + 30)).unwrap();
    grants::insert_code(&mut conn, &code(&live, "c-old", now - 30)).unwrap();
    grants::insert_refresh_token(&mut conn, &refresh(&live, "r-live", now + 30)).unwrap();
    grants::insert_refresh_token(&mut conn, &refresh(&dead, "r-dead", now + 30)).unwrap();

    // expired code, the dead grant and (by cascade) its refresh token
    let purged = purge::run(&mut conn, purge::Purge::new(now, now), |_| {}).unwrap();
    assert!(purged.removed >= 2);
    assert!(grants::find_grant(&mut conn, &live.id).unwrap().is_some());
    assert!(grants::find_grant(&mut conn, &dead.id).unwrap().is_none());
    assert!(matches!(
        grants::consume_code(&mut conn, "c-live", now).unwrap(),
        Use::First(_)
    ));
    assert!(matches!(
        grants::consume_code(&mut conn, "c-old", now).unwrap(),
        Use::Unknown
    ));
    assert!(grants::find_refresh_token(&mut conn, "r-dead")
        .unwrap()
        .is_none());
    assert!(grants::claim_refresh_token(&mut conn, "r-dead", now, None)
        .unwrap()
        .is_none());
    assert!(grants::claim_refresh_token(&mut conn, "r-live", now, None)
        .unwrap()
        .is_some());
}

async fn single_use_values_are_claimed_once(backend: Backend) {
    let env = TestEnv::new(backend);
    let mut conn = connect(&env);
    let now = 2_000_000;
    let grant = setup(&mut conn, now, now + 1000);
    grants::insert_code(&mut conn, &code(&grant, "c", now + 30)).unwrap();
    assert!(matches!(
        grants::consume_code(&mut conn, "c", now).unwrap(),
        Use::First(_)
    ));
    assert!(matches!(
        grants::consume_code(&mut conn, "c", now).unwrap(),
        Use::Replayed(_)
    ));
    grants::insert_refresh_token(&mut conn, &refresh(&grant, "r", now + 30)).unwrap();
    assert!(grants::claim_refresh_token(&mut conn, "r", now, None)
        .unwrap()
        .is_some());
    assert!(grants::claim_refresh_token(&mut conn, "r", now, None)
        .unwrap()
        .is_none());
    let used = grants::find_refresh_token(&mut conn, "r").unwrap().unwrap();
    assert_eq!(used.used_at, Some(now));
    grants::revoke_grant(&mut conn, &grant.id, now).unwrap();
    let revoked = grants::find_grant(&mut conn, &grant.id).unwrap().unwrap();
    assert!(!revoked.is_live(now));
}
