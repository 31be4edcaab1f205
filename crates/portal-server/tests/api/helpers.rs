use std::sync::Arc;

use portal_server::{clock::ManualClock, config::Config, startup::Application};
use portal_types::AuditPage;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use tempfile::TempDir;
use time::OffsetDateTime;
use tokio::{sync::oneshot, task::JoinHandle};

pub const PASSWORD: &str = "demo-password-1";
/// The header the portal sends with every request (CSRF proof).
pub const CSRF_HEADER: &str = "x-requested-with";

pub struct TestApp {
    pub address: String,
    /// Where the gateway listens, when it is on.
    pub gateway: Option<String>,
    pub clock: ManualClock,
    /// Shared with the other nodes started over the same data.
    pub data: Arc<Data>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Where a test server keeps its data: a folder (the device CA, the secret
/// key) and a fresh database, SQLite in the folder or, with
/// `PORTAL_TEST_DATABASE=postgres://...` (a server's admin URL), a new
/// PostgreSQL database dropped afterwards.
pub struct Data {
    pub dir: TempDir,
    pub database: TestDatabase,
}

impl Data {
    pub fn is_postgres(&self) -> bool {
        self.database.postgres.is_some()
    }

    /// The database's name, as the benchmarks print it.
    pub fn database_name(&self) -> &'static str {
        if self.is_postgres() { "PostgreSQL" } else { "SQLite" }
    }

    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::create(&dir).await;
        Self { dir, database }
    }

    /// A test configuration over this data.
    pub fn config(&self) -> Config {
        let mut config = Config::for_tests(self.dir.path().to_path_buf());
        config.database_url = self.database.url.clone();
        config
    }
}

pub struct TestDatabase {
    pub url: String,
    /// The PostgreSQL server's admin URL and the database's name, to drop it.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create(dir: &TempDir) -> Self {
        let Some(admin) = std::env::var("PORTAL_TEST_DATABASE")
            .ok()
            .filter(|u| u.starts_with("postgres"))
        else {
            return Self {
                url: format!("sqlite://{}", dir.path().join("portal.db").display()),
                postgres: None,
            };
        };
        let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
        let mut connection = sqlx::PgConnection::connect(&admin)
            .await
            .expect("the test PostgreSQL server answers");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').expect("an admin URL ending in /DATABASE");
        Self {
            url: format!("{base}/{name}"),
            postgres: Some((admin, name)),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async code: a thread of its own with its own runtime.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let mut connection = sqlx::PgConnection::connect(&admin).await?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut connection)
                        .await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("could not drop a test database: {dropped:?}");
        }
    }
}

/// A database opened for raw SQL, whichever it is.
pub async fn raw_database(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.unwrap()
}

/// A server with the demo users (ada, grace, it) on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let (data, config) = demo(adjust).await;
    spawn_in(data, config).await
}

/// As [`spawn_with`], with a clock that runs with real time (still moved
/// by `advance`): for clients that sign with the real time over a long run.
pub async fn spawn_running(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let (data, config) = demo(adjust).await;
    spawn_node(Arc::new(data), config, ManualClock::running(OffsetDateTime::now_utc())).await
}

async fn demo(adjust: impl FnOnce(&mut Config)) -> (Data, Config) {
    let data = Data::new().await;
    let mut config = data.config();
    config.demo = true;
    config.dist_dir = data.dir.path().join("no-dist");
    adjust(&mut config);
    (data, config)
}

/// Starts a server over existing data (to restart on the same database).
pub async fn spawn_in(data: Data, config: Config) -> TestApp {
    spawn_node(Arc::new(data), config, standing_clock()).await
}

fn standing_clock() -> ManualClock {
    ManualClock::new(OffsetDateTime::now_utc())
}

/// Starts one more node of the portal: the same data folder (device CA,
/// secret key) and the same database, its own port, memory and clock.
pub async fn another_node(app: &TestApp, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = app.data.config();
    config.dist_dir = app.data.dir.path().join("no-dist");
    adjust(&mut config);
    spawn_node(app.data.clone(), config, standing_clock()).await
}

async fn spawn_node(data: Arc<Data>, config: Config, clock: ManualClock) -> TestApp {
    // Server logs go with a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let app = Application::build_with_clock(config, Arc::new(clock.clone()))
        .await
        .expect("server builds");
    let address = app.url();
    let gateway = app.gateway_url().map(String::from);
    let (tx, rx) = oneshot::channel();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = rx.await;
    }));
    TestApp {
        address,
        gateway,
        clock,
        data,
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A client with its own cookie jar: one browser.
    pub fn client(&self) -> reqwest::Client {
        browser()
    }

    pub async fn sign_in_with(&self, client: &reqwest::Client, email: &str, password: &str) -> Response {
        client
            .post(self.url("/api/v1/auth/sign-in"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// A client signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let client = self.client();
        let response = self.sign_in_with(&client, email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in as {email}");
        client
    }

    pub async fn get_json(&self, client: &reqwest::Client, path: &str) -> (StatusCode, Value) {
        let response = client.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The audit log's newest page matching `query` (`action=sign_in`,
    /// `device=…`), as `client`, an administrator, reads it.
    pub async fn audit(&self, client: &reqwest::Client, query: &str) -> AuditPage {
        self.get_ok(client, &format!("/api/v1/admin/audit?{query}")).await
    }

    /// The answer to a GET of `path` that must succeed, typed.
    pub async fn get_ok<T: serde::de::DeserializeOwned>(&self, client: &reqwest::Client, path: &str) -> T {
        let response = client.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    /// Stops the server gracefully and hands back its data.
    pub async fn stop(mut self) -> Data {
        self.shutdown.take().unwrap().send(()).unwrap();
        self.server.take().unwrap().await.unwrap().unwrap();
        Arc::try_unwrap(self.data)
            .ok()
            .expect("no other node runs over this data")
    }

    /// The server's database, opened beside it through the data layer.
    pub async fn database(&self) -> std::sync::Arc<dyn portal_server::db::Database> {
        portal_server::db::connect(&self.data.database.url, None).await.unwrap()
    }

    /// The server's database, opened beside it for raw SQL.
    pub async fn raw_database(&self) -> sqlx::AnyPool {
        raw_database(&self.data.database.url).await
    }
}

/// A client with its own cookie jar, sending the portal's CSRF proof: one browser.
pub fn browser() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(CSRF_HEADER, reqwest::header::HeaderValue::from_static("company-portal"));
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// GET `url` as JSON, expecting 200.
pub async fn json_at(client: &reqwest::Client, url: &str) -> Value {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.json().await.unwrap()
}

/// Asserts the API's one error shape and returns its code.
pub fn error_code(body: &Value) -> &str {
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error has a message: {body}"
    );
    body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("error has a code: {body}"))
}

/// The `name=value` of the session cookie a response sets.
pub fn session_cookie(response: &Response) -> String {
    let set_cookie = response.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}

/// How `/api/v1/me` answers a bare cookie, as a copied token would be used.
pub async fn me_with(app: &TestApp, cookie: &str) -> StatusCode {
    let request = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header(reqwest::header::COOKIE, cookie);
    request.send().await.unwrap().status()
}

/// The names of the fields an `invalid_input` error points at, in order.
pub fn field_names(body: &Value) -> Vec<&str> {
    body["fields"]
        .as_array()
        .expect("per-field messages")
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect()
}

/// Adds a required app for `platforms` to the catalog, as an administrator.
pub async fn add_required_app(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    platforms: &[portal_types::Platform],
) {
    let input = portal_types::AppInput {
        name: name.into(),
        publisher: "Example IT".into(),
        version: "1.0".into(),
        size_bytes: 5_000_000,
        description: format!("{name}, for work."),
        category: "Productivity".into(),
        platforms: platforms.to_vec(),
        featured: false,
        required: true,
        web_url: None,
        icon_color: "#0b5cad".into(),
    };
    let added = admin
        .post(app.url("/api/v1/admin/apps"))
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
}
