//! The device CA: created on first start, kept in the data directory, and
//! used to sign device certificates from certificate signing requests.

use std::{fs, io::Write, path::Path};

use anyhow::Context;
use portal_types::DeviceId;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

const CA_NAME: &str = "Company Portal Device CA";
const ORGANIZATION: &str = "Company Portal";
/// The issuer as device certificates name it.
pub const ISSUER_NAME: &str = "CN=Company Portal Device CA, O=Company Portal";
pub const DEVICE_CERTIFICATE_VALIDITY: Duration = Duration::days(365);

/// Why a certificate signing request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsrError {
    #[error("The certificate signing request could not be read as PEM-encoded PKCS#10.")]
    Malformed,
    #[error("The certificate signing request's signature does not match its key.")]
    BadSignature,
    #[error("Only ECDSA P-256 keys are accepted.")]
    UnsupportedKey,
}

/// A certificate this CA issued.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    pub pem: String,
    pub subject: String,
    pub serial: String,
    pub fingerprint_sha256: String,
    /// The device's public key, an uncompressed SEC1 P-256 point.
    pub public_key: Vec<u8>,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub struct DeviceCa {
    issuer: Issuer<'static, KeyPair>,
    certificate_pem: String,
}

impl DeviceCa {
    /// Loads the CA from `dir`, creating it (key file mode 0600) on first
    /// start. Each file is written whole or not at all, and once: the first
    /// of several nodes starting over one data folder makes it, the others
    /// load what it made. The key is written first, and a key without its
    /// certificate (a crash between the two) certifies itself again.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        let key_path = dir.join("device-ca.key.pem");
        let cert_path = dir.join("device-ca.pem");
        if !key_path.exists() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
            if write_once(&key_path, key.serialize_pem().as_bytes(), true)? {
                tracing::info!(path = %dir.display(), "created the device CA");
            }
        }
        let key = KeyPair::from_pem(&fs::read_to_string(&key_path).with_context(|| read(&key_path))?)
            .context("parsing the device CA key")?;
        let certificate_pem = match fs::read_to_string(&cert_path) {
            Ok(pem) => pem,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let pem = ca_params().self_signed(&key)?.pem();
                write_once(&cert_path, pem.as_bytes(), false)?;
                // Ours, or another node's made at the same moment from the same key.
                fs::read_to_string(&cert_path).with_context(|| read(&cert_path))?
            }
            Err(error) => return Err(error).with_context(|| read(&cert_path)),
        };
        let issuer = Issuer::from_ca_cert_pem(&certificate_pem, key).context("parsing the device CA certificate")?;
        Ok(Self {
            issuer,
            certificate_pem,
        })
    }

    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// Signs a certificate for `device` with the key in `csr_pem`, after
    /// checking the request's signature (proof of possession) and key type.
    /// Subject and SAN are the server's, never copied from the request.
    pub fn issue(&self, csr_pem: &str, device: DeviceId, now: OffsetDateTime) -> Result<IssuedCertificate, CsrError> {
        let csr = csr_der(csr_pem)?;
        let request = CertificateSigningRequestParams::from_der(&csr.into()).map_err(|error| match error {
            rcgen::Error::InvalidCertificationRequestSignature => CsrError::BadSignature,
            rcgen::Error::UnsupportedSignatureAlgorithm => CsrError::UnsupportedKey,
            _ => CsrError::Malformed,
        })?;
        let public_key = rcgen::PublicKeyData::der_bytes(&request.public_key).to_vec();
        if request.public_key.algorithm() != &PKCS_ECDSA_P256_SHA256 || public_key.len() != 65 || public_key[0] != 4 {
            return Err(CsrError::UnsupportedKey);
        }
        let subject = device.to_string();
        let mut params = CertificateParams::default();
        params.distinguished_name = name(&subject);
        params.subject_alt_names = vec![SanType::URI(
            format!("urn:uuid:{subject}").try_into().expect("a UUID URN is IA5"),
        )];
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + DEVICE_CERTIFICATE_VALIDITY;
        let serial = random_serial();
        params.serial_number = Some(serial.clone());
        let certificate = params
            .signed_by(&request.public_key, &self.issuer)
            .map_err(|_| CsrError::Malformed)?;
        Ok(IssuedCertificate {
            pem: certificate.pem(),
            subject: format!("CN={subject}, O={ORGANIZATION}"),
            serial: colon_hex(&serial.to_bytes()),
            fingerprint_sha256: fingerprint(certificate.der()),
            public_key,
            issued_at: params.not_before,
            expires_at: params.not_after,
        })
    }
}

fn csr_der(pem: &str) -> Result<Vec<u8>, CsrError> {
    use base64::Engine;
    let body = pem
        .trim()
        .strip_prefix("-----BEGIN CERTIFICATE REQUEST-----")
        .and_then(|rest| rest.strip_suffix("-----END CERTIFICATE REQUEST-----"))
        .ok_or(CsrError::Malformed)?;
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| CsrError::Malformed)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, ORGANIZATION);
    name
}

/// 128 random bits, kept positive as X.509 asks.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x40;
    SerialNumber::from_slice(&bytes)
}

/// A certificate's SHA-256, colon hex, as certificates are stored and found.
pub fn fingerprint(der: &[u8]) -> String {
    colon_hex(&Sha256::digest(der))
}

pub fn colon_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

fn read(path: &Path) -> String {
    format!("reading {}", path.display())
}

/// Creates `path` readable by its owner only (mode 0600), contents on disk
/// before it returns; an existing file is never overwritten.
/// The CA's own certificate: ten years, signing device certificates only.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(CA_NAME);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(3650);
    params.serial_number = Some(random_serial());
    params
}

/// Writes a file that must never exist half-written, and is made once: a
/// temporary file of its own (unique, so that nodes writing at the same
/// moment do not share one), flushed to disk, then linked into place, which
/// fails where the file exists already; the directory is flushed too.
/// `private`: readable by this user only. False when another writer was first.
pub(crate) fn write_once(path: &Path, contents: &[u8], private: bool) -> anyhow::Result<bool> {
    let temporary = path.with_extension(format!("partial-{}", uuid::Uuid::new_v4().simple()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if private { 0o600 } else { 0o644 });
    let mut file = options
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    let placed = fs::hard_link(&temporary, path);
    fs::remove_file(&temporary)?;
    match placed {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(error) => return Err(error).with_context(|| format!("writing {}", path.display())),
    }
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        fs::File::open(parent)?.sync_all()?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(alg: &'static rcgen::SignatureAlgorithm) -> String {
        let key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = name("attacker-chosen");
        params.serialize_request(&key).unwrap().pem().unwrap()
    }

    #[test]
    fn is_created_once_with_a_private_key_file_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = DeviceCa::load_or_create(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("device-ca.key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let second = DeviceCa::load_or_create(dir.path()).unwrap();
        assert_eq!(first.certificate_pem(), second.certificate_pem());
    }

    #[test]
    fn a_key_left_without_its_certificate_gets_one_again_and_still_signs() {
        let dir = tempfile::tempdir().unwrap();
        let first = DeviceCa::load_or_create(dir.path()).unwrap();
        fs::remove_file(dir.path().join("device-ca.pem")).unwrap();
        let again = DeviceCa::load_or_create(dir.path()).expect("starts after a crash between the writes");
        assert!(dir.path().join("device-ca.pem").exists());
        let device = DeviceId(uuid::Uuid::new_v4());
        let issued = again
            .issue(&csr(&PKCS_ECDSA_P256_SHA256), device, OffsetDateTime::now_utc())
            .unwrap();
        // The same key: what it signs, the first certificate's key verifies.
        let first_key = x509_public_key(first.certificate_pem());
        let again_key = x509_public_key(again.certificate_pem());
        assert_eq!(first_key, again_key);
        assert!(!issued.pem.is_empty());
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    }

    fn x509_public_key(pem: &str) -> Vec<u8> {
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        let certificate = pem.parse_x509().unwrap();
        certificate.public_key().raw.to_vec()
    }

    #[test]
    fn nodes_starting_at_once_over_one_folder_share_one_ca() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || DeviceCa::load_or_create(&path).unwrap().certificate_pem().to_string())
            })
            .collect();
        let pems: std::collections::HashSet<String> = starts.into_iter().map(|s| s.join().unwrap()).collect();
        assert_eq!(pems.len(), 1, "one CA for all of them");
        assert_eq!(
            pems.into_iter().next().unwrap(),
            fs::read_to_string(path.join("device-ca.pem")).unwrap()
        );
    }

    #[test]
    fn issues_with_the_servers_subject_and_refuses_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let ca = DeviceCa::load_or_create(dir.path()).unwrap();
        let device = DeviceId(uuid::Uuid::new_v4());
        let issued = ca
            .issue(&csr(&PKCS_ECDSA_P256_SHA256), device, OffsetDateTime::now_utc())
            .unwrap();
        assert_eq!(issued.subject, format!("CN={device}, O=Company Portal"));
        assert_eq!(issued.fingerprint_sha256.len(), 32 * 3 - 1);
        assert_eq!(
            issued.expires_at - issued.issued_at,
            DEVICE_CERTIFICATE_VALIDITY + Duration::minutes(5)
        );
        assert!(!issued.pem.contains("attacker-chosen"));

        assert_eq!(
            ca.issue(&csr(&rcgen::PKCS_ECDSA_P384_SHA384), device, OffsetDateTime::now_utc())
                .unwrap_err(),
            CsrError::UnsupportedKey
        );
        assert_eq!(
            ca.issue("not a csr", device, OffsetDateTime::now_utc()).unwrap_err(),
            CsrError::Malformed
        );
    }
}
