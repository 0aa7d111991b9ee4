//! SSL_GET's TLS client. As keepalived: the global `SSL {}` block's
//! `certificate` and `key` (decrypted with `password`) are presented to
//! servers that ask for a client certificate; its `ca` is read (a broken
//! file fails the checker) but, as keepalived sets no verify mode, the
//! server's certificate is not verified: a checker asks "does it answer",
//! not "is it trusted".

use kad_config::model::SslConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

type Built = Result<Arc<rustls::ClientConfig>, String>;
type Key = (bool, Option<SslConfig>);

fn cache() -> &'static Mutex<HashMap<Key, Built>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Built>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The client configuration (SNI sent only with `enable_sni`), built once
/// per variant and shared by every SSL_GET checker.
pub fn client_config(sni: bool, ssl: Option<&SslConfig>) -> Built {
    let key = (sni, ssl.cloned());
    let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
    c.entry(key).or_insert_with(|| build(sni, ssl)).clone()
}

/// Drop the built configurations so a reload reads the files again.
pub fn forget_client_configs() {
    cache().lock().unwrap_or_else(|p| p.into_inner()).clear();
}

fn build(sni: bool, ssl: Option<&SslConfig>) -> Built {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let b = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS client: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)));
    let ssl = ssl.cloned().unwrap_or_default();
    // Read (a broken file fails the checker), not used to verify.
    if let Some(ca) = &ssl.ca {
        read_chain("ca", ca)?;
    }
    let mut c = match (&ssl.certificate, &ssl.key) {
        (Some(cert), key) => {
            let chain = read_chain("certificate", cert)?;
            // keepalived reads the key from the certificate file when no
            // `key` is given (a combined PEM).
            let key = read_key(key.as_deref().unwrap_or(cert), ssl.password.as_deref())?;
            b.with_client_auth_cert(chain, key)
                .map_err(|e| format!("SSL certificate {cert}: {e}"))?
        }
        (None, Some(key)) => return Err(format!("SSL key {key} given without a certificate")),
        (None, None) => b.with_no_client_auth(),
    };
    c.enable_sni = sni;
    Ok(Arc::new(c))
}

/// The certificates of a PEM file; `what` names the keyword in errors.
fn read_chain(what: &str, path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("SSL {what} {path}: {e}"))?;
    match chain.is_empty() {
        true => Err(format!("SSL {what} {path}: no CERTIFICATE in the file")),
        false => Ok(chain),
    }
}

fn read_key(path: &str, password: Option<&str>) -> Result<PrivateKeyDer<'static>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("SSL key {path}: {e}"))?;
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let password = password
            .ok_or_else(|| format!("SSL key {path} is encrypted and no password is given"))?;
        return decrypt(&text, password).map_err(|e| format!("SSL key {path}: {e}"));
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(format!(
            "SSL key {path}: legacy OpenSSL-encrypted keys are not read; convert with `openssl pkcs8 -topk8`"
        ));
    }
    PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| format!("SSL key {path}: {e}"))
}

fn decrypt(pem: &str, password: &str) -> Result<PrivateKeyDer<'static>, String> {
    use pkcs8::der::Decode;
    let start = pem
        .find("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        .unwrap_or(0);
    let doc = pkcs8::der::Document::from_pem(&pem[start..])
        .map_err(|e| format!("PEM: {e}"))?
        .1;
    let info = pkcs8::EncryptedPrivateKeyInfo::from_der(doc.as_bytes())
        .map_err(|e| format!("PKCS#8: {e}"))?;
    let plain = info
        .decrypt(password)
        .map_err(|_| "cannot decrypt (wrong password or unsupported cipher)".to_string())?;
    Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}
