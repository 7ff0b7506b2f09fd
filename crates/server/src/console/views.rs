//! The console's pages, rendered with maud (every interpolated value is HTML-escaped).
//!
//! No inline script or style: the look is `console.css`, the copy button `console.js`,
//! both from this origin. Every control has a `<label for>`, errors are tied to their
//! field with `aria-describedby`, and tables have a caption and header scopes.

use std::collections::BTreeMap;

use maud::{DOCTYPE, Markup, html};

use super::{ASSET_CSS, ASSET_JS, Categories, ConnectorChoices, Handoffs, LinkValues, StepValues};
use crate::accounts::store::AccountRow;
use crate::catalog::Catalog;
use crate::clock::rfc3339;
use crate::handoffs::store::HandoffRow;
use crate::webhooks::store::DeliveryRow;

/// Which section of the console a page belongs to (for the navigation's current link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    SignIn,
    Link,
    Accounts,
}

/// The frame of every page. `csrf` is the signed-in operator's token (none on sign-in).
pub fn layout(
    title: &str,
    section: Section,
    csrf: Option<&str>,
    with_script: bool,
    main: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · linkhub console" }
                link rel="stylesheet" href=(ASSET_CSS);
                @if with_script {
                    script src=(ASSET_JS) defer {}
                }
            }
            body.lhc {
                a.lhc-skip href="#main" { "Skip to content" }
                header.lhc-header {
                    span.lhc-header__brand { "linkhub console" }
                    @if let Some(csrf) = csrf {
                        nav.lhc-nav aria-label="Console" {
                            a.lhc-nav__link href="/console/link"
                                aria-current=[(section == Section::Link).then_some("page")]
                                { "Link account" }
                            a.lhc-nav__link href="/console/accounts"
                                aria-current=[(section == Section::Accounts).then_some("page")]
                                { "Accounts" }
                        }
                        form.lhc-header__sign-out method="post" action="/console/sign-out" {
                            input type="hidden" name="csrf" value=(csrf);
                            button.lhc-button.lhc-button--quiet type="submit" { "Sign out" }
                        }
                    }
                }
                main #main .lhc-main { (main) }
            }
        }
    }
}

/// The sign-in page; `error` explains a refused key.
pub fn sign_in(form_token: &str, error: Option<&str>) -> Markup {
    let main = html! {
        h1 { "Sign in" }
        p { "Sign in with the project's API key — the key your backend uses for "
            code { "POST /connect_sessions" } "." }
        @if let Some(error) = error {
            div.lhc-alert #sign-in-error role="alert" { p { (error) } }
        }
        form.lhc-form method="post" action="/console" {
            input type="hidden" name="csrf" value=(form_token);
            div.lhc-form__field {
                label for="api_key" { "Project API key" }
                input #api_key type="password" name="api_key" required autocomplete="current-password"
                    spellcheck="false"
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| "sign-in-error")];
            }
            button.lhc-button type="submit" { "Sign in" }
        }
    };
    layout("Sign in", Section::SignIn, None, false, main)
}

/// Field errors by form field name.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// The "Link account" form's fields in page order (the error summary follows it).
const LINK_FIELDS: [&str; 6] = [
    "owner_id",
    "owner_name",
    "username",
    "category",
    "expires_days",
    "steps",
];

struct Field<'a> {
    name: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    value: &'a str,
    required: bool,
}

fn text_field(f: &Field<'_>, input_type: &str, errors: &FieldErrors) -> Markup {
    let error = errors.get(f.name);
    let hint_id = format!("{}-hint", f.name);
    let error_id = format!("{}-error", f.name);
    let described: Vec<&str> = [
        f.hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    html! {
        div.lhc-form__field.lhc-form__field--invalid[error.is_some()] {
            label for=(f.name) {
                (f.label)
                @if !f.required { span.lhc-form__optional { " (optional)" } }
            }
            @if let Some(hint) = f.hint { p.lhc-form__hint #(hint_id) { (hint) } }
            @if let Some(error) = error { p.lhc-form__error #(error_id) { (error) } }
            input #(f.name) type=(input_type) name=(f.name) value=(f.value)
                required[f.required] autocomplete="off" spellcheck="false"
                min=[(input_type == "number").then_some("1")]
                max=[(input_type == "number").then_some("90")]
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
        }
    }
}

fn hidden_link_values(v: &LinkValues) -> Markup {
    html! {
        input type="hidden" name="owner_id" value=(v.owner_id);
        input type="hidden" name="owner_name" value=(v.owner_name);
        input type="hidden" name="username" value=(v.username);
        input type="hidden" name="category" value=(v.category);
        input type="hidden" name="expires_days" value=(v.expires_days);
        @for (i, step) in v.steps().iter().enumerate() {
            input type="hidden" name={ "step" (i) "_target" } value=(step.target);
            @if step.optional { input type="hidden" name={ "step" (i) "_optional" } value="on"; }
            input type="hidden" name={ "step" (i) "_label" } value=(step.label);
        }
    }
}

/// What a step asks for, in words (`HRIS (any connector)`, `Dagster`).
fn step_target_label(catalog: &Catalog, target: &str) -> String {
    match target.split_once(':') {
        Some(("category", key)) => format!("{} (any connector)", category_label(key)),
        Some(("provider", key)) => provider_name(catalog, key).to_string(),
        _ => "(not chosen)".into(),
    }
}

/// The plan builder: a row per step (what to connect, optional, label), each with buttons
/// that move or remove it, and one that adds a row. The buttons post the form back to
/// `/console/link`, which shows it again with the change made: no script needed.
fn plan_builder(
    steps: &[StepValues],
    categories: &Categories,
    connectors: &ConnectorChoices,
    error: Option<&String>,
) -> Markup {
    let count = steps.len();
    html! {
        fieldset.lhc-form__field.lhc-plan #steps
            .lhc-form__field--invalid[error.is_some()]
            aria-describedby=(if error.is_some() { "steps-hint steps-error" } else { "steps-hint" }) {
            legend { "Onboarding plan" span.lhc-form__optional { " (optional)" } }
            p.lhc-form__hint #steps-hint {
                "The connections the user should make, in order, shown as a checklist they can finish "
                "over several visits. Each step is one connector, or a category (any connector of it)."
            }
            @if let Some(e) = error { p.lhc-form__error #steps-error { (e) } }
            @if steps.is_empty() { p { "No step yet: the link opens the connector list as usual." } }
            ol.lhc-plan__steps {
                @for (i, step) in steps.iter().enumerate() {
                    @let n = i + 1;
                    li.lhc-plan__step {
                        div.lhc-form__field {
                            label for={ "step" (i) "_target" } { "Step " (n) ": connect" }
                            select id={ "step" (i) "_target" } name={ "step" (i) "_target" } {
                                option value="" selected[step.target.is_empty()] { "Choose a connector or a category" }
                                optgroup label="Categories (any connector of it)" {
                                    @for key in categories.keys() {
                                        @let value = format!("category:{key}");
                                        option value=(value) selected[step.target == value] {
                                            (category_label(key)) " (any connector)"
                                        }
                                    }
                                }
                                optgroup label="Connectors" {
                                    @for (key, name) in connectors {
                                        @let value = format!("provider:{key}");
                                        option value=(value) selected[step.target == value] { (name) }
                                    }
                                }
                            }
                        }
                        div.lhc-form__field.lhc-form__field--check {
                            input type="checkbox" id={ "step" (i) "_optional" } name={ "step" (i) "_optional" }
                                checked[step.optional];
                            label for={ "step" (i) "_optional" } { "Step " (n) " is optional (the user may skip it)" }
                        }
                        div.lhc-form__field {
                            label for={ "step" (i) "_label" } { "Step " (n) " label" span.lhc-form__optional { " (optional)" } }
                            input type="text" id={ "step" (i) "_label" } name={ "step" (i) "_label" }
                                value=(step.label) autocomplete="off" maxlength="80";
                        }
                        div.lhc-plan__actions {
                            button.lhc-button.lhc-button--quiet type="submit" formaction="/console/link" formnovalidate
                                name="step_action" value={ "up:" (i) } disabled[i == 0] { "Move step " (n) " up" }
                            button.lhc-button.lhc-button--quiet type="submit" formaction="/console/link" formnovalidate
                                name="step_action" value={ "down:" (i) } disabled[n == count] { "Move step " (n) " down" }
                            button.lhc-button.lhc-button--quiet type="submit" formaction="/console/link" formnovalidate
                                name="step_action" value={ "remove:" (i) } { "Remove step " (n) }
                        }
                    }
                }
            }
            @if count < linkhub_protocol::onboarding::MAX_STEPS {
                button.lhc-button.lhc-button--quiet type="submit" formaction="/console/link" formnovalidate
                    name="step_action" value="add" { "Add a step" }
            }
        }
    }
}

/// Step 1 of "Link account": who the link is for.
pub fn link_form(
    csrf: &str,
    v: &LinkValues,
    categories: &Categories,
    connectors: &ConnectorChoices,
    errors: &FieldErrors,
) -> Markup {
    let main = html! {
        h1 { "Link account" }
        p { "Make an auth link for one of your users: they open it, pick their provider and connect. "
            "Enter the owner exactly as your own system knows it." }
        @if !errors.is_empty() {
            div.lhc-alert role="alert" {
                h2.lhc-alert__title { "Check these fields" }
                ul {
                    @for name in LINK_FIELDS {
                        @if let Some(message) = errors.get(name) {
                            li { a href={ "#" (name) } { (message) } }
                        }
                    }
                }
            }
        }
        form.lhc-form method="post" action="/console/link/review" novalidate {
            input type="hidden" name="csrf" value=(csrf);
            // Enter in a field submits the form with its first submit button: this one, so it
            // goes on to the review, not to a plan builder button. The visible "Next" below
            // does the same for a mouse, a keyboard and a screen reader.
            button.lhc-default-submit type="submit" tabindex="-1" aria-hidden="true" { "Next" }
            (text_field(&Field { name: "owner_id", label: "Origin owner ID",
                hint: Some("The user's or company's id in your system, e.g. a UUID."),
                value: &v.owner_id, required: true }, "text", errors))
            (text_field(&Field { name: "owner_name", label: "Origin owner name",
                hint: Some("The user's or company's name in your system."),
                value: &v.owner_name, required: true }, "text", errors))
            (text_field(&Field { name: "username", label: "Origin username",
                hint: Some("Who will connect, e.g. an email address."),
                value: &v.username, required: false }, "text", errors))
            @let cat_error = errors.get("category");
            div.lhc-form__field.lhc-form__field--invalid[cat_error.is_some()] {
                label for="category" { "Category" span.lhc-form__optional { " (optional)" } }
                p.lhc-form__hint #category-hint { "Only show connectors of this category." }
                @if let Some(e) = cat_error { p.lhc-form__error #category-error { (e) } }
                select #category name="category"
                    aria-invalid=[cat_error.map(|_| "true")]
                    aria-describedby=(if cat_error.is_some() { "category-hint category-error" } else { "category-hint" }) {
                    option value="" selected[v.category.is_empty()] { "All categories" }
                    @for (key, count) in categories {
                        option value=(key) selected[v.category == *key] {
                            (category_label(key)) " (" (count) ")"
                        }
                    }
                }
            }
            (text_field(&Field { name: "expires_days", label: "Expires after (days)",
                hint: Some("From 1 to 90 days; 30 if left empty."),
                value: &v.expires_days, required: false }, "number", errors))
            (plan_builder(&v.steps(), categories, connectors, errors.get("steps")))
            button.lhc-button #next type="submit" { "Next" }
        }
    };
    layout("Link account", Section::Link, Some(csrf), false, main)
}

/// Step 2: what will be created.
pub fn link_review(csrf: &str, v: &LinkValues, days: i64, catalog: &Catalog) -> Markup {
    let steps: Vec<StepValues> = v
        .steps()
        .into_iter()
        .filter(|s| !s.target.is_empty())
        .collect();
    let main = html! {
        h1 { "Review the auth link" }
        p { "Generating makes a connect session with these details and an auth link to it." }
        dl.lhc-details {
            dt { "Origin owner ID" } dd { (v.owner_id) }
            dt { "Origin owner name" } dd { (v.owner_name) }
            dt { "Origin username" } dd { @if v.username.is_empty() { "(none)" } @else { (v.username) } }
            dt { "Connectors shown" } dd {
                @if v.category.is_empty() { "All active connectors" }
                @else { "Only the " (category_label(&v.category)) " category" }
            }
            dt { "Expires" } dd { (days) @if days == 1 { " day" } @else { " days" } " after it is generated" }
            dt { "Onboarding plan" } dd {
                @if steps.is_empty() { "(none)" }
                @else {
                    ol {
                        @for s in &steps {
                            li {
                                (step_target_label(catalog, &s.target))
                                @if !s.label.trim().is_empty() { " — “" (s.label.trim()) "”" }
                                @if s.optional { " (optional)" }
                            }
                        }
                    }
                }
            }
        }
        form.lhc-form.lhc-form--actions method="post" action="/console/link/generate" {
            input type="hidden" name="csrf" value=(csrf);
            (hidden_link_values(v))
            button.lhc-button type="submit" { "Generate" }
            button.lhc-button.lhc-button--quiet type="submit" formaction="/console/link" { "Edit" }
        }
    };
    layout(
        "Review the auth link",
        Section::Link,
        Some(csrf),
        false,
        main,
    )
}

/// Step 3: the link, to copy and send.
pub fn link_result(csrf: &str, v: &LinkValues, link: &str, expires_at: i64) -> Markup {
    let main = html! {
        h1 { "Auth link ready" }
        p { "Send this link to " strong { (v.owner_name) } ". Anyone with the link can connect an "
            "account for this owner until it expires, so send it only to them." }
        div.lhc-form__field {
            label for="auth-link" { "Auth link" }
            div.lhc-copy {
                input #auth-link .lhc-copy__value type="text" readonly value=(link)
                    aria-describedby="auth-link-expiry";
                button.lhc-button #copy-link type="button" hidden
                    data-copy-target="auth-link" data-copy-status="copy-status" { "Copy link" }
            }
            p.lhc-form__hint #auth-link-expiry { "Expires on " (when(expires_at)) "." }
            p.lhc-copy__status #copy-status role="status" {}
        }
        p { a href="/console/link" { "Make another link" } " · " a href="/console/accounts" { "See linked accounts" } }
    };
    layout("Auth link ready", Section::Link, Some(csrf), true, main)
}

/// The accounts filter, as given in the query string.
#[derive(Debug, Clone, Default)]
pub struct AccountFilterView<'a> {
    pub owner_id: &'a str,
    pub provider: &'a str,
    pub status: &'a str,
}

/// The list of linked accounts, with filters.
pub fn accounts(
    csrf: &str,
    catalog: &Catalog,
    filter: &AccountFilterView<'_>,
    rows: &[AccountRow],
    handoffs: &Handoffs,
    error: Option<&str>,
) -> Markup {
    let mut providers: Vec<(&str, &str)> = catalog
        .connectors
        .iter()
        .map(|c| (c.key.as_str(), c.summary.name.as_str()))
        .collect();
    providers.sort_by_key(|(_, name)| name.to_lowercase());
    let filtered =
        !(filter.owner_id.is_empty() && filter.provider.is_empty() && filter.status.is_empty());
    let main = html! {
        h1 { "Accounts" }
        form.lhc-filters method="get" action="/console/accounts" role="search" aria-label="Filter accounts" {
            div.lhc-form__field {
                label for="owner_id" { "Origin owner ID" }
                input #owner_id type="text" name="owner_id" value=(filter.owner_id) autocomplete="off" spellcheck="false";
            }
            div.lhc-form__field {
                label for="provider" { "Provider" }
                select #provider name="provider" {
                    option value="" selected[filter.provider.is_empty()] { "Any provider" }
                    @for (key, name) in &providers {
                        option value=(key) selected[filter.provider == *key] { (name) }
                    }
                }
            }
            div.lhc-form__field {
                label for="status" { "Status" }
                select #status name="status" aria-invalid=[error.map(|_| "true")] {
                    option value="" selected[filter.status.is_empty()] { "Any status" }
                    @for s in ["active", "inactive", "error"] {
                        option value=(s) selected[filter.status == s] { (s) }
                    }
                }
            }
            div.lhc-filters__actions {
                button.lhc-button type="submit" { "Filter" }
                @if filtered { a href="/console/accounts" { "Clear filters" } }
            }
        }
        @if let Some(error) = error {
            div.lhc-alert role="alert" { p { (error) } }
        }
        table.lhc-table {
            caption {
                "Linked accounts"
                @if filtered { " matching the filters" }
                " (" (rows.len()) ")"
            }
            thead {
                tr {
                    th scope="col" { "Provider" }
                    th scope="col" { "Origin owner ID" }
                    th scope="col" { "Origin owner name" }
                    th scope="col" { "Origin username" }
                    th scope="col" { "Status" }
                    th scope="col" { "Created" }
                }
            }
            tbody {
                @for a in rows {
                    tr {
                        th scope="row" {
                            a href={ "/console/accounts/" (a.id) } { (provider_name(catalog, &a.provider)) }
                            @if let Some(h) = a.handoff_id.as_ref().and_then(|id| handoffs.get(id)) {
                                br; span.lhc-handoff { (via_handoff(h)) }
                            }
                        }
                        td { (a.origin_owner_id) }
                        td { (a.origin_owner_name) }
                        td { @if let Some(u) = &a.origin_username { (u) } }
                        td { span class={ "lhc-status lhc-status--" (a.status.as_str()) } { (a.status.as_str()) } }
                        td { (when(a.created_at)) }
                    }
                }
                @if rows.is_empty() {
                    tr { td colspan="6" {
                        @if filtered { "No linked account matches these filters." }
                        @else { "No account is linked yet. " a href="/console/link" { "Make an auth link" } " to get started." }
                    } }
                }
            }
        }
    };
    layout("Accounts", Section::Accounts, Some(csrf), false, main)
}

/// One account (never its secrets) and the webhook deliveries about it.
pub fn account(
    csrf: &str,
    catalog: &Catalog,
    a: &AccountRow,
    deliveries: &[DeliveryRow],
    handoff: Option<&HandoffRow>,
) -> Markup {
    let name = provider_name(catalog, &a.provider);
    let main = html! {
        p { a href="/console/accounts" { "← All accounts" } }
        h1 { (name) " account of " (a.origin_owner_name) }
        dl.lhc-details {
            dt { "Account ID" } dd { code { (a.id) } }
            dt { "Provider" } dd { (name) " (" code { (a.provider) } ")" }
            dt { "Integration ID" } dd { code { (a.integration_id) } }
            dt { "Status" } dd {
                span class={ "lhc-status lhc-status--" (a.status.as_str()) } { (a.status.as_str()) }
                @if !a.status_reasons.is_empty() { " — " (status_reasons(&a.status_reasons)) }
            }
            dt { "Origin owner ID" } dd { (a.origin_owner_id) }
            dt { "Origin owner name" } dd { (a.origin_owner_name) }
            dt { "Origin username" } dd { @if let Some(u) = &a.origin_username { (u) } @else { "(none)" } }
            @if let Some(label) = &a.label { dt { "Label" } dd { (label) } }
            @if let Some(h) = handoff {
                dt { "Linked" } dd { (via_handoff(h)) " (hand-off " code { (h.id) } ", made " (when(h.created_at)) ")" }
            }
            @for (key, value) in &a.setup_information {
                dt { "Setting " code { (key) } } dd { (value) }
            }
            @if !a.secrets.is_empty() {
                dt { "Credentials" } dd {
                    "Stored encrypted, never shown: "
                    @for (i, key) in a.secrets.keys().enumerate() {
                        @if i > 0 { ", " } code { (key) }
                    }
                }
            }
            @if let Some(m) = &a.metadata { dt { "Metadata" } dd { code { (m.to_string()) } } }
            dt { "Version" } dd { (a.version) }
            dt { "Created" } dd { (when(a.created_at)) }
            dt { "Updated" } dd { (when(a.updated_at)) }
        }
        table.lhc-table {
            caption { "Webhook deliveries (" (deliveries.len()) ")" }
            thead {
                tr {
                    th scope="col" { "Event" }
                    th scope="col" { "Status" }
                    th scope="col" { "Attempts" }
                    th scope="col" { "Last status code" }
                    th scope="col" { "Last error" }
                    th scope="col" { "Created" }
                    th scope="col" { "Delivered" }
                }
            }
            tbody {
                @for d in deliveries {
                    tr {
                        th scope="row" { code { (d.event_type) } }
                        td { span class={ "lhc-status lhc-status--" (d.status) } { (d.status) }
                            @if d.status == "pending" && d.attempts > 0 {
                                " (retry at " (when(d.next_attempt_ms / 1000)) ")"
                            }
                        }
                        td { (d.attempts) }
                        td { @if let Some(c) = d.last_status_code { (c) } }
                        td { @if let Some(e) = &d.last_error { (e) } }
                        td { (when(d.created_at)) }
                        td { @if let Some(t) = d.delivered_at { (when(t)) } }
                    }
                }
                @if deliveries.is_empty() {
                    tr { td colspan="7" { "No webhook event about this account." } }
                }
            }
        }
    };
    layout(
        &format!("{name} account"),
        Section::Accounts,
        Some(csrf),
        false,
        main,
    )
}

/// A page for a refused or failed request.
pub fn message(title: &str, text: &str, csrf: Option<&str>) -> Markup {
    let main = html! {
        h1 { (title) }
        p { (text) }
        p {
            @if csrf.is_some() { a href="/console/link" { "Back to the console" } }
            @else { a href="/console" { "Sign in" } }
        }
    };
    layout(title, Section::SignIn, csrf, false, main)
}

/// "via hand-off from <session> (<owner>, <username>)".
fn via_handoff(h: &HandoffRow) -> Markup {
    html! {
        "via hand-off from " code { (h.from_session_id) } " ("
        (h.from_owner_name)
        @if let Some(u) = &h.from_username { ", " (u) }
        ")"
    }
}

fn provider_name<'a>(catalog: &'a Catalog, key: &'a str) -> &'a str {
    catalog
        .by_provider(key)
        .map_or(key, |c| c.summary.name.as_str())
}

/// A category key as people write it.
pub fn category_label(key: &str) -> String {
    match key {
        "hris" => "HRIS".into(),
        "ats" => "ATS".into(),
        "crm" => "CRM".into(),
        "iam" => "IAM".into(),
        "lms" => "LMS".into(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// A time, readable and machine-readable.
fn when(secs: i64) -> Markup {
    let shown = time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default();
    html! { time datetime=(rfc3339(secs)) { (shown) } }
}

/// The reasons an account is not active, each by its description (else its code).
fn status_reasons(reasons: &[linkhub_protocol::api::StatusReason]) -> String {
    reasons
        .iter()
        .filter_map(|r| r.description.as_deref().or(r.code.as_deref()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_is_escaped() {
        let v = LinkValues {
            owner_id: "<script>alert(1)</script>".into(),
            owner_name: "\"><img src=x onerror=alert(1)>".into(),
            ..LinkValues::default()
        };
        let catalog = Catalog::default();
        let page = link_review("tok", &v, 30, &catalog).into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<img src=x"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
    }

    #[test]
    fn every_control_has_a_label_and_there_is_no_inline_code() {
        let categories = Categories::from([("hris".to_string(), 2)]);
        let connectors = vec![("dagster".to_string(), "Dagster".to_string())];
        let mut with_steps = LinkValues::default();
        with_steps.set_steps(&[
            StepValues {
                target: "category:hris".into(),
                ..StepValues::default()
            },
            StepValues {
                target: "provider:dagster".into(),
                optional: true,
                label: "Data".into(),
            },
        ]);
        let pages = [
            sign_in("tok", Some("bad key")).into_string(),
            link_form(
                "tok",
                &LinkValues::default(),
                &categories,
                &ConnectorChoices::new(),
                &FieldErrors::new(),
            )
            .into_string(),
            link_form(
                "tok",
                &with_steps,
                &categories,
                &connectors,
                &FieldErrors::new(),
            )
            .into_string(),
            link_result("tok", &LinkValues::default(), "http://x/link#token=t", 0).into_string(),
        ];
        for page in &pages {
            for chunk in page
                .split("<input")
                .skip(1)
                .chain(page.split("<select").skip(1))
            {
                let tag = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
                if tag.contains("type=\"hidden\"") {
                    continue;
                }
                let id = tag
                    .split("id=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or_else(|| panic!("control without id: {tag}"));
                assert!(page.contains(&format!("for=\"{id}\"")), "no label for {id}");
            }
            assert!(!page.contains("<style"), "{page}");
            assert!(!page.contains(" style="), "{page}");
            assert!(!page.contains("<script>"), "{page}");
            assert!(!page.contains("onclick=") && !page.contains("javascript:"));
        }
    }

    #[test]
    fn category_labels() {
        assert_eq!(category_label("hris"), "HRIS");
        assert_eq!(category_label("ticketing"), "Ticketing");
    }
}
