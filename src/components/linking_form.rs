//! The linking form of a `custom` connector: its fields, the live preview, and the
//! connect / save button with every outcome of the request.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use linkhub_protocol::config::{ConnectorConfig, ConnectorType};
use linkhub_protocol::hub::{CreateAccountRequest, HubAccount};

use crate::api::{self, ApiError};
use crate::browser::{self, BrowserPatterns};
use crate::components::error_screen::ErrorScreen;
use crate::components::form_field::FormField;
use crate::components::oauth_connect::{OAuthFlow, OAuthState, OAuthStatus};
use crate::components::success::{Linked, SuccessScreen};
use crate::config::use_config;
use crate::form::{self, IdempotencyKeys, Values};
use crate::i18n::*;
use crate::text::isolated;

/// The form's state, shared with its fields.
#[derive(Clone, Copy)]
pub struct FormContext {
    /// Current values by field key.
    pub values: RwSignal<Values>,
    /// Fields the user has left once (their errors show while typing from then on).
    pub touched: RwSignal<BTreeSet<String>>,
    /// The user tried to submit: every error shows.
    pub submitted: RwSignal<bool>,
    /// The server's per-field messages of the last 400, cleared as the field changes.
    pub server_errors: RwSignal<BTreeMap<String, String>>,
}

/// The form context provided by `LinkingForm`.
pub fn use_form() -> Option<FormContext> {
    use_context::<FormContext>()
}

/// A message above the submit button about the last submit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Banner {
    /// Client-side checks failed.
    FixFields,
    /// The server refused the values (400) with this message.
    Refused(String),
    /// Could not reach the server; values kept.
    Network,
    /// 5xx; values kept.
    Server(u16),
    /// The provider refused with this message.
    Provider(String),
    /// The server could not check the values with the provider (it did not answer): nothing
    /// was stored; a retry sends them again.
    Unavailable,
    /// An answer the widget does not understand.
    Decode,
    /// Edit mode and nothing changed.
    NothingChanged,
}

/// How the form ended (replacing it).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Linked(Linked),
    Expired,
}

/// The linking form for a `custom` connector.
#[component]
pub fn LinkingForm(
    /// The connector's config (fields, notices, preview).
    config: ConnectorConfig,
    /// The id sent as `integration_id`.
    #[prop(into)]
    integration_id: String,
    /// Edit mode: the stored account (secrets redacted).
    account: Option<HubAccount>,
    /// The backend checks this connector's values with the provider before storing them
    /// (`credential_check` of its answer).
    #[prop(optional)]
    checked: bool,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let cfg = use_config();
    let initial = form::initial_values(&config, account.as_ref());
    let editing = account.as_ref().map(|a| a.secure_id.clone());
    let ctx = FormContext {
        values: RwSignal::new(initial.clone()),
        touched: RwSignal::new(BTreeSet::new()),
        submitted: RwSignal::new(false),
        server_errors: RwSignal::new(BTreeMap::new()),
    };
    provide_context(ctx);
    let initial = StoredValue::new(initial);
    let config = StoredValue::new(config);
    let banner = RwSignal::new(None::<Banner>);
    let outcome = RwSignal::new(None::<Outcome>);
    let keys = StoredValue::new(IdempotencyKeys::default());
    let provider = config.with_value(|c| c.name.clone());

    let oauth = config.with_value(|c| c.connector_type == ConnectorType::Oauth2);
    // The backend checks the values with the provider before it stores them (issue #15):
    // the wait is the provider's, and the button says so.
    let checks = !oauth && cfg.credential_checks && checked;
    let flow = OAuthFlow::new(cfg.clone());
    // Whether a submit is on its way to the server.
    let pending = RwSignal::new(false);
    let submit = move |body: CreateAccountRequest| {
        let cfg = cfg.clone();
        let editing = editing.clone();
        let provider = provider.clone();
        pending.set(true);
        // Not tied to the form's lifetime: an account the server links is reported
        // (`try_set`: to nobody, if the form is gone).
        leptos::task::spawn_local(async move {
            let result = match &editing {
                Some(id) => api::update_account(&cfg, id, &body).await.map(|a| Linked {
                    id: a.secure_id,
                    provider: provider.clone(),
                    updated: true,
                }),
                None => {
                    let json = api::to_json(&body).unwrap_or_default();
                    let key = keys
                        .try_update_value(|k| k.key_for(&json, browser::random_key))
                        .unwrap_or_else(browser::random_key);
                    let result = api::create_account(&cfg, &body, &key).await;
                    let retryable = result.as_ref().err().is_some_and(ApiError::is_retryable);
                    keys.try_update_value(|k| k.finished(retryable));
                    result.map(|a| Linked {
                        id: a.id,
                        provider: provider.clone(),
                        updated: false,
                    })
                }
            };
            match result {
                Ok(linked) => {
                    outcome.try_set(Some(Outcome::Linked(linked)));
                }
                Err(err) => {
                    apply_error(err, ctx, banner, outcome);
                    // The provider's per-field messages: focus the first, whose message
                    // (its description) is then read out.
                    let refused = ctx.server_errors.get_untracked();
                    if !refused.is_empty() {
                        focus_first_invalid(|k| refused.contains_key(k), config);
                    }
                }
            }
            pending.try_set(false);
        });
    };
    let is_edit = account.is_some();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let oauth_busy = flow
            .state
            .with_untracked(|s| matches!(s, OAuthState::Starting | OAuthState::Waiting { .. }));
        if pending.get_untracked() || oauth_busy {
            return;
        }
        ctx.submitted.set(true);
        let values = ctx.values.get_untracked();
        let errors = config.with_value(|c| form::form_errors(c, &values, &BrowserPatterns));
        if !errors.is_empty() {
            banner.set(Some(Banner::FixFields));
            focus_first_invalid(|k| errors.contains_key(k), config);
            return;
        }
        // Re-authenticating through OAuth sends every value: the provider flow needs them all.
        let editing_initial = account_initial(initial, is_edit && !oauth);
        let body = config.with_value(|c| {
            form::request_body(c, &integration_id, &values, editing_initial.as_ref())
        });
        // Unchanged values are still worth sending when the backend checks them: that is
        // how an account in error is reconnected once the provider takes its credentials
        // again (the stored ones are checked).
        if editing_initial.is_some() && body.credentials.is_empty() && !checks {
            banner.set(Some(Banner::NothingChanged));
            return;
        }
        banner.set(None);
        crate::host::emit(crate::host::HostEvent::Submit {
            provider: crate::host::selected_provider(),
        });
        if oauth {
            // Synchronous: the popup opens inside this user gesture.
            let values = body
                .credentials
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect();
            let provider = config.with_value(|c| c.name.clone());
            flow.start(integration_id.clone(), provider, values);
            return;
        }
        submit(body);
    };
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let retry_oauth = Callback::new(move |()| {
        if let Some(form) = form_ref.get_untracked() {
            let _ = form.request_submit();
        }
    });

    let heading = config.with_value(|c| c.name.clone());
    let fields = config.with_value(|c| {
        c.config_fields
            .iter()
            .map(|f| {
                let anchored: Vec<_> = c
                    .config_notices
                    .iter()
                    .filter(|n| n.anchor.as_deref() == Some(f.key.as_str()))
                    .cloned()
                    .collect();
                view! { <FormField field=f.clone() notices=anchored /> }
            })
            .collect_view()
    });
    let preview = config.with_value(|c| c.preview.is_some()).then(|| {
        let text = move || {
            ctx.values
                .with(|v| config.with_value(|c| c.render_preview(v)))
        };
        view! {
            <div class="lh-preview">
                <span class="lh-preview__label" id="lh-preview-label">{td!(locale, preview_label)}</span>
                <output class="lh-preview__value" aria-labelledby="lh-preview-label" aria-live="polite" dir="auto">
                    {move || match text() {
                        Some(url) => url,
                        None => td_string!(locale, preview_pending).to_string(),
                    }}
                </output>
            </div>
        }
    });
    let banner_view = move || {
        banner.get().map(|b| {
            let text = match b {
                Banner::FixFields => td!(locale, fix_fields).into_any(),
                Banner::Refused(message) => {
                    td!(locale, server_refused, message = isolated(message)).into_any()
                }
                Banner::Network => td!(locale, submit_network).into_any(),
                Banner::Server(status) => td!(locale, submit_server, status = status).into_any(),
                Banner::Provider(message) => {
                    td!(locale, submit_provider, message = isolated(message)).into_any()
                }
                Banner::Decode => td!(locale, submit_decode).into_any(),
                Banner::NothingChanged => td!(locale, nothing_changed).into_any(),
                Banner::Unavailable => {
                    let name = config.with_value(|c| c.name.clone());
                    return view! {
                        <div class="lh-form__banner" role="alert">
                            <p>{td!(locale, check_unavailable, provider = isolated(name))}</p>
                            <button type="submit" class="lh-button">{td!(locale, check_retry)}</button>
                        </div>
                    }
                    .into_any();
                }
            };
            view! { <p class="lh-form__banner" role="alert">{text}</p> }.into_any()
        })
    };
    let oauth_name = config.with_value(|c| c.name.clone());
    let check_name = StoredValue::new(config.with_value(|c| c.name.clone()));
    let button_text = move || match (is_edit, pending.get()) {
        (_, true) if checks => view! {
            <span class="lh-spinner" aria-hidden="true"></span>
            {td!(locale, check_checking, provider = isolated(check_name.get_value()))}
        }
        .into_any(),
        (false, false) if oauth => {
            td!(locale, oauth_connect, name = isolated(oauth_name.clone())).into_any()
        }
        (false, false) => td_string!(locale, connect).to_string().into_any(),
        (false, true) => td_string!(locale, connecting).to_string().into_any(),
        (true, false) => td_string!(locale, save).to_string().into_any(),
        (true, true) => td_string!(locale, saving).to_string().into_any(),
    };
    let form = view! {
        <form
            class="lh-form"
            novalidate=true
            on:submit=on_submit
            aria-labelledby="lh-form-heading"
            node_ref=form_ref
        >
            <h3 id="lh-form-heading" class="lh-form__heading">
                {if is_edit {
                    td!(locale, edit_heading, name = isolated(heading.clone())).into_any()
                } else {
                    td!(locale, form_heading, name = isolated(heading.clone())).into_any()
                }}
            </h3>
            {oauth.then(|| {
                view! {
                    <p class="lh-form__intro">{td!(locale, oauth_intro, name = isolated(heading.clone()))}</p>
                }
            })}
            <p class="lh-form__required-note">{td!(locale, required_note)}</p>
            {fields}
            {preview}
            {banner_view}
            // Always in the page, so assistive technology announces the change to it.
            <p class="lh-visually-hidden" role="status" aria-live="polite">
                {move || match (pending.get(), is_edit) {
                    (false, _) => ().into_any(),
                    (true, _) if checks => {
                        td!(locale, check_checking, provider = isolated(check_name.get_value()))
                            .into_any()
                    }
                    (true, false) => td_string!(locale, connecting).to_string().into_any(),
                    (true, true) => td_string!(locale, saving).to_string().into_any(),
                }}
            </p>
            <button
                type="submit"
                class="lh-button lh-button--primary lh-form__submit"
                disabled=move || pending.get() || flow.is_busy()
                aria-busy=move || if pending.get() || flow.is_busy() { "true" } else { "false" }
            >
                {button_text}
            </button>
        </form>
    };
    let result = move || {
        match outcome.get() {
        Some(Outcome::Linked(linked)) => Some(view! { <SuccessScreen linked=linked /> }.into_any()),
        Some(Outcome::Expired) => Some(
            view! { <ErrorScreen error=ApiError::SessionExpired on_retry=Callback::new(|()| {}) /> }
                .into_any(),
        ),
        None => None,
    }
    };
    let finished = move || {
        outcome.with(Option::is_some)
            || flow
                .state
                .with(|s| matches!(s, OAuthState::Linked(_) | OAuthState::Expired))
    };
    let status = oauth.then(|| {
        let name = config.with_value(|c| c.name.clone());
        view! { <OAuthStatus flow=flow name=name on_retry=retry_oauth /> }
    });
    // The form stays mounted under a result, so nothing typed is lost by re-rendering.
    view! {
        <div class="lh-form__wrap" hidden=finished>
            {form}
        </div>
        {status}
        {result}
    }
}

/// The initial values when editing (only changed values are sent then).
fn account_initial(initial: StoredValue<Values>, editing: bool) -> Option<Values> {
    editing.then(|| initial.get_value())
}

/// Sorts a failed submit into field messages, a banner, or the expired-session screen.
/// Every value stays as typed.
fn apply_error(
    err: ApiError,
    ctx: FormContext,
    banner: RwSignal<Option<Banner>>,
    outcome: RwSignal<Option<Outcome>>,
) {
    if err != ApiError::SessionExpired {
        crate::host::emit(crate::host::HostEvent::Error {
            code: err.code().to_string(),
            message: err.to_string(),
        });
    }
    let next = match err {
        ApiError::SessionExpired => {
            outcome.try_set(Some(Outcome::Expired));
            return;
        }
        ApiError::Invalid { message, fields } => {
            ctx.server_errors.try_set(fields.read());
            Banner::Refused(message)
        }
        ApiError::Network | ApiError::Refused(_) => Banner::Network,
        ApiError::Server { status, .. } => Banner::Server(status),
        ApiError::Provider(message) | ApiError::NotFound(message) => Banner::Provider(message),
        ApiError::Unavailable(_) => Banner::Unavailable,
        ApiError::Decode => Banner::Decode,
    };
    banner.try_set(Some(next));
}

/// Moves focus to the first field (in form order) with an error.
fn focus_first_invalid(invalid: impl Fn(&str) -> bool, config: StoredValue<ConnectorConfig>) {
    let first = config.with_value(|c| {
        c.config_fields
            .iter()
            .find(|f| invalid(&f.key))
            .map(|f| f.key.clone())
    });
    #[cfg(target_arch = "wasm32")]
    if let Some(key) = first {
        use wasm_bindgen::JsCast;
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&crate::components::form_field::input_id(&key)))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = el {
            let _ = el.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = first;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::render;
    use linkhub_protocol::config::{ConfigField, FieldType, SelectOption};

    fn config() -> ConnectorConfig {
        let mut token = ConfigField::new("token", "Token", FieldType::Password);
        token.required = true;
        token.secret = true;
        token.placeholder = Some("tok_…".into());
        token.tooltip = Some("Shown once.".into());
        let mut count = ConfigField::new("count", "Count", FieldType::Number);
        count.description = Some("How many.".into());
        let mut region = ConfigField::new("region", "Region", FieldType::Select);
        region.options = Some(vec![SelectOption {
            label: "Europe".into(),
            value: "eu".into(),
        }]);
        let mut notes = ConfigField::new("notes", "Notes", FieldType::TextArea);
        notes.read_only = true;
        let odd = ConfigField::new("odd", "Odd", FieldType::Unknown);
        let mut cfg: ConnectorConfig = serde_json::from_value(serde_json::json!({
            "key": "acme", "name": "Acme", "type": "custom",
            "preview": "https://{region}.acme.example"
        }))
        .expect("config");
        cfg.config_fields = vec![token, count, region, notes, odd];
        cfg
    }

    fn html() -> String {
        render(|| view! { <LinkingForm config=config() integration_id="acme" account=None /> })
    }

    #[test]
    fn every_field_type_renders_its_control() {
        let html = html();
        assert!(
            html.contains("id=\"lh-field-token\" type=\"password\""),
            "{html}"
        );
        assert!(html.contains("autocomplete=\"new-password\""));
        assert!(html.contains("inputmode=\"decimal\""), "number: {html}");
        assert!(html.contains("<select id=\"lh-field-region\""), "{html}");
        assert!(html.contains("<option value=\"eu\""));
        assert!(html.contains("<textarea id=\"lh-field-notes\""), "{html}");
        assert!(html.contains("readonly"), "read-only text area");
        assert!(
            html.contains("id=\"lh-field-odd\" type=\"text\""),
            "unknown type as text: {html}"
        );
    }

    #[test]
    fn labels_marks_descriptions_and_tooltips() {
        let html = html();
        assert!(html.contains("<label for=\"lh-field-token\""), "{html}");
        // The required mark is outside the label: the accessible name is exactly "Token".
        assert!(
            html.contains(">Token</label><span aria-hidden=\"true\""),
            "{html}"
        );
        assert!(html.contains("lh-field__required"));
        assert!(html.contains(">(optional)<"), "{html}");
        assert!(html.contains("placeholder=\"tok_…\""));
        assert!(html.contains("How many."));
        assert!(
            html.contains("aria-describedby=\"lh-field-count-desc\""),
            "{html}"
        );
        assert!(
            html.contains("<summary>More help</summary><p>Shown once.</p>"),
            "{html}"
        );
        // The connector's name is isolated from the sentence around it (issue #17: bidi).
        assert!(html.contains("Link your <bdi>Acme</bdi> account"), "{html}");
        assert!(
            html.contains("lh-preview"),
            "the preview is shown when the config has one"
        );
    }
}
