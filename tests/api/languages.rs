//! Languages over HTTP: the authorization request's `ui_locales` carries through sign-in and
//! consent (and outranks the cookie), the picker's cookie comes next, then `Accept-Language`
//! by q-value, then English; error pages and mails speak the chosen language.

use std::time::Duration;

use crate::mail::mail_env;
use crate::on_both_backends;
use crate::recovery::reset_link;
use crate::smtp::MailSink;
use crate::support::{
    free_port, location, post_page_form, require, set_cookie, AuthRequest, Backend, Browser, Form,
    Prerequisite, TestEnv, PASSWORD,
};

on_both_backends!(
    ui_locales_carry_through_sign_in_and_consent,
    the_picker_sets_the_language_cookie,
    accept_language_is_read_by_quality,
    a_mail_goes_out_in_the_chosen_language
);

/// The page's `<html lang>` and `Content-Language`, and its body.
async fn page(response: reqwest::Response) -> (u16, String, String, String) {
    let status = response.status().as_u16();
    let content_language = response
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    let lang = body
        .split("<html lang=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    (status, lang, content_language, body)
}

/// Chooses `lang` with the picker's form, as from `next`; returns the response.
async fn pick(browser: &Browser, lang: &str, next: &str) -> reqwest::Response {
    browser
        .http
        .post(browser.resolve("/lang"))
        .form(&[("lang", lang), ("next", next)])
        .send()
        .await
        .unwrap()
}

async fn ui_locales_carry_through_sign_in_and_consent(backend: Backend) {
    let env = TestEnv::new(backend);
    env.add_user("alice", "Alice");
    let client = env.add_web_client(
        "app",
        "Example App",
        &["--scope", "openid", "--scope", "profile"],
    );
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    // The person chose French before; the client's ui_locales outranks that for this sign-in.
    assert_eq!(pick(&browser, "fr", "/").await.status(), 303);

    let request = AuthRequest::new(&client, "openid profile").set("ui_locales", "ja de-CH fr");
    let response = browser.authorize(&request).await;
    assert_eq!(response.status(), 303);
    let login = browser.get(&location(&response).unwrap()).await;
    let (status, lang, content_language, html) = page(login).await;
    assert_eq!((status, lang.as_str()), (200, "de"), "{html}");
    assert_eq!(content_language, "de");
    assert!(html.contains("<h1>Anmelden</h1>"), "{html}");
    assert!(
        html.contains("um mit <strong>Example App</strong> fortzufahren"),
        "{html}"
    );
    assert!(html.contains(">Passwort</label>"), "{html}");

    // A wrong password: the refusal is German too.
    let form = Form::parse(&html);
    let (_, lang, _, html) = page(browser.post_login(&form, "alice", "wrong password").await).await;
    assert_eq!(lang, "de");
    assert!(
        html.contains("Benutzername oder Passwort ist falsch."),
        "{html}"
    );

    // Signed in, the consent page is still German.
    let form = Form::parse(&html);
    let mut response = browser.post_login(&form, "alice", PASSWORD).await;
    while response.status().is_redirection() {
        response = browser.get(&location(&response).unwrap()).await;
    }
    let (status, lang, _, html) = page(response).await;
    assert_eq!((status, lang.as_str()), (200, "de"), "{html}");
    assert!(html.contains("Example App erlauben?"), "{html}");
    assert!(
        html.contains("Ihren Namen und Benutzernamen sehen"),
        "{html}"
    );
    assert!(html.contains(">Ablehnen</button>"), "{html}");

    // Outside that sign-in the person's own choice holds again.
    let (_, lang, _, html) = page(browser.get("/").await).await;
    assert_eq!(lang, "fr", "{html}");

    // An unsupported ui_locales falls back to the cookie's choice, then English.
    let request = AuthRequest::new(&client, "openid").set("ui_locales", "ja ko");
    let fresh = Browser::new(&server.base);
    let response = fresh.authorize(&request).await;
    let (_, lang, _, html) = page(fresh.get(&location(&response).unwrap()).await).await;
    assert_eq!(lang, "en");
    assert!(html.contains("<h1>Sign in</h1>"), "{html}");

    let discovery: serde_json::Value = server
        .http
        .get(server.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["ui_locales_supported"],
        serde_json::json!(["en", "de", "fr"])
    );
}

async fn the_picker_sets_the_language_cookie(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    let (_, lang, _, html) = page(browser.get("/").await).await;
    assert_eq!(lang, "en");
    assert!(
        html.contains("action=\"/lang\""),
        "the picker is on the page: {html}"
    );
    assert!(
        html.contains("<option value=\"fr\" lang=\"fr\">Français</option>"),
        "{html}"
    );

    let response = pick(&browser, "fr", "/login?next=/account").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response).as_deref(), Some("/login?next=/account"));
    let cookie = set_cookie(&response, "lang").expect("the lang cookie");
    assert!(cookie.starts_with("lang=fr;"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let (_, lang, _, html) = page(browser.get("/login?next=/account").await).await;
    assert_eq!(lang, "fr");
    assert!(html.contains("<h1>Connexion</h1>"), "{html}");
    assert!(html.contains("selected>Français</option>"), "{html}");

    // Error pages speak it too.
    let (status, lang, _, html) = page(browser.get("/no/such/page").await).await;
    assert_eq!((status, lang.as_str()), (404, "fr"));
    assert!(html.contains("<h1>Introuvable</h1>"), "{html}");
    // A "not found" page does not repeat its address: the picker there returns to the start.
    assert!(html.contains("name=\"next\" value=\"/\""), "{html}");

    // The picker only returns to this site, refuses unknown languages and other sites' forms.
    let response = pick(&browser, "de", "//evil.example/").await;
    assert_eq!(location(&response).as_deref(), Some("/"));
    let (status, lang, _, html) = page(pick(&browser, "xx", "/").await).await;
    assert_eq!((status, lang.as_str()), (400, "de"), "{html}");
    assert!(html.contains("Diese Sprache gibt es hier nicht."), "{html}");
    let response = browser
        .http
        .post(browser.resolve("/lang"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("lang", "en"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(set_cookie(&response, "lang").is_none());
}

async fn accept_language_is_read_by_quality(backend: Backend) {
    let env = TestEnv::new(backend);
    let server = env.start().await;
    let get = |path: &str, accept: &str, cookie: Option<&str>| {
        let mut request = server
            .http
            .get(server.url(path))
            .header("accept-language", accept);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let (_, lang, _, html) = page(get("/", "fr;q=0.9, de;q=0.8", None).await.unwrap()).await;
    assert_eq!(lang, "fr");
    assert!(html.contains("<title>Accueil"), "{html}");
    let (_, lang, _, _) = page(get("/", "de;q=0.8, fr;q=0.7", None).await.unwrap()).await;
    assert_eq!(lang, "de");
    let (_, lang, _, html) = page(get("/", "ja, zh;q=0.5", None).await.unwrap()).await;
    assert_eq!(lang, "en");
    assert!(html.contains("<title>Start"), "{html}");
    // The person's choice outranks the browser's.
    let (_, lang, _, _) = page(get("/", "de", Some("lang=fr")).await.unwrap()).await;
    assert_eq!(lang, "fr");
    // An error page in German: the expired sign-in.
    let (status, lang, _, html) = page(get("/consent?req=gone", "de", None).await.unwrap()).await;
    assert_eq!((status, lang.as_str()), (400, "de"));
    assert!(html.contains("Diese Anmeldung ist abgelaufen"), "{html}");
    assert!(html.contains("Zur Startseite"), "{html}");
}

async fn a_mail_goes_out_in_the_chosen_language(backend: Backend) {
    if !require(Prerequisite::SmtpServer) {
        return;
    }
    let mut sink = MailSink::on_port(free_port());
    sink.run().await;
    let env = mail_env(backend, &sink);
    env.add_user("alice", "Alice");
    let server = env.start().await;
    let browser = Browser::new(&server.base);
    pick(&browser, "fr", "/login/forgot").await;
    let (status, _, body, _) =
        post_page_form(&browser, "/login/forgot", &[("email", "alice@example.com")]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Consultez votre boîte de réception"),
        "{body}"
    );

    let mail = sink
        .message_to("alice@example.com", Duration::from_secs(20))
        .await;
    assert_eq!(mail["subject"], "Réinitialisez votre mot de passe");
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.contains("Quelqu’un a demandé la réinitialisation"),
        "{text}"
    );
    assert!(text.contains("dans les 30 minutes"), "{text}");
    let html = mail["html"].as_str().unwrap();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    // The link in it works, and its page is French too.
    let link = reset_link(&mail, &env.issuer());
    let (status, lang, _, html) = page(browser.get(&link).await).await;
    assert_eq!((status, lang.as_str()), (200, "fr"), "{html}");
    assert!(
        html.contains("Choisissez un nouveau mot de passe"),
        "{html}"
    );
}
