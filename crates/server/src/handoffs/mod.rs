//! Extension: hand-off links (`POST /hub/handoffs`). A user who lacks a step's
//! credentials hands it to a colleague: a new connect session for the same owner (same
//! name, username, metadata and plan), limited to that one provider, with its own auth
//! link. A session makes at most [`MAX_HANDOFFS_PER_SESSION`]; a hand-off session makes
//! none. The account linked through it is marked (`via_handoff`), and the console shows who
//! made the hand-off.

pub mod store;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::store::HandoffRow;
use crate::auth::HubSession;
use crate::clock::{now, rfc3339};
use crate::connectors::visible;
use crate::crypto;
use crate::db::Written;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::sessions::{self, store::Session};
use crate::state::AppState;
use linkhub_protocol::hub::ErrorBody;
use linkhub_protocol::onboarding::{
    CreateHandoff, DEFAULT_HANDOFF_EXPIRES_IN, Handoff, MAX_HANDOFF_EXPIRES_IN,
    MAX_HANDOFFS_PER_SESSION, error_code,
};

/// The feature's routes (session token).
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    crate::cors::hub(OpenApiRouter::new().routes(routes!(create_handoff)), state)
}

fn refused(field: &str, message: &str) -> ApiError {
    ApiError::Fields {
        message: "Invalid hand-off request".into(),
        fields: [(field.to_string(), message.to_string())].into(),
    }
}

fn limit_reached() -> ApiError {
    ApiError::Coded {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: error_code::HANDOFF_LIMIT,
        message: format!(
            "This session has made its {MAX_HANDOFFS_PER_SESSION} hand-off links, the most \
             one session may make"
        ),
    }
}

/// Whether `session` may hand `provider` off: a connector it may link, or one that
/// satisfies a step of its plan.
fn may_hand_off(state: &AppState, session: &Session, provider: &str) -> bool {
    let Some(c) = state
        .catalog
        .by_provider(provider)
        .filter(|c| c.summary.active)
    else {
        return false;
    };
    let in_plan = session.onboarding.as_ref().is_some_and(|steps| {
        steps.iter().any(|s| {
            s.provider.as_deref() == Some(provider)
                || s.category.as_deref() == Some(c.summary.category.as_str())
        })
    });
    in_plan || (session.account_id.is_none() && visible(session, c))
}

#[utoipa::path(post, path = "/hub/handoffs", tag = "hub", request_body = CreateHandoff,
    params(("x-hub-session-token" = String, Header, description = "Session token")),
    responses((status = 201, body = Handoff),
        (status = 400, body = ErrorBody, description = "A provider the session may not hand off, or a hand-off session"),
        (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "The session made its last hand-off link (`code: handoff_limit_reached`)")))]
pub async fn create_handoff(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    ApiJson(req): ApiJson<CreateHandoff>,
) -> ApiResult<(StatusCode, Json<Handoff>)> {
    if session.handoff_id.is_some() {
        return Err(ApiError::bad_request(
            "A hand-off link cannot make further hand-off links",
        ));
    }
    let provider = req.provider.trim().to_string();
    if !may_hand_off(&state, &session, &provider) {
        return Err(refused(
            "provider",
            "Not a connector this session may link or its plan names",
        ));
    }
    let expires_in = req.expires_in.unwrap_or(DEFAULT_HANDOFF_EXPIRES_IN);
    if !(1..=MAX_HANDOFF_EXPIRES_IN).contains(&expires_in) {
        return Err(refused(
            "expires_in",
            &format!("Must be between 1 and {MAX_HANDOFF_EXPIRES_IN} seconds"),
        ));
    }
    let max = i64::from(MAX_HANDOFFS_PER_SESSION);
    // A few tries: a concurrent hand-off of the same session may take the number counted.
    for _ in 0..3 {
        let made = store::count_from(&state.db, &session.id).await?;
        if made >= max {
            return Err(limit_reached());
        }
        let created_at = now();
        let handoff_id = format!("hof_{}", uuid::Uuid::new_v4().simple());
        let token = crypto::new_session_token();
        let token_hash = crypto::sha256_hex(&token);
        let colleague = Session {
            id: format!("ses_{}", uuid::Uuid::new_v4().simple()),
            project_id: session.project_id.clone(),
            origin_owner_id: session.origin_owner_id.clone(),
            origin_owner_name: session.origin_owner_name.clone(),
            origin_username: session.origin_username.clone(),
            categories: None,
            provider: Some(provider.clone()),
            account_id: None,
            label: session.label.clone(),
            metadata: session.metadata.clone(),
            multiple: session.multiple,
            scopes: session.scopes.clone(),
            relink: session.relink,
            shared: session.shared,
            onboarding: session.onboarding.clone(),
            plan_id: session.plan_id.clone(),
            handoff_id: Some(handoff_id.clone()),
            created_at,
            expires_at: created_at + expires_in,
        };
        let row = HandoffRow {
            id: handoff_id,
            project_id: session.project_id.clone(),
            origin_owner_id: session.origin_owner_id.clone(),
            provider: provider.clone(),
            from_session_id: session.id.clone(),
            seq: made + 1,
            from_owner_name: session.origin_owner_name.clone(),
            from_username: session.origin_username.clone(),
            session_id: colleague.id.clone(),
            created_at,
            expires_at: colleague.expires_at,
            used_at: None,
            account_id: None,
        };
        let w = store::insert(&row, max).then(sessions::insert_with_plan(&colleague, &token_hash));
        match state.db.write(w).await? {
            Written::Done(_) => {
                state.sessions.put(token_hash, colleague.clone());
                tracing::info!(handoff = %row.id, from = %session.id, "hand-off link made");
                return Ok((
                    StatusCode::CREATED,
                    Json(Handoff {
                        id: row.id,
                        provider,
                        auth_link_url: sessions::auth_link(&state.settings.public_url, &token)
                            .into(),
                        created_at: rfc3339(created_at),
                        expires_at: rfc3339(colleague.expires_at),
                        remaining: u32::try_from(max - row.seq).unwrap_or(0),
                    }),
                ));
            }
            Written::Refused(_) => continue,
        }
    }
    Err(limit_reached())
}
