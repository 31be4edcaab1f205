use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::Context;
use portal_types::{DeviceId, Inventory, ManagedApp, Management, Platform};
use serde::{Deserialize, Serialize};

/// What the agent remembers between runs, besides its key and certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    pub server: String,
    pub device_id: DeviceId,
    pub platform: Platform,
    pub inventory: Inventory,
    /// Registered only, or enrolled and managed.
    #[serde(default = "Management::managed")]
    pub management: Management,
}

/// The agent's folder: `device.key.pem` (0600), `device.pem`, `ca.pem`,
/// `device.json`, and `apps.json` for the managed apps installed.
#[derive(Debug, Clone)]
pub struct StateDir(pub PathBuf);

impl StateDir {
    pub fn key(&self) -> PathBuf {
        self.0.join("device.key.pem")
    }
    pub fn certificate(&self) -> PathBuf {
        self.0.join("device.pem")
    }
    pub fn ca_certificate(&self) -> PathBuf {
        self.0.join("ca.pem")
    }
    fn device(&self) -> PathBuf {
        self.0.join("device.json")
    }
    fn apps(&self) -> PathBuf {
        self.0.join("apps.json")
    }

    /// The managed apps installed, by id; none before the first install.
    pub fn installed_apps(&self) -> anyhow::Result<Vec<ManagedApp>> {
        match fs::read_to_string(self.apps()) {
            Ok(text) => Ok(serde_json::from_str(&text)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e).with_context(|| format!("reading {}", self.apps().display())),
        }
    }

    pub fn save_installed_apps(&self, apps: &[ManagedApp]) -> anyhow::Result<()> {
        fs::write(self.apps(), serde_json::to_vec_pretty(apps)?)?;
        Ok(())
    }

    pub fn is_enrolled(&self) -> bool {
        self.device().exists()
    }

    pub fn load(&self) -> anyhow::Result<DeviceState> {
        let path = self.device();
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {}: is this device enrolled? Run `portal-agent enroll` first",
                path.display()
            )
        })?;
        Ok(serde_json::from_str(&text)?)
    }

    pub fn save(&self, state: &DeviceState) -> anyhow::Result<()> {
        fs::write(self.device(), serde_json::to_vec_pretty(state)?)?;
        Ok(())
    }

    /// Writes everything enrollment produced; the key readable by its owner only.
    pub fn save_enrollment(
        &self,
        key_pem: &str,
        certificate_pem: &str,
        ca_pem: &str,
        state: &DeviceState,
    ) -> anyhow::Result<()> {
        fs::create_dir_all(&self.0).with_context(|| format!("creating {}", self.0.display()))?;
        write_private(&self.key(), key_pem.as_bytes())?;
        fs::write(self.certificate(), certificate_pem)?;
        fs::write(self.ca_certificate(), ca_pem)?;
        self.save(state)
    }
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    // The mode above applies only to a new file: one left from an earlier
    // enrollment keeps its own until told.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(contents)?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_private_file_is_readable_by_its_owner_only_even_if_it_was_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        fs::write(&path, "old key").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"new key").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "new key");
    }
}
