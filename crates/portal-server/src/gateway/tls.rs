//! The gateway's TLS: the server's certificate, and a request for a client
//! certificate that only the device CA's are accepted as.

use std::{path::Path, sync::Arc};

use anyhow::Context;
use rustls::{
    RootCertStore, ServerConfig,
    crypto::ring,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::WebPkiClientVerifier,
};

use crate::devices::ca::write_once;

/// Where a loopback gateway keeps the certificate it makes itself when the
/// server was given none.
const SELF_SIGNED_CERT: &str = "gateway-tls.crt";
const SELF_SIGNED_KEY: &str = "gateway-tls.key";

/// The server certificate's chain and key, as PEM.
pub struct Identity {
    pub chain: String,
    pub key: String,
}

impl Identity {
    pub fn from_files(cert: &Path, key: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            chain: std::fs::read_to_string(cert).with_context(|| format!("reading {}", cert.display()))?,
            key: std::fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?,
        })
    }

    /// A self-signed certificate for `localhost` and 127.0.0.1, made once in
    /// `data_dir` so that a browser's exception for it lasts across restarts.
    pub fn self_signed(data_dir: &Path) -> anyhow::Result<Self> {
        let (cert, key) = (data_dir.join(SELF_SIGNED_CERT), data_dir.join(SELF_SIGNED_KEY));
        if !cert.exists() {
            let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])?;
            write_once(&key, made.signing_key.serialize_pem().as_bytes(), true)?;
            write_once(&cert, made.cert.pem().as_bytes(), false)?;
        }
        Self::from_files(&cert, &key)
    }
}

/// Asks every browser for a certificate of the device CA's (`ca_pem`) but
/// lets one without through: the refusal page, not a failed handshake,
/// tells its user what to do. HTTP/2 and HTTP/1.1.
pub fn server_config(identity: &Identity, ca_pem: &str) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = Arc::new(ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).context("reading the device CA")?)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()?;
    let chain = CertificateDer::pem_slice_iter(identity.chain.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .context("reading the gateway's certificate")?;
    let key = PrivateKeyDer::from_pem_slice(identity.key.as_bytes()).context("reading the gateway's key")?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
