//! The deploy kit's topology, run for real without Docker: two `idp serve` nodes on one
//! PostgreSQL database and one Redis, behind Debian's nginx running deploy/nginx.conf itself as
//! the TLS proxy (with a certificate made here; see tls_proxy.rs for the few parts that differ on
//! a test machine). A relying party signs in through https; the cookies are Secure and HSTS is
//! sent; /metrics stays closed at the proxy; a node killed outright is failed over. (compose's node healthcheck:
//! healthcheck.rs.)

use std::net::SocketAddr;
use std::time::Duration;

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreUserInfoClaims};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeVerifier, RedirectUrl, RefreshToken, TokenResponse,
};

use crate::support::{
    location, require, set_cookie, AuthRequest, Backend, Browser, Decision, Form, Prerequisite,
    TestEnv, TestServer, WebClient, OFFLINE_SCOPES, PASSWORD,
};
use crate::tls_proxy::{Nginx, TestCa, HOST};

const OFFLINE: &str = "openid profile email offline_access";

/// Production's shape on loopback. Fields drop in order: nginx stops before the nodes.
struct Topology {
    nginx: Nginx,
    nodes: Vec<TestServer>,
    ca: TestCa,
    issuer: String,
    web: WebClient,
    /// The database and data directory the nodes share.
    _env: TestEnv,
}

/// Starts the topology, or returns `None` (outside CI) when this machine lacks PostgreSQL, Redis
/// or nginx.
async fn topology() -> Option<Topology> {
    for prerequisite in [
        Prerequisite::Postgres,
        Prerequisite::Redis,
        Prerequisite::Nginx,
    ] {
        if !require(prerequisite) {
            return None;
        }
    }
    let https_port = crate::support::free_port();
    let issuer = format!("https://{HOST}:{https_port}");
    let kek = {
        use base64::Engine;
        let mut key = [0u8; 32];
        openssl::rand::rand_bytes(&mut key).unwrap();
        base64::engine::general_purpose::STANDARD.encode(key)
    };
    // What compose.yaml gives every node, with loopback for its networks.
    let env = TestEnv::new(Backend::Postgres)
        .with_env("IDP_SERVER__ISSUER", &issuer)
        .with_env("IDP_SERVER__TRUSTED_PROXIES", "127.0.0.1")
        .with_env("IDP_KEYS__ENCRYPTION_KEY", &kek);
    env.add_user("alice", "Alice Example");
    let web = env.add_web_client("webapp", "Example Web App", OFFLINE_SCOPES);
    let nodes = vec![env.start().await, env.start_node().await];
    let ports = [port_of(&nodes[0]), port_of(&nodes[1])];
    let ca = TestCa::new();
    let nginx = Nginx::start(&env.dir.join("nginx"), &ca, https_port, ports);
    Some(Topology {
        nginx,
        nodes,
        ca,
        issuer,
        web,
        _env: env,
    })
}

fn port_of(node: &TestServer) -> u16 {
    url::Url::parse(&node.base).unwrap().port().unwrap()
}

impl Topology {
    /// An https client that trusts only the test CA and finds [`HOST`] at nginx.
    fn https(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&self.ca.ca_pem).unwrap())
            .resolve(
                HOST,
                SocketAddr::from(([127, 0, 0, 1], self.nginx.https_port)),
            )
            .https_only(true)
            .timeout(Duration::from_secs(30))
    }

    /// A stock relying party that discovered the provider through the proxy (the discovery
    /// document's issuer must be the public one, and its JWKS comes through the proxy too).
    async fn relying_party(&self) -> RelyingParty {
        let http = self
            .https()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let metadata = CoreProviderMetadata::discover_async(
            IssuerUrl::new(self.issuer.clone()).unwrap(),
            &http,
        )
        .await
        .expect("discovery through the proxy");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.web.id.clone()),
            self.web.secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(self.web.redirect_uri.clone()).unwrap());
        RelyingParty { http, client }
    }

    /// GET `path` through the proxy.
    async fn get(&self, path: &str) -> reqwest::Response {
        let http = self.https().build().unwrap();
        http.get(format!("{}{path}", self.issuer))
            .send()
            .await
            .unwrap()
    }
}

/// Requests each node served, from its own /metrics (read directly on loopback), leaving out
/// the probes and the scrapes.
async fn served(node: &TestServer) -> u64 {
    let response = node.http.get(node.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200, "a node's /metrics on loopback");
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|l| l.starts_with("idp_http_requests_total{"))
        .filter(|l| !l.contains("route=\"/metrics\"") && !l.contains("route=\"/healthz\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

struct RelyingParty {
    http: reqwest::Client,
    client: openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
}

impl RelyingParty {
    /// Exchanges the code `request` got, checks the ID token (signature from the JWKS, issuer,
    /// nonce) and reads userinfo: returns the refresh token.
    async fn finish(&self, request: &AuthRequest, code: String, issuer: &str) -> RefreshToken {
        let tokens = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(PkceCodeVerifier::new(request.verifier.clone()))
            .request_async(&self.http)
            .await
            .expect("code exchange through the proxy");
        let claims = tokens
            .id_token()
            .expect("id_token")
            .claims(
                &self.client.id_token_verifier(),
                &Nonce::new(request.nonce.clone()),
            )
            .expect("the ID token verifies");
        assert_eq!(claims.issuer().as_str(), issuer);
        let info: CoreUserInfoClaims = self
            .client
            .user_info(
                tokens.access_token().clone(),
                Some(claims.subject().clone()),
            )
            .unwrap()
            .request_async(&self.http)
            .await
            .expect("userinfo through the proxy");
        assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
        tokens.refresh_token().expect("a refresh token").clone()
    }

    async fn refresh(&self, token: &RefreshToken) -> RefreshToken {
        let tokens = self
            .client
            .exchange_refresh_token(token)
            .unwrap()
            .request_async(&self.http)
            .await
            .expect("refresh through the proxy");
        tokens.refresh_token().expect("a new refresh token").clone()
    }
}

fn assert_secure(cookie: &str) {
    let attributes: Vec<String> = cookie
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attributes.iter().any(|a| a == "secure"), "{cookie}");
    assert!(attributes.iter().any(|a| a == "httponly"), "{cookie}");
}

fn assert_hsts(response: &reqwest::Response) {
    let hsts = response
        .headers()
        .get("strict-transport-security")
        .unwrap_or_else(|| panic!("no HSTS on {}", response.url()));
    assert!(hsts.to_str().unwrap().contains("max-age="), "{hsts:?}");
}

/// A person signs in through the proxy with a fresh browser: the login page, the password, the
/// consent page. Checks the cookies and HSTS on the way and returns the code.
async fn sign_in(t: &Topology, request: &AuthRequest) -> String {
    let browser = Browser::with_client(&t.issuer, t.https());
    let response = browser.authorize(request).await;
    assert_eq!(response.status(), 303);
    assert_hsts(&response);
    let login = location(&response).unwrap();
    let response = browser.get(&login).await;
    assert_eq!(response.status(), 200, "the login page through the proxy");
    assert_hsts(&response);
    assert_secure(&set_cookie(&response, "idp_csrf").expect("idp_csrf cookie"));
    let form = Form::parse(&response.text().await.unwrap());
    let response = browser.post_login(&form, "alice", PASSWORD).await;
    assert_eq!(response.status(), 303, "the password through the proxy");
    assert_secure(&set_cookie(&response, "idp_session").expect("idp_session cookie"));
    let landing = browser
        .follow(response, "alice", PASSWORD, Decision::Allow)
        .await;
    assert!(!landing.saw_login, "the session was not kept");
    landing.code(request, &t.issuer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relying_party_signs_in_over_https_through_nginx() {
    let Some(t) = topology().await else {
        return;
    };
    let before = [served(&t.nodes[0]).await, served(&t.nodes[1]).await];

    // Plain http only points to https.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(HOST, SocketAddr::from(([127, 0, 0, 1], t.nginx.http_port)))
        .build()
        .unwrap();
    let response = http
        .get(format!("http://{HOST}:{}/login?x=1", t.nginx.http_port))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 301);
    assert_eq!(
        location(&response).as_deref(),
        Some(format!("https://{HOST}/login?x=1").as_str())
    );

    // TLS with the mounted certificate, offering HTTP/2 (nginx 1.22 reads `listen … http2`).
    let ca = t.ca.ca.clone();
    let port = t.nginx.https_port;
    let alpn = tokio::task::spawn_blocking(move || negotiated_alpn(ca, port))
        .await
        .unwrap();
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]), "HTTP/2 is not offered");

    let rp = t.relying_party().await;
    let request = AuthRequest::new(&t.web, OFFLINE);
    let code = sign_in(&t, &request).await;
    let refresh_token = rp.finish(&request, code, &t.issuer).await;
    rp.refresh(&refresh_token).await;

    // The proxy spread the requests over both nodes.
    for (i, node) in t.nodes.iter().enumerate() {
        let now = served(node).await;
        assert!(now > before[i], "node {i} served nothing through the proxy");
    }

    // /metrics answers a node's loopback peers (see served), and nginx's address is loopback:
    // forwarded, it would be answered. Through the proxy it is not, however it is spelled.
    for path in [
        "/metrics",
        "/metrics/",
        "/metrics?format=text",
        "/%6Detrics",
        "//metrics",
    ] {
        let response = t.get(path).await;
        assert_eq!(response.status(), 404, "{path} through the proxy");
        let body = response.text().await.unwrap();
        assert!(!body.contains("idp_http_requests_total"), "{path}: {body}");
    }
}

/// The protocol nginx picks when offered h2 and http/1.1, verifying its certificate for [`HOST`]
/// against `ca`.
fn negotiated_alpn(ca: openssl::x509::X509, port: u16) -> Option<Vec<u8>> {
    use openssl::ssl::{SslConnector, SslMethod};
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.cert_store_mut().add_cert(ca).unwrap();
    connector.set_alpn_protos(b"\x02h2\x08http/1.1").unwrap();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let tls = connector
        .build()
        .connect(HOST, tcp)
        .expect("TLS handshake with the test CA");
    tls.ssl().selected_alpn_protocol().map(<[u8]>::to_vec)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_fails_over_when_a_node_is_killed() {
    let Some(mut t) = topology().await else {
        return;
    };
    let rp = t.relying_party().await;
    let request = AuthRequest::new(&t.web, OFFLINE);
    let code = sign_in(&t, &request).await;
    let refresh_token = rp.finish(&request, code, &t.issuer).await;

    // Node A dies at once: no drain, its sockets closed by the kernel.
    let dead = t.nodes.remove(0);
    let dead_port = port_of(&dead);
    dead.signal("KILL");
    assert!(
        dead.wait_exit(Duration::from_secs(10)).await.is_some(),
        "a killed node is gone"
    );
    let survivor_before = served(&t.nodes[0]).await;

    // Everything keeps working through the proxy: reads, a refresh, a whole new sign-in.
    for _ in 0..4 {
        let response = t.get("/.well-known/openid-configuration").await;
        assert_eq!(response.status(), 200, "discovery after the kill");
    }
    let refresh_token = rp.refresh(&refresh_token).await;
    let request = AuthRequest::new(&t.web, OFFLINE);
    let code = sign_in(&t, &request).await;
    let second = rp.finish(&request, code, &t.issuer).await;
    rp.refresh(&refresh_token).await;
    rp.refresh(&second).await;

    // nginx did try the dead node, and moved each such request to the other one.
    let errors = t.nginx.errors();
    let refused = errors
        .lines()
        .filter(|l| l.contains("Connection refused") && l.contains(&format!(":{dead_port}")))
        .count();
    assert!(refused > 0, "nginx never tried the killed node: {errors}");
    assert!(
        !t.nginx.access_log().contains("\" 502 "),
        "a request failed at the proxy: {}",
        t.nginx.access_log()
    );
    assert!(served(&t.nodes[0]).await > survivor_before);
}
