//! The throwaway PostgreSQL cluster of the server's test support, shared with xtask: the
//! file is standard-library only so it can be included here without building the server.

#[path = "../../crates/server/src/testing.rs"]
#[allow(dead_code)] // xtask needs only part of the test support
mod testing;

pub use testing::{PgCluster, free_port};
