//! The operator console at `/console`: server-rendered pages, signed in with the project
//! API key, to make auth links ("Link account") and to see linked accounts and the
//! webhook deliveries about them.
//!
//! Pages work without JavaScript; `console.js` only adds the copy button. Every response
//! carries a strict Content-Security-Policy (scripts and styles from this origin only, no
//! framing), `no-store` and `no-referrer`.

pub mod auth;
pub mod store;
pub mod views;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::Deserialize;

use self::auth::{Operator, SESSION_COOKIE, SESSION_TTL_SECS, SIGN_IN_COOKIE, SIGN_IN_TTL_SECS};
use self::views::{AccountFilterView, FieldErrors};
use crate::accounts;
use crate::catalog::Catalog;
use crate::crypto;
use crate::error::ApiError;
use crate::handoffs::{self, store::HandoffRow};
use crate::sessions::{self, MAX_EXPIRES_IN};
use crate::state::AppState;
use crate::webhooks;
use linkhub_protocol::api::{AccountStatus, CreateConnectSession};
use linkhub_protocol::onboarding::{MAX_STEPS, OnboardingStep};

/// Where the style sheet is served.
pub const ASSET_CSS: &str = "/console/static/console.css";
/// Where the copy-button script is served.
pub const ASSET_JS: &str = "/console/static/console.js";

const CSS: &str = include_str!("console.css");
const JS: &str = include_str!("console.js");

/// The console's Content-Security-Policy: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Lifetime of an auth link made in the console unless the operator says otherwise.
pub const DEFAULT_LINK_DAYS: i64 = 30;

/// The console's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(sign_in_page).post(sign_in))
        .route("/console/sign-out", post(sign_out))
        .route("/console/link", get(link_page).post(link_edit))
        .route("/console/link/review", post(link_review))
        .route("/console/link/generate", post(link_generate))
        .route("/console/accounts", get(accounts))
        .route("/console/accounts/{id}", get(account))
        .route("/console/static/{file}", get(asset))
        .route("/console/{*rest}", get(not_found))
        .layer(middleware::from_fn(refuse_nul))
        .layer(middleware::from_fn(policy_headers))
}

/// What a console request can end in besides its page.
#[derive(Debug)]
pub enum ConsoleError {
    /// Not signed in (or the session ended): to the sign-in page.
    SignIn,
    /// A form without this session's CSRF token.
    Csrf,
    NotFound,
    BadRequest(String),
    Internal(ApiError),
}

impl From<ApiError> for ConsoleError {
    fn from(e: ApiError) -> ConsoleError {
        ConsoleError::Internal(e)
    }
}

impl From<sqlx::Error> for ConsoleError {
    fn from(e: sqlx::Error) -> ConsoleError {
        ConsoleError::Internal(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            ConsoleError::SignIn => return Redirect::to("/console").into_response(),
            ConsoleError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form refused",
                "This form did not come from your console session, or the session has \
                 changed since it was shown. Go back, reload the page and submit it again."
                    .to_string(),
            ),
            ConsoleError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such page or account.".to_string(),
            ),
            ConsoleError::BadRequest(text) => (StatusCode::BAD_REQUEST, "Bad request", text),
            ConsoleError::Internal(e) => {
                if let ApiError::Internal(cause) = &e {
                    tracing::error!(%cause, "console request failed");
                }
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not complete this request; the details are in its log."
                        .to_string(),
                )
            }
        };
        page(status, views::message(title, &text, None))
    }
}

type ConsoleResult<T = Response> = Result<T, ConsoleError>;

fn page(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// U+0000 in a path names no page (404); in a query value or a form it is a 400 page.
/// PostgreSQL cannot store the character, so both databases answer alike.
async fn refuse_nul(req: Request, next: Next) -> Response {
    match crate::error::nul_in_uri(req.uri()) {
        None => next.run(req).await,
        Some(crate::error::NulInUri::Path) => ConsoleError::NotFound.into_response(),
        Some(crate::error::NulInUri::Query(name)) => ConsoleError::BadRequest(format!(
            "The filter '{name}' contains the NUL character (U+0000), which no value can hold."
        ))
        .into_response(),
    }
}

/// Adds the console's policy headers to every response (handlers may set their own cache).
async fn policy_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A url-encoded form body; a body that is not one is a 400 page, not JSON.
struct ConsoleForm<T>(T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for ConsoleForm<T> {
    type Rejection = ConsoleError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ConsoleError> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, crate::app::BODY_LIMIT)
            .await
            .map_err(|_| ConsoleError::BadRequest("The form could not be read.".into()))?;
        // A url-encoded form can only carry U+0000 as `%00`.
        if url::form_urlencoded::parse(&bytes).any(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(ConsoleError::BadRequest(
                "A value of the form contains the NUL character (U+0000), which no value can \
                 hold."
                    .into(),
            ));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| ConsoleForm(f.0))
            .map_err(|_| ConsoleError::BadRequest("The form could not be read.".into()))
    }
}

// ---------------------------------------------------------------- sign-in

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SignInForm {
    csrf: String,
    api_key: String,
}

async fn sign_in_page(State(state): State<AppState>, req: Request) -> ConsoleResult {
    if auth::operator(req.headers(), &state).await?.is_some() {
        return Ok(Redirect::to("/console/link").into_response());
    }
    let token = crypto::random_token(24);
    let mut response = page(StatusCode::OK, views::sign_in(&token, None));
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SIGN_IN_COOKIE, &token, SIGN_IN_TTL_SECS),
    );
    Ok(response)
}

async fn sign_in(State(state): State<AppState>, req: Request) -> ConsoleResult {
    let expected = auth::cookie(req.headers(), SIGN_IN_COOKIE).map(str::to_owned);
    let ConsoleForm(form) = ConsoleForm::<SignInForm>::from_request(req, &state).await?;
    // Before there is a session, the form's token must match the cookie set with it.
    if !expected.is_some_and(|e| !form.csrf.is_empty() && crypto::constant_time_eq(&e, &form.csrf))
    {
        return Err(ConsoleError::Csrf);
    }
    if !auth::is_project_key(&state, &form.api_key) {
        // A pause per failure makes guessing slower (keys are 256-bit; this is for noise).
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        tracing::warn!("console sign-in with a wrong API key");
        let message = if form.api_key.trim().is_empty() {
            "Enter the project API key."
        } else {
            "That API key is not this project's key. Use the key printed when the project \
             was created (or the one set with --api-key / LINKHUB_API_KEY)."
        };
        return Ok(page(
            StatusCode::UNAUTHORIZED,
            views::sign_in(&form.csrf, Some(message)),
        ));
    }
    let token = auth::start_session(&state).await?;
    let mut response = Redirect::to("/console/link").into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, &token, SESSION_TTL_SECS),
    );
    h.append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SIGN_IN_COOKIE, "", 0),
    );
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    operator: Operator,
    ConsoleForm(form): ConsoleForm<CsrfForm>,
) -> ConsoleResult {
    operator.check_csrf(&form.csrf)?;
    operator.sign_out(&state).await?;
    let mut response = Redirect::to("/console").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}

// ---------------------------------------------------------------- link account

/// The "Link account" form's values, as typed (carried through the review step).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LinkValues {
    csrf: String,
    pub owner_id: String,
    pub owner_name: String,
    pub username: String,
    pub category: String,
    pub expires_days: String,
    /// Extension: a button of the onboarding plan builder: `add`, `up:N`, `down:N` or
    /// `remove:N` (the form is shown again with the change made).
    pub step_action: String,
    /// The plan builder's rows as typed: `step{N}_target` (`provider:KEY` or
    /// `category:KEY`), `step{N}_optional`, `step{N}_label`; read with [`LinkValues::steps`].
    #[serde(flatten)]
    pub rows: BTreeMap<String, String>,
}

/// One row of the plan builder, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepValues {
    /// `provider:KEY`, `category:KEY`, or empty (a row not filled in).
    pub target: String,
    pub optional: bool,
    pub label: String,
}

impl StepValues {
    /// The step it asks for (`None` for a row not filled in, or a target of no known kind).
    fn step(&self) -> Option<OnboardingStep> {
        let (kind, key) = self.target.split_once(':')?;
        let label = self.label.trim();
        let mut step = OnboardingStep {
            optional: self.optional,
            label: (!label.is_empty()).then(|| label.to_string()),
            ..OnboardingStep::default()
        };
        match kind {
            "provider" => step.provider = Some(key.to_string()),
            "category" => step.category = Some(key.to_string()),
            _ => return None,
        }
        Some(step)
    }
}

impl LinkValues {
    /// The plan builder's rows, in order.
    pub fn steps(&self) -> Vec<StepValues> {
        (0..MAX_STEPS)
            .filter_map(|i| {
                let target = self.rows.get(&format!("step{i}_target"))?;
                Some(StepValues {
                    target: target.trim().to_string(),
                    optional: self
                        .rows
                        .get(&format!("step{i}_optional"))
                        .is_some_and(|v| !v.is_empty()),
                    label: self
                        .rows
                        .get(&format!("step{i}_label"))
                        .cloned()
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Replaces the plan builder's rows.
    pub fn set_steps(&mut self, steps: &[StepValues]) {
        self.rows.retain(|k, _| !k.starts_with("step"));
        for (i, s) in steps.iter().take(MAX_STEPS).enumerate() {
            self.rows
                .insert(format!("step{i}_target"), s.target.clone());
            if s.optional {
                self.rows.insert(format!("step{i}_optional"), "on".into());
            }
            self.rows.insert(format!("step{i}_label"), s.label.clone());
        }
    }

    /// Makes the change a plan builder button asks for.
    fn apply_step_action(&mut self) {
        let mut steps = self.steps();
        let action = std::mem::take(&mut self.step_action);
        let at = |n: &str| n.parse::<usize>().ok().filter(|&i| i < steps.len());
        match action.split_once(':') {
            None if action == "add" && steps.len() < MAX_STEPS => steps.push(StepValues::default()),
            Some(("up", n)) => {
                if let Some(i) = at(n).filter(|&i| i > 0) {
                    steps.swap(i - 1, i);
                }
            }
            Some(("down", n)) => {
                if let Some(i) = at(n).filter(|&i| i + 1 < steps.len()) {
                    steps.swap(i, i + 1);
                }
            }
            Some(("remove", n)) => {
                if let Some(i) = at(n) {
                    steps.remove(i);
                }
            }
            _ => {}
        }
        self.set_steps(&steps);
    }
}

/// Categories that have active connectors, with how many.
pub type Categories = BTreeMap<String, usize>;

fn active_categories(state: &AppState) -> Categories {
    let mut categories = Categories::new();
    for c in state.catalog.connectors.iter().filter(|c| c.summary.active) {
        *categories.entry(c.summary.category.clone()).or_default() += 1;
    }
    categories
}

/// What the form asks for, checked.
#[derive(Debug)]
struct LinkRequest {
    owner_id: String,
    owner_name: String,
    username: Option<String>,
    category: Option<String>,
    days: i64,
    /// The onboarding plan, if the operator made one.
    plan: Option<Vec<OnboardingStep>>,
}

/// What the plan builder offers: active connectors (key, name), by name.
pub type ConnectorChoices = Vec<(String, String)>;

fn connector_choices(state: &AppState) -> ConnectorChoices {
    let mut choices: ConnectorChoices = state
        .catalog
        .connectors
        .iter()
        .filter(|c| c.summary.active)
        .map(|c| (c.key.clone(), c.summary.name.clone()))
        .collect();
    choices.sort_by_key(|(_, name)| name.to_lowercase());
    choices
}

const MAX_TEXT: usize = 255;

fn check_link(
    v: &LinkValues,
    categories: &Categories,
    catalog: &Catalog,
) -> Result<LinkRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut text = |name: &'static str, label: &str, value: &str, required: bool| {
        let value = value.trim();
        if required && value.is_empty() {
            errors.insert(name, format!("Enter the {label}."));
        } else if value.chars().count() > MAX_TEXT {
            errors.insert(
                name,
                format!("The {label} is too long (at most {MAX_TEXT} characters)."),
            );
        }
        value.to_string()
    };
    let owner_id = text("owner_id", "origin owner ID", &v.owner_id, true);
    let owner_name = text("owner_name", "origin owner name", &v.owner_name, true);
    let username = text("username", "origin username", &v.username, false);
    let category = v.category.trim().to_string();
    if !category.is_empty() && !categories.contains_key(&category) {
        errors.insert(
            "category",
            "Choose a category from the list: this one has no active connector.".into(),
        );
    }
    let max_days = MAX_EXPIRES_IN / 86_400;
    let days = match v.expires_days.trim() {
        "" => DEFAULT_LINK_DAYS,
        d => match d.parse::<i64>() {
            Ok(n) if (1..=max_days).contains(&n) => n,
            _ => {
                errors.insert(
                    "expires_days",
                    format!("Enter a whole number of days from 1 to {max_days}."),
                );
                DEFAULT_LINK_DAYS
            }
        },
    };
    // Rows left empty are not steps; the rest is checked as POST /connect_sessions does.
    let rows: Vec<(usize, OnboardingStep)> = v
        .steps()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.step().map(|step| (i, step)))
        .collect();
    let plan = if rows.is_empty() {
        None
    } else {
        let steps: Vec<OnboardingStep> = rows.iter().map(|(_, s)| s.clone()).collect();
        match crate::onboarding::plan::check(catalog, &steps) {
            Ok(plan) => Some(plan.steps),
            Err(problems) => {
                // `onboarding[2]` (a plan index) → "step 3" (the builder's row number).
                let row_of = |index: &str| {
                    index
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| rows.get(n))
                        .map(|(row, _)| row + 1)
                };
                let message = problems
                    .iter()
                    .map(|(field, problem)| {
                        let step = field
                            .strip_prefix("onboarding[")
                            .and_then(|r| r.split(']').next())
                            .and_then(row_of)
                            .map(|n| format!("Step {n}: "))
                            .unwrap_or_default();
                        let problem = match problem.strip_prefix("Same as onboarding[") {
                            Some(rest) => rest
                                .split(']')
                                .next()
                                .and_then(row_of)
                                .map_or_else(|| problem.clone(), |n| format!("Same as step {n}")),
                            None => problem.clone(),
                        };
                        format!("{step}{problem}.")
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                errors.insert("steps", message);
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(LinkRequest {
        owner_id,
        owner_name,
        username: (!username.is_empty()).then_some(username),
        category: (!category.is_empty()).then_some(category),
        days,
        plan,
    })
}

async fn link_page(State(state): State<AppState>, operator: Operator) -> Response {
    let categories = active_categories(&state);
    page(
        StatusCode::OK,
        views::link_form(
            &operator.csrf,
            &LinkValues::default(),
            &categories,
            &connector_choices(&state),
            &FieldErrors::new(),
        ),
    )
}

/// "Edit" from the review step, or a plan builder button: the form again, filled in
/// (with the button's change made).
async fn link_edit(
    State(state): State<AppState>,
    operator: Operator,
    ConsoleForm(mut v): ConsoleForm<LinkValues>,
) -> ConsoleResult {
    operator.check_csrf(&v.csrf)?;
    v.apply_step_action();
    let categories = active_categories(&state);
    Ok(page(
        StatusCode::OK,
        views::link_form(
            &operator.csrf,
            &v,
            &categories,
            &connector_choices(&state),
            &FieldErrors::new(),
        ),
    ))
}

async fn link_review(
    State(state): State<AppState>,
    operator: Operator,
    ConsoleForm(v): ConsoleForm<LinkValues>,
) -> ConsoleResult {
    operator.check_csrf(&v.csrf)?;
    let categories = active_categories(&state);
    match check_link(&v, &categories, &state.catalog) {
        Ok(req) => Ok(page(
            StatusCode::OK,
            views::link_review(&operator.csrf, &v, req.days, &state.catalog),
        )),
        Err(errors) => Ok(page(
            StatusCode::BAD_REQUEST,
            views::link_form(
                &operator.csrf,
                &v,
                &categories,
                &connector_choices(&state),
                &errors,
            ),
        )),
    }
}

async fn link_generate(
    State(state): State<AppState>,
    operator: Operator,
    ConsoleForm(v): ConsoleForm<LinkValues>,
) -> ConsoleResult {
    operator.check_csrf(&v.csrf)?;
    let categories = active_categories(&state);
    let req = match check_link(&v, &categories, &state.catalog) {
        Ok(req) => req,
        Err(errors) => {
            return Ok(page(
                StatusCode::BAD_REQUEST,
                views::link_form(
                    &operator.csrf,
                    &v,
                    &categories,
                    &connector_choices(&state),
                    &errors,
                ),
            ));
        }
    };
    // Exactly what POST /connect_sessions does.
    let session = sessions::create_session(
        &state.db,
        Some(&state.sessions),
        &state.catalog,
        &state.project,
        &state.settings.public_url,
        CreateConnectSession {
            origin_owner_id: req.owner_id,
            origin_owner_name: req.owner_name,
            origin_username: req.username,
            categories: req.category.map(|c| vec![c]),
            provider: None,
            account_id: None,
            expires_in: Some(req.days * 86_400),
            onboarding: req.plan,
            ..CreateConnectSession::default()
        },
    )
    .await
    .map_err(|e| match e {
        ApiError::Internal(_) => ConsoleError::Internal(e),
        other => ConsoleError::BadRequest(other.body().message),
    })?;
    let expires_at = time::OffsetDateTime::parse(
        &session.expires_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(time::OffsetDateTime::unix_timestamp)
    .unwrap_or_default();
    tracing::info!(session = %session.id, "console made an auth link");
    Ok(page(
        StatusCode::OK,
        views::link_result(
            &operator.csrf,
            &v,
            session.auth_link_url.expose(),
            expires_at,
        ),
    ))
}

// ---------------------------------------------------------------- accounts

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AccountQuery {
    owner_id: String,
    provider: String,
    status: String,
}

async fn accounts(
    State(state): State<AppState>,
    operator: Operator,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> ConsoleResult {
    let q: AccountQuery = serde_urlencoded_query(query.as_deref().unwrap_or_default())?;
    let filter = AccountFilterView {
        owner_id: q.owner_id.trim(),
        provider: q.provider.trim(),
        status: q.status.trim(),
    };
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    if !filter.status.is_empty() && filter.status.parse::<AccountStatus>().is_err() {
        let message = "Unknown status: choose active, inactive or error.";
        return Ok(page(
            StatusCode::BAD_REQUEST,
            views::accounts(
                &operator.csrf,
                &state.catalog,
                &filter,
                &[],
                &Handoffs::new(),
                Some(message),
            ),
        ));
    }
    let rows = accounts::store::list(
        &state.db,
        &state.project.id,
        non_empty(filter.owner_id).as_deref(),
        non_empty(filter.provider).as_deref(),
        non_empty(filter.status).as_deref(),
    )
    .await?;
    let handoffs = handoffs_of(&state, &rows).await?;
    Ok(page(
        StatusCode::OK,
        views::accounts(
            &operator.csrf,
            &state.catalog,
            &filter,
            &rows,
            &handoffs,
            None,
        ),
    ))
}

/// The hand-off links these accounts came through, by id.
pub type Handoffs = BTreeMap<String, HandoffRow>;

async fn handoffs_of(
    state: &AppState,
    rows: &[accounts::store::AccountRow],
) -> ConsoleResult<Handoffs> {
    let ids: Vec<String> = rows.iter().filter_map(|a| a.handoff_id.clone()).collect();
    Ok(handoffs::store::by_ids(&state.db, &state.project.id, &ids)
        .await?
        .into_iter()
        .map(|h| (h.id.clone(), h))
        .collect())
}

fn serde_urlencoded_query<T: serde::de::DeserializeOwned>(query: &str) -> ConsoleResult<T> {
    let uri = format!("/?{query}")
        .parse()
        .map_err(|_| ConsoleError::BadRequest("The address is malformed.".into()))?;
    axum::extract::Query::<T>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|_| ConsoleError::BadRequest("The filters could not be read.".into()))
}

async fn account(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
) -> ConsoleResult {
    let account = accounts::store::by_id(&state.db, &state.project.id, &id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let deliveries = webhooks::store::for_account(&state.db, &state.project.id, &id).await?;
    let handoffs = handoffs_of(&state, std::slice::from_ref(&account)).await?;
    Ok(page(
        StatusCode::OK,
        views::account(
            &operator.csrf,
            &state.catalog,
            &account,
            &deliveries,
            handoffs.values().next(),
        ),
    ))
}

// ---------------------------------------------------------------- assets

async fn asset(Path(file): Path<String>) -> ConsoleResult {
    let (body, content_type) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return Err(ConsoleError::NotFound),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response())
}

async fn not_found() -> ConsoleError {
    ConsoleError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(owner_id: &str, owner_name: &str, days: &str, category: &str) -> LinkValues {
        LinkValues {
            owner_id: owner_id.into(),
            owner_name: owner_name.into(),
            expires_days: days.into(),
            category: category.into(),
            ..LinkValues::default()
        }
    }

    #[test]
    fn link_form_checks_each_field() {
        let cats = Categories::from([("hris".to_string(), 1)]);
        let ok = check_link(
            &values(" 42 ", "Acme", "", "hris"),
            &cats,
            &Catalog::default(),
        )
        .expect("valid");
        assert_eq!(ok.owner_id, "42");
        assert_eq!(ok.days, DEFAULT_LINK_DAYS);
        assert_eq!(ok.category.as_deref(), Some("hris"));
        assert_eq!(ok.username, None);
        let errors = check_link(&values("", " ", "0", "crm"), &cats, &Catalog::default())
            .expect_err("invalid");
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["category", "expires_days", "owner_id", "owner_name"]
        );
        assert!(check_link(&values("1", "A", "91", ""), &cats, &Catalog::default()).is_err());
        assert_eq!(
            check_link(&values("1", "A", "90", ""), &cats, &Catalog::default())
                .expect("90 days")
                .days,
            90
        );
    }

    fn test_catalog() -> Catalog {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog");
        Catalog::load(&dir).expect("test catalog")
    }

    fn row(target: &str, optional: bool, label: &str) -> StepValues {
        StepValues {
            target: target.into(),
            optional,
            label: label.into(),
        }
    }

    #[test]
    fn the_plan_builder_adds_moves_and_removes_steps() {
        let mut v = values("1", "A", "", "");
        v.set_steps(&[
            row("category:hris", false, ""),
            row("provider:docsign", true, "Docs"),
        ]);
        v.step_action = "up:1".into();
        v.apply_step_action();
        assert_eq!(
            v.steps(),
            [
                row("provider:docsign", true, "Docs"),
                row("category:hris", false, "")
            ]
        );
        v.step_action = "up:0".into();
        v.apply_step_action();
        assert_eq!(
            v.steps()[0].target,
            "provider:docsign",
            "the first stays first"
        );
        v.step_action = "add".into();
        v.apply_step_action();
        assert_eq!(v.steps().len(), 3);
        assert_eq!(v.steps()[2], StepValues::default());
        v.step_action = "remove:0".into();
        v.apply_step_action();
        assert_eq!(
            v.steps(),
            [row("category:hris", false, ""), StepValues::default()]
        );
        v.step_action = "down:5".into();
        v.apply_step_action();
        assert_eq!(v.steps().len(), 2, "an unknown row changes nothing");
        assert!(v.step_action.is_empty());
    }

    #[test]
    fn the_plan_is_checked_against_the_catalog_row_by_row() {
        let cats = Categories::from([("hris".to_string(), 1)]);
        let catalog = test_catalog();
        let mut v = values("1", "A", "", "");
        // An empty row is ignored; the others make the plan, in order.
        v.set_steps(&[
            row("category:hris", false, ""),
            row("", false, ""),
            row("provider:docsign", true, " Docs "),
        ]);
        let plan = check_link(&v, &cats, &catalog)
            .expect("valid")
            .plan
            .expect("plan");
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].category.as_deref(), Some("hris"));
        assert_eq!(plan[1].provider.as_deref(), Some("docsign"));
        assert!(plan[1].optional);
        assert_eq!(plan[1].label.as_deref(), Some("Docs"));
        // A problem names the builder's row.
        v.set_steps(&[
            row("category:hris", false, ""),
            row("", false, ""),
            row("provider:legacy", false, ""),
        ]);
        let errors = check_link(&v, &cats, &catalog).expect_err("inactive");
        assert!(errors["steps"].starts_with("Step 3: "), "{errors:?}");
        assert!(
            check_link(&values("1", "A", "", ""), &cats, &catalog)
                .expect("no plan")
                .plan
                .is_none()
        );
    }
}
