//! The TLS edge of the deploy kit on a test machine: a certificate authority and a server
//! certificate made here, and Debian's nginx running `deploy/nginx.conf` itself on loopback ports
//! as a child of the test.

use std::fs::OpenOptions;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

use crate::support::NGINX;

/// The public name of the provider in deploy/: the server name and certificate subject in
/// nginx.conf, and the issuer's host in compose.yaml.
pub const HOST: &str = "id.localhost";

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A certificate for `common_name` with `key`, valid from an hour ago for a day, issued by
/// `issuer` (or by itself); the caller adds its extensions and signs it.
fn certificate(common_name: &str, key: &PKey<Private>, issuer: Option<&X509>) -> X509Builder {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)
        .unwrap();
    let name = name.build();
    let mut serial = BigNum::new().unwrap();
    serial.rand(127, MsbOption::MAYBE_ZERO, false).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut builder = X509Builder::new().unwrap();
    builder.set_version(2).unwrap();
    builder
        .set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(&name).unwrap();
    builder
        .set_issuer_name(issuer.map_or(&name, |ca| ca.subject_name()))
        .unwrap();
    builder.set_pubkey(key).unwrap();
    builder
        .set_not_before(&Asn1Time::from_unix(now - 3600).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&builder.x509v3_context(issuer.map(|ca| &**ca), None))
        .unwrap();
    builder.append_extension(ski).unwrap();
    builder
}

/// A certificate authority that exists only for one test, and the certificate it issued for
/// [`HOST`] (with its key), as PEM.
pub struct TestCa {
    pub ca: X509,
    pub ca_pem: Vec<u8>,
    pub server_pem: Vec<u8>,
    pub server_key_pem: Vec<u8>,
}

impl TestCa {
    pub fn new() -> TestCa {
        let ca_key = ec_key();
        let mut ca = certificate("idp test CA", &ca_key, None);
        ca.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        ca.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
        ca.sign(&ca_key, MessageDigest::sha256()).unwrap();
        let ca = ca.build();

        let key = ec_key();
        let mut server = certificate(HOST, &key, Some(&ca));
        let san = SubjectAlternativeName::new()
            .dns(HOST)
            .build(&server.x509v3_context(Some(&ca), None))
            .unwrap();
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&server.x509v3_context(Some(&ca), None))
            .unwrap();
        server.append_extension(san).unwrap();
        server.append_extension(aki).unwrap();
        server
            .append_extension(BasicConstraints::new().build().unwrap())
            .unwrap();
        server
            .append_extension(KeyUsage::new().digital_signature().build().unwrap())
            .unwrap();
        server
            .append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap();
        server.sign(&ca_key, MessageDigest::sha256()).unwrap();
        let server = server.build();
        TestCa {
            ca_pem: ca.to_pem().unwrap(),
            ca,
            server_pem: server.to_pem().unwrap(),
            server_key_pem: key.private_key_to_pem_pkcs8().unwrap(),
        }
    }

    /// Writes the server certificate and key where deploy/nginx.conf expects them, under `tls`
    /// (`id.localhost.crt`, `id.localhost.key`, as compose mounts them from deploy/tls/).
    fn install(&self, tls: &Path) {
        std::fs::create_dir_all(tls).unwrap();
        std::fs::write(tls.join(format!("{HOST}.crt")), &self.server_pem).unwrap();
        std::fs::write(tls.join(format!("{HOST}.key")), &self.server_key_pem).unwrap();
    }
}

/// deploy/nginx.conf with the parts that differ on a test machine replaced: each `(from, to,
/// count)` must appear `count` times in the file's directives (comments are left alone), so a
/// change to the file that this would miss stops the test instead of testing something else.
pub fn adapt(conf: &str, replacements: &[(&str, String, usize)]) -> String {
    let mut lines: Vec<String> = conf.lines().map(String::from).collect();
    for (from, to, count) in replacements {
        let mut found = 0;
        for line in lines
            .iter_mut()
            .filter(|l| !l.trim_start().starts_with('#'))
        {
            found += line.matches(from).count();
            *line = line.replace(from, to);
        }
        assert_eq!(
            found, *count,
            "deploy/nginx.conf should have `{from}` {count} time(s) outside comments"
        );
    }
    for line in &lines {
        let directive = line.trim_start();
        assert!(
            directive.starts_with('#')
                || !(directive.contains("/etc/nginx") || directive.contains(":8080")),
            "deploy/nginx.conf has a container path or address the test does not replace: {line}"
        );
    }
    lines.join("\n") + "\n"
}

/// Debian's nginx in the foreground (`daemon off`), with its own prefix, pid file and logs in a
/// temporary directory; stopped (workers too) and waited for when dropped.
pub struct Nginx {
    child: Child,
    pub dir: PathBuf,
    pub https_port: u16,
    pub http_port: u16,
}

impl Nginx {
    /// Runs deploy/nginx.conf in front of the nodes on loopback ports `upstreams`, listening on
    /// 127.0.0.1 at `https_port` (TLS, with `ca`'s certificate for [`HOST`]) and at a free port
    /// for plain http. Returns once it accepts connections.
    pub fn start(dir: &Path, ca: &TestCa, https_port: u16, upstreams: [u16; 2]) -> Nginx {
        let http_port = crate::support::free_port();
        let tls = dir.join("tls");
        ca.install(&tls);
        let deployed =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
                .unwrap();
        let conf = adapt(
            &deployed,
            &[
                ("idp1:8080", format!("127.0.0.1:{}", upstreams[0]), 1),
                ("idp2:8080", format!("127.0.0.1:{}", upstreams[1]), 1),
                ("listen 80;", format!("listen 127.0.0.1:{http_port};"), 1),
                (
                    "listen 443 ssl http2;",
                    format!("listen 127.0.0.1:{https_port} ssl http2;"),
                    1,
                ),
                ("/etc/nginx/tls/", format!("{}/", tls.display()), 2),
            ],
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        // The access log goes to standard output and errors to standard error, as in the
        // container: both are files here.
        let log = |name: &str| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(name))
                .unwrap()
        };
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-g")
            .arg(format!("daemon off; pid {}/nginx.pid;", dir.display()))
            .stdin(Stdio::null())
            .stdout(log("access.log"))
            .stderr(log("error.log"))
            .spawn()
            .expect("start nginx");
        let mut nginx = Nginx {
            child,
            dir: dir.to_path_buf(),
            https_port,
            http_port,
        };
        nginx.wait_listening();
        nginx
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("nginx exited ({status}): {}", self.errors());
            }
            let ready = [self.https_port, self.http_port]
                .iter()
                .all(|port| TcpStream::connect(("127.0.0.1", *port)).is_ok());
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen: {}",
                self.errors()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What nginx wrote to standard error: start-up messages and the http error log.
    pub fn errors(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// What nginx wrote to standard output: the access log.
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers, then exits (SIGKILL would orphan the workers).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
