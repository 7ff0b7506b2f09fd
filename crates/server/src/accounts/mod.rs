//! Accounts: linked by the widget (`/hub/accounts…`, session token: [`hub`]) and listed,
//! read and deleted by the host backend (`/accounts…`, API key: [`api`]), written through
//! one path ([`link`]) into one table ([`store`]).

pub mod api;
pub mod credentials;
pub mod hub;
pub mod link;
pub mod owner;
pub mod store;

use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::store::AccountRow;
use crate::state::AppState;
use linkhub_protocol::hub::CreatedAccount;

/// The feature's routes.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let widget = OpenApiRouter::new()
        .routes(routes!(hub::create_account, owner::list_owner_accounts))
        .routes(routes!(
            hub::get_account,
            hub::patch_account,
            owner::delete_owner_account
        ));
    OpenApiRouter::new()
        .routes(routes!(api::list_accounts))
        .routes(routes!(api::get_account, api::delete_account))
        .merge(crate::cors::hub(widget, state))
}

/// The answer to a link: the account's id and provider.
pub fn created_body(account: &AccountRow) -> Value {
    serde_json::to_value(CreatedAccount {
        id: account.id.clone(),
        provider: account.provider.clone(),
    })
    .unwrap_or_default()
}
