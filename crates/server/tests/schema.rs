//! One migration folder serves SQLite and PostgreSQL (the dialects don't differ in our
//! schema). This keeps the two in step: both are migrated from scratch and every table
//! must come out with the same columns, types and nullability. PostgreSQL is compared when
//! the suite runs on it (`LINKHUB_TEST_POSTGRES_URL`, as `cargo xtask test` does).

mod support;

use std::collections::BTreeMap;

use linkhub_server::db::MIGRATOR;
use sqlx::{Connection, Row};

/// Table → column → (declared type, nullable).
type Schema = BTreeMap<String, BTreeMap<String, (String, bool)>>;

async fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("schema.db").display()
    );
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
    MIGRATOR.run(&mut conn).await.expect("migrate SQLite");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for t in tables {
        let rows = sqlx::query(&format!("PRAGMA table_info({t})"))
            .fetch_all(&mut conn)
            .await
            .expect("columns");
        for r in rows {
            let name: String = r.get("name");
            let ty: String = r.get("type");
            let notnull: i64 = r.get("notnull");
            let pk: i64 = r.get("pk");
            schema
                .entry(t.clone())
                .or_default()
                .insert(name, (ty.to_lowercase(), notnull == 0 && pk == 0));
        }
    }
    schema
}

async fn postgres_schema(server: &str) -> Schema {
    let url = support::pg::create_database(server).await;
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("postgres");
    MIGRATOR.run(&mut conn).await.expect("migrate PostgreSQL");
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, \
         is_nullable::text AS n FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("columns");
    let mut schema = Schema::new();
    for r in rows {
        let (t, c, ty, n): (String, String, String, String) =
            (r.get("t"), r.get("c"), r.get("ty"), r.get("n"));
        schema
            .entry(t)
            .or_default()
            .insert(c, (ty.to_lowercase(), n == "YES"));
    }
    schema
}

#[tokio::test]
async fn both_databases_get_the_same_tables_from_the_one_migration_folder() {
    let sqlite = sqlite_schema().await;
    for table in [
        "projects",
        "connect_sessions",
        "accounts",
        "webhook_deliveries",
        "idempotency_keys",
        "connection_attempts",
        "console_sessions",
    ] {
        assert!(
            sqlite.contains_key(table),
            "SQLite lacks {table}: {sqlite:?}"
        );
    }
    // Only TEXT and BIGINT columns: the types both dialects read the same way.
    for (t, columns) in &sqlite {
        for (c, (ty, _)) in columns {
            assert!(ty == "text" || ty == "bigint", "{t}.{c} is {ty}");
        }
    }
    let Some(server) = support::pg::server_url() else {
        return;
    };
    let postgres = postgres_schema(&server).await;
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (t, columns) in &sqlite {
        assert_eq!(columns, &postgres[t], "table {t}: SQLite vs PostgreSQL");
    }
}
