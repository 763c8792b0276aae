//! `passkeys.attestation = "required"`: only authenticators whose attestation chains to a
//! configured root and whose model (AAGUID) is allowed become passkeys. Chromium's virtual
//! authenticator attests with a certificate made from the U2F specification's example key
//! ("Batch Certificate", AAGUID 01020304-0506-0708-0102-030405060708), so a root made here from
//! that public example key plays the part of a manufacturer's root.

use openssl::asn1::{Asn1Time, Asn1Type};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Name, X509NameBuilder, X509};

use crate::passkeys::{setup_speaking, sign_in_with_password};
use crate::support::{require, Backend, Prerequisite, TestEnv};

/// The model Chromium's virtual authenticator names in its attestation.
const VIRTUAL_AAGUID: &str = "01020304-0506-0708-0102-030405060708";
/// The private key of the U2F specification's registration example, which Chromium's virtual
/// authenticator attests with.
const U2F_EXAMPLE_KEY: &str = "f3fccc0d00d8031954f90864d43c247f4bf5f0665c6b50cc17749a27d1cf7664";

fn name(common_name: &str, organisation: &str) -> X509Name {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid_with_type(Nid::COUNTRYNAME, "US", Asn1Type::PRINTABLESTRING)
        .unwrap();
    for (nid, value) in [
        (Nid::ORGANIZATIONNAME, organisation),
        (Nid::ORGANIZATIONALUNITNAME, "Authenticator Attestation"),
        (Nid::COMMONNAME, common_name),
    ] {
        name.append_entry_by_nid_with_type(nid, value, Asn1Type::UTF8STRING)
            .unwrap();
    }
    name.build()
}

/// A self-signed root certificate for `key` named `subject`, written as PEM.
fn root_pem(key: &EcKey<openssl::pkey::Private>, subject: &X509Name) -> Vec<u8> {
    let key = PKey::from_ec_key(key.clone()).unwrap();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_serial_number(&BigNum::from_u32(7).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    cert.set_subject_name(subject).unwrap();
    cert.set_issuer_name(subject).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::from_unix(1_500_000_000).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(3650).unwrap())
        .unwrap();
    cert.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    cert.append_extension(KeyUsage::new().critical().key_cert_sign().build().unwrap())
        .unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    cert.build().to_pem().unwrap()
}

fn p256() -> EcGroup {
    EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()
}

/// The root that vouches for Chromium's virtual authenticators.
fn virtual_authenticator_root() -> Vec<u8> {
    let group = p256();
    let private = BigNum::from_hex_str(U2F_EXAMPLE_KEY).unwrap();
    let mut public = EcPoint::new(&group).unwrap();
    let mut context = BigNumContext::new().unwrap();
    public
        .mul_generator2(&group, &private, &mut context)
        .unwrap();
    let key = EcKey::from_private_components(&group, &private, &public).unwrap();
    root_pem(&key, &name("Batch Certificate", "Chromium"))
}

/// Another manufacturer's root: nothing Chromium makes chains to it.
fn unrelated_root() -> Vec<u8> {
    let key = EcKey::generate(&p256()).unwrap();
    root_pem(&key, &name("Example Root", "Example Keys"))
}

/// A server that requires attestation from `root` for the models in `aaguids`.
fn env_requiring(backend: Backend, root: &[u8], aaguids: &str) -> TestEnv {
    let env = TestEnv::new(backend);
    let path = env.data_dir().join("attestation-roots.pem");
    std::fs::create_dir_all(env.data_dir()).unwrap();
    std::fs::write(&path, root).unwrap();
    env.with_env("IDP_PASSKEYS__ATTESTATION", "required")
        .with_env("IDP_PASSKEYS__ATTESTATION_ROOTS", path.to_str().unwrap())
        .with_env("IDP_PASSKEYS__ALLOWED_AAGUIDS", aaguids)
}

/// Tries to add a passkey on the account page; the page's answer (the account page after a
/// success, or the message the script shows).
async fn try_enrol(backend: Backend, root: &[u8], aaguids: &str) -> Result<String, String> {
    // Attested passkeys ask the authenticator to enforce user verification (credProtect), which
    // only a CTAP 2.1 authenticator does.
    let setup = setup_speaking(env_requiring(backend, root, aaguids), &[], "ctap2_1").await;
    let (browser, issuer) = (&setup.browser, setup.env.public_issuer());
    sign_in_with_password(browser, &issuer).await;
    browser.wait_until_shown("passkey-enrol-form").await;
    browser
        .execute(
            "document.getElementById('passkey_name').value = arguments[0];",
            serde_json::json!(["Issued key"]),
        )
        .await;
    browser.click("#passkey-enrol").await;
    // The page either goes on to the account page or shows the refusal beside the button.
    let mut outcome = Err("no answer within 30 seconds".to_string());
    for _ in 0..150 {
        if browser.current_url().await.contains("done=passkey") {
            outcome = Ok(());
            break;
        }
        let shown = browser
            .execute(
                "const e = document.getElementById('passkey-enrol-error');
                 return e && !e.hidden ? e.textContent : '';",
                serde_json::json!([]),
            )
            .await;
        if let Some(message) = shown.as_str().filter(|m| !m.is_empty()) {
            outcome = Err(message.to_string());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let held = browser
        .authenticator_credentials(&setup.authenticator)
        .await;
    assert_eq!(
        held.len(),
        1,
        "the authenticator made a credential: {outcome:?}"
    );
    outcome?;
    browser.wait_for_text("Issued key").await;
    Ok(browser.page_source().await)
}

async fn an_allowed_model_from_a_trusted_root_becomes_a_passkey(backend: Backend) {
    if !require(Prerequisite::Browser) {
        return;
    }
    let aaguids = format!("{VIRTUAL_AAGUID},cb69481e-8ff7-4039-93ec-0a2729a154a8");
    let account = try_enrol(backend, &virtual_authenticator_root(), &aaguids)
        .await
        .expect("the allowed authenticator is added");
    assert!(account.contains("Issued key"), "{account}");
}
crate::on_both_backends!(an_allowed_model_from_a_trusted_root_becomes_a_passkey);

#[tokio::test]
async fn a_model_missing_from_the_allow_list_is_refused() {
    if !require(Prerequisite::Browser) {
        return;
    }
    let refused = try_enrol(
        Backend::Sqlite,
        &virtual_authenticator_root(),
        "cb69481e-8ff7-4039-93ec-0a2729a154a8",
    )
    .await
    .expect_err("a model that is not allowed is refused");
    assert!(refused.contains("approved"), "{refused}");
}

#[tokio::test]
async fn an_authenticator_from_an_untrusted_root_is_refused() {
    if !require(Prerequisite::Browser) {
        return;
    }
    let refused = try_enrol(Backend::Sqlite, &unrelated_root(), VIRTUAL_AAGUID)
        .await
        .expect_err("an authenticator no trusted root vouches for is refused");
    assert!(refused.contains("approved"), "{refused}");
}

#[test]
fn required_attestation_without_roots_or_models_stops_the_server() {
    let env = TestEnv::new(Backend::Sqlite).with_env("IDP_PASSKEYS__ATTESTATION", "required");
    let out = env.cli(&["keys", "list"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("passkeys.attestation_roots"), "{stderr}");
    let env = env_requiring(Backend::Sqlite, &unrelated_root(), "not-a-model");
    let out = env.cli(&["keys", "list"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("is not an AAGUID"), "{stderr}");
}
