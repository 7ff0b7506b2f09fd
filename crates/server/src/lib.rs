//! linkhub's reference server: a StackOne-style Hub backend.
//!
//! Host backends create connect sessions with the project API key (`/connect_sessions`);
//! the widget links accounts with the session token (`/hub/*`); accounts are listed with
//! the API key (`/accounts`) and announced by signed webhooks from a durable outbox.
//! Operators make auth links and watch accounts and their webhook deliveries in the
//! server-rendered console at `/console`, signed in with the same API key.
//! SQLite by default, PostgreSQL with `DATABASE_URL`. The protocol is described in
//! `docs/protocol.md`; its bodies are the types of `linkhub_protocol` (feature `openapi`
//! gives them their OpenAPI schemas).
//!
//! The code is laid out by feature, each module holding its routes (`router()`), its
//! handlers and, in its `store`, its SQL:
//!
//! - [`sessions`]: connect sessions (`/connect_sessions`, `/hub/settings`);
//! - [`connectors`]: the catalog as the widget sees it (`/hub/connectors…`);
//! - [`accounts`]: linking and editing (`/hub/accounts…`), listing and deleting
//!   (`/accounts…`), through one write path ([`accounts::link`]);
//! - [`attempts`]: OAuth connection attempts and the OAuth flow
//!   (`/hub/connection_attempts…`, `/connect/oauth2/…`);
//! - [`onboarding`] (extension): onboarding plans and their progress (`/hub/onboarding…`);
//! - [`handoffs`] (extension): hand-off links to a colleague (`/hub/handoffs`);
//! - [`webhooks`]: the outbox and its delivery worker (no routes);
//! - [`console`]: the operator console (`/console…`);
//! - [`web`]: the widget's pages and files, the example pages, the logos.
//!
//! Shared infrastructure, which imports no feature: [`db`] (the read pool and the one way
//! to write), [`error`], [`i18n`], [`crypto`], [`clock`], [`memo`], [`catalog`],
//! [`idempotency`], [`project`]; then [`state`] and [`auth`], which the features build on;
//! [`app`] puts the features' routers together and [`cli`] runs it all.

pub mod accounts;
pub mod app;
pub mod attempts;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod connectors;
pub mod console;
pub mod cors;
pub mod crypto;
pub mod db;
pub mod error;
pub mod handoffs;
pub mod i18n;
pub mod idempotency;
pub mod memo;
pub mod onboarding;
pub mod project;
pub mod sandbox;
pub mod sessions;
pub mod state;
pub mod testing;
pub mod verify;
pub mod web;
pub mod webhooks;
