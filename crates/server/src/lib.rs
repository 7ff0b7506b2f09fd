//! linkhub's reference server: a StackOne-style Hub backend.
//!
//! Host backends create connect sessions with the project API key (`/connect_sessions`);
//! the widget links accounts with the session token (`/hub/*`); accounts are listed with
//! the API key (`/accounts`) and announced by signed webhooks from a durable outbox.
//! Operators make auth links and watch accounts and their webhook deliveries in the
//! server-rendered console at `/console`, signed in with the same API key.
//! SQLite by default, PostgreSQL with `DATABASE_URL`. See `shared/protocol.md`.

pub mod api;
pub mod app;
pub mod catalog;
pub mod cli;
pub mod console;
pub mod crypto;
pub mod db;
pub mod error;
pub mod hub;
pub mod i18n;
pub mod oauth;
pub mod sandbox;
pub mod state;
pub mod store;
pub mod testing;
pub mod verify;
pub mod web;
pub mod webhooks;
pub mod wire;
