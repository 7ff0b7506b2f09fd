//! The widget's components, one file each.

pub mod checklist;
pub mod confirm_dialog;
pub mod connections;
pub mod connector_list;
pub mod connector_page;
pub mod error_screen;
pub mod form_field;
pub mod guide;
pub mod handoff;
pub mod linking_form;
pub mod notice;
pub mod oauth_connect;
pub mod onboarding;
pub mod status;
pub mod success;
