//! Extension: onboarding plans. A connect session may carry a plan (checked by [`plan`]);
//! its progress is kept per project, owner and plan ([`store`]) and derived from the
//! owner's accounts ([`progress`]). The widget reads it (`GET /hub/onboarding`) and skips
//! optional steps or takes them up again (`PATCH /hub/onboarding/steps/{index}`).

pub mod plan;
pub mod progress;
pub mod store;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::HubSession;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::sessions::store::Session;
use crate::state::AppState;
use linkhub_protocol::hub::ErrorBody;
use linkhub_protocol::onboarding::{OnboardingProgress, StepUpdate};

/// The feature's routes (session token).
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    crate::cors::hub(
        OpenApiRouter::new()
            .routes(routes!(get_onboarding))
            .routes(routes!(update_step)),
        state,
    )
}

/// The progress of the session's plan, completion recorded if due (and the webhook worker
/// woken for it).
pub async fn session_progress(
    state: &AppState,
    session: &Session,
) -> ApiResult<Option<OnboardingProgress>> {
    let (progress, queued) = progress::for_session(&state.db, &state.catalog, session).await?;
    if queued {
        state.webhook_wake.notify_one();
    }
    Ok(progress)
}

fn no_plan() -> ApiError {
    ApiError::not_found("This connect session has no onboarding plan")
}

#[utoipa::path(get, path = "/hub/onboarding", tag = "hub",
    params(("x-hub-session-token" = String, Header, description = "Session token")),
    responses((status = 200, body = OnboardingProgress), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "The session has no plan")))]
pub async fn get_onboarding(
    State(state): State<AppState>,
    HubSession(session): HubSession,
) -> ApiResult<Json<OnboardingProgress>> {
    session_progress(&state, &session)
        .await?
        .map(Json)
        .ok_or_else(no_plan)
}

#[utoipa::path(patch, path = "/hub/onboarding/steps/{index}", tag = "hub",
    params(("index" = u32, Path, description = "The step's position in the plan, from 0")),
    request_body = StepUpdate,
    responses((status = 200, body = OnboardingProgress),
        (status = 400, body = ErrorBody, description = "A required step cannot be skipped"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_step(
    State(state): State<AppState>,
    HubSession(session): HubSession,
    index: Result<Path<u32>, PathRejection>,
    ApiJson(update): ApiJson<StepUpdate>,
) -> ApiResult<Json<OnboardingProgress>> {
    let (Some(plan_id), Some(steps)) = (&session.plan_id, &session.onboarding) else {
        return Err(no_plan());
    };
    let no_step = || ApiError::not_found("No step with this index in the session's plan");
    let Path(index) = index.map_err(|_| no_step())?;
    let step = usize::try_from(index)
        .ok()
        .and_then(|i| steps.get(i))
        .ok_or_else(no_step)?;
    if update.skipped && !step.optional {
        return Err(ApiError::Fields {
            message: "Only an optional step can be skipped".into(),
            fields: [("skipped".to_string(), "This step is required".to_string())].into(),
        });
    }
    state
        .db
        .write(store::set_skipped(
            &session.project_id,
            &session.origin_owner_id,
            plan_id,
            index,
            update.skipped,
        ))
        .await?;
    session_progress(&state, &session)
        .await?
        .map(Json)
        .ok_or_else(no_plan)
}
