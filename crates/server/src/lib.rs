//! linkhub's reference server: a StackOne-style Hub backend.
//!
//! Host backends create connect sessions with the project API key (`/connect_sessions`);
//! the widget links accounts with the session token (`/hub/*`); accounts are listed with
//! the API key (`/accounts`) and announced by signed webhooks from a durable outbox.
//! SQLite by default, PostgreSQL with `DATABASE_URL`. See `shared/protocol.md`.

pub mod api;
pub mod app;
pub mod catalog;
pub mod cli;
pub mod crypto;
pub mod db;
pub mod error;
pub mod hub;
pub mod oauth;
pub mod state;
pub mod store;
pub mod testing;
pub mod web;
pub mod webhooks;
pub mod wire;
