//! PostgreSQL for the suite: a per-test database on `LINKHUB_TEST_POSTGRES_URL`
//! (set by `cargo xtask test`, which starts a cluster), and a helper to start a cluster.

use linkhub_server::testing::PgCluster;
use sqlx::Connection;

/// Starts a throwaway cluster (initdb + pg_ctl on loopback). Stopped when dropped.
#[allow(dead_code)]
pub fn start_cluster() -> PgCluster {
    PgCluster::start_temp().expect("start a PostgreSQL cluster")
}

/// The superuser URL the suite should use, if any.
pub fn server_url() -> Option<String> {
    std::env::var("LINKHUB_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Creates a fresh database on `server` and returns its URL.
pub async fn create_database(server: &str) -> String {
    let name = format!("linkhub_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(server)
        .await
        .expect("connect to LINKHUB_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(server).expect("LINKHUB_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}
