use std::fmt;

use anyhow::Context;
use base64::{Engine, engine::general_purpose::STANDARD};
use portal_types::{
    ApiError, CheckInRequest, CheckInResponse, Command, CommandId, CommandOutcome, CommandReport, DeviceCommand,
    EnrollRegisteredRequest, EnrollRequest, EnrollResponse, Inventory, ManagedApp, Management, Platform,
    device_auth::{DEVICE_ID, NONCE, SIGNATURE, Signed, TIMESTAMP, signing_input},
};
use rcgen::{CertificateParams, KeyPair, PKCS_ECDSA_P256_SHA256, SigningKey};
use reqwest::Method;
use serde::{Serialize, de::DeserializeOwned};

use crate::state::{DeviceState, StateDir};

/// The server refused a request, in the API's error shape.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    pub status: u16,
    pub error: ApiError,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, HTTP {})", self.error.message, self.error.code, self.status)
    }
}

impl std::error::Error for ApiFailure {}

async fn answer<T: DeserializeOwned>(response: reqwest::Response) -> anyhow::Result<T> {
    Ok(succeeded(response).await?.json().await?)
}

/// The response, if the server did what was asked; its error otherwise.
async fn succeeded(response: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let error = response
        .json::<ApiError>()
        .await
        .with_context(|| format!("the server answered HTTP {status} without an error body"))?;
    Err(ApiFailure {
        status: status.as_u16(),
        error,
    }
    .into())
}

/// Enrolls this device: see [`add`].
pub async fn enroll(
    server: &str,
    code: &str,
    platform: Platform,
    inventory: Inventory,
    dir: &StateDir,
) -> anyhow::Result<DeviceState> {
    add(server, code, platform, inventory, dir, Management::Managed).await
}

/// Registers or enrolls this device, as the code was issued for
/// (`management`): generates an ECDSA P-256 key, sends a certificate signing
/// request with the one-time code, and keeps what comes back in `dir`.
pub async fn add(
    server: &str,
    code: &str,
    platform: Platform,
    inventory: Inventory,
    dir: &StateDir,
    management: Management,
) -> anyhow::Result<DeviceState> {
    let server = server.trim_end_matches('/').to_string();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    // The server sets the subject; the request only proves possession of the key.
    let csr_pem = CertificateParams::default().serialize_request(&key)?.pem()?;
    let request = EnrollRequest {
        code: code.into(),
        platform,
        csr_pem,
        inventory: inventory.clone(),
        management,
    };
    let response = reqwest::Client::new()
        .post(format!("{server}/api/v1/enroll"))
        .json(&request)
        .send()
        .await?;
    let enrolled: EnrollResponse = answer(response).await?;
    let state = DeviceState {
        server,
        device_id: enrolled.device_id,
        platform,
        inventory,
        management,
    };
    dir.save_enrollment(
        &key.serialize_pem(),
        &enrolled.certificate_pem,
        &enrolled.ca_certificate_pem,
        &state,
    )?;
    Ok(state)
}

/// An enrolled device talking to the device API with signed requests.
pub struct DeviceClient {
    pub state: DeviceState,
    /// Seconds added to this machine's clock when signing: how far the
    /// device's clock is off (tests use it to play a device in the future).
    pub clock_offset_seconds: i64,
    key: KeyPair,
    http: reqwest::Client,
}

impl DeviceClient {
    pub fn load(dir: &StateDir) -> anyhow::Result<Self> {
        let state = dir.load()?;
        let key_pem = std::fs::read_to_string(dir.key()).with_context(|| format!("reading {}", dir.key().display()))?;
        Self::with_key(state, &key_pem)
    }

    /// The device in `dir` if it is registered (not yet managed), read once.
    pub fn registered(dir: &StateDir) -> anyhow::Result<Option<Self>> {
        if !dir.is_enrolled() {
            return Ok(None);
        }
        let client = Self::load(dir)?;
        Ok((client.state.management == Management::Registered).then_some(client))
    }

    /// Loads a device whose key is elsewhere (for tests that sign with a wrong key).
    pub fn with_key(state: DeviceState, key_pem: &str) -> anyhow::Result<Self> {
        Ok(Self {
            state,
            clock_offset_seconds: 0,
            key: KeyPair::from_pem(key_pem)?,
            http: reqwest::Client::new(),
        })
    }

    /// A request to the device API signed with this device's key.
    pub fn signed_request<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        let body = match body {
            Some(body) => serde_json::to_vec(body)?,
            None => Vec::new(),
        };
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp() + self.clock_offset_seconds;
        let nonce = {
            let bytes: [u8; 16] = rand::random();
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        };
        let signature = self.key.sign(&signing_input(Signed {
            device: self.state.device_id,
            method: method.as_str(),
            path_and_query: path,
            timestamp,
            nonce: &nonce,
            body: &body,
        }))?;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.state.server))
            .header(DEVICE_ID, self.state.device_id.to_string())
            .header(TIMESTAMP, timestamp.to_string())
            .header(NONCE, nonce)
            .header(SIGNATURE, STANDARD.encode(signature));
        if !body.is_empty() {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        Ok(request)
    }

    /// Reports the inventory and the managed apps installed; the answer is
    /// the device's compliance and the commands waiting.
    pub async fn check_in(&self, inventory: &Inventory, apps: &[ManagedApp]) -> anyhow::Result<CheckInResponse> {
        let body = CheckInRequest {
            inventory: inventory.clone(),
            apps: apps.to_vec(),
        };
        let request = self.signed_request(Method::POST, "/api/v1/device/check-in", Some(&body))?;
        answer(request.send().await?).await
    }

    /// Enrolls this registered device with an enrollment code: it keeps its
    /// key and certificate, and is managed from now on.
    pub async fn enroll_registered(&mut self, code: &str, inventory: Inventory, dir: &StateDir) -> anyhow::Result<()> {
        let body = EnrollRegisteredRequest {
            code: code.into(),
            inventory: inventory.clone(),
        };
        let request = self.signed_request(Method::POST, "/api/v1/device/enrollment", Some(&body))?;
        succeeded(request.send().await?).await?;
        self.state.management = Management::Managed;
        self.state.inventory = inventory;
        dir.save(&self.state)
    }
}

impl DeviceClient {
    /// Opens the stream of commands: those waiting now, then each as it is queued.
    pub async fn command_stream(&self) -> anyhow::Result<EventStream> {
        let response = self
            .signed_request::<()>(Method::GET, "/api/v1/device/commands", None)?
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(answer::<()>(response).await.unwrap_err());
        }
        Ok(EventStream {
            response,
            buffer: String::new(),
        })
    }

    /// Tells the server the command is being carried out.
    pub async fn acknowledge(&self, id: CommandId) -> anyhow::Result<Command> {
        let path = format!("/api/v1/device/commands/{id}/ack");
        answer(self.signed_request::<()>(Method::POST, &path, None)?.send().await?).await
    }

    pub async fn report(
        &self,
        id: CommandId,
        outcome: CommandOutcome,
        reason: Option<String>,
    ) -> anyhow::Result<Command> {
        let path = format!("/api/v1/device/commands/{id}/report");
        let body = CommandReport { outcome, reason };
        answer(self.signed_request(Method::POST, &path, Some(&body))?.send().await?).await
    }
}

/// Server-sent events read off a response.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// The next `command` event; `None` when the server closed the stream.
    pub async fn next_command(&mut self) -> anyhow::Result<Option<DeviceCommand>> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = "message";
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event:") {
                        event = name.trim();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if event == "command" && !data.is_empty() {
                    return Ok(Some(serde_json::from_str(&data)?));
                }
                continue;
            }
            match self.response.chunk().await? {
                Some(bytes) => self
                    .buffer
                    .push_str(&String::from_utf8_lossy(&bytes).replace("\r\n", "\n")),
                None => return Ok(None),
            }
        }
    }
}
