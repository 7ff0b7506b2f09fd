//! "Someone else has these credentials?": on a connector page, makes a hand-off link
//! (extension `POST /hub/handoffs`) for a colleague to connect this provider, to copy or to
//! send from the user's own mail app (`mailto:`; the server sends no email).

use leptos::prelude::*;
use linkhub_protocol::onboarding::Handoff;

use crate::api::{self, ApiError};
use crate::config::use_config;
use crate::i18n::*;
use crate::text::isolated;

/// Where the panel stands.
#[derive(Clone, Debug, PartialEq)]
enum State {
    Idle,
    Busy,
    Made(Handoff),
    /// The session made its last link: the server's message.
    Limit(String),
    Failed,
}

/// The `mailto:` link that opens the user's mail app with a message for the colleague.
pub fn mailto(subject: &str, body: &str) -> String {
    format!(
        "mailto:?subject={}&body={}",
        crate::browser::encode_uri_component(subject),
        crate::browser::encode_uri_component(body)
    )
}

/// The hand-off panel for one connector.
#[component]
pub fn HandoffPanel(
    /// The connector's provider key (the colleague's session is limited to it).
    #[prop(into)]
    provider: String,
    /// The connector's display name.
    #[prop(into)]
    name: String,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let cfg = StoredValue::new(use_config());
    let state = RwSignal::new(State::Idle);
    let copied = RwSignal::new(None::<bool>);
    let provider = StoredValue::new(provider);
    let name = StoredValue::new(name);
    let link_input = NodeRef::<leptos::html::Input>::new();
    let create = move |_| {
        if state.with_untracked(|s| *s == State::Busy) {
            return;
        }
        state.set(State::Busy);
        let cfg = cfg.get_value();
        let provider = provider.get_value();
        leptos::task::spawn_local(async move {
            let next = match api::create_handoff(&cfg, &provider).await {
                Ok(h) => State::Made(h),
                Err(ApiError::Server {
                    status: 429,
                    message,
                }) => State::Limit(message),
                Err(_) => State::Failed,
            };
            let made = matches!(next, State::Made(_));
            state.try_set(next);
            if made {
                // The link is what the user came for: focus (and select) it.
                request_animation_frame(move || {
                    if let Some(input) = link_input.get_untracked() {
                        let _ = input.focus();
                        input.select();
                    }
                });
            }
        });
    };
    let made = move || match state.get() {
        State::Made(h) => {
            let url = h.auth_link_url.expose().clone();
            let until = crate::browser::format_date_time(&h.expires_at, locale.as_str());
            let n = name.get_value();
            let subject = td_string!(locale, onb_handoff_subject).replace("{name}", &n);
            let body = td_string!(locale, onb_handoff_body)
                .replace("{name}", &n)
                .replace("{date}", &until)
                .replace("{url}", &url);
            let copy_url = url.clone();
            let copy = move |_| {
                let url = copy_url.clone();
                leptos::task::spawn_local(async move {
                    copied.try_set(Some(crate::browser::copy_text(&url).await));
                });
            };
            Some(view! {
                <div class="lh-handoff__made">
                    <label class="lh-field__label" for="lh-handoff-link">{td!(locale, onb_handoff_link_label)}</label>
                    <div class="lh-field__control">
                        <input id="lh-handoff-link" class="lh-input" type="url" readonly=true value=url node_ref=link_input />
                        <button type="button" class="lh-button" on:click=copy>{td!(locale, onb_handoff_copy)}</button>
                    </div>
                    <p class="lh-step__detail">{td!(locale, onb_handoff_until, date = isolated(until))}</p>
                    <p>
                        <a class="lh-button lh-handoff__mail" href=mailto(&subject, &body)>
                            {td!(locale, onb_handoff_email)}
                        </a>
                    </p>
                </div>
            })
        }
        _ => None,
    };
    let problem = move || match state.get() {
        State::Limit(message) if !message.is_empty() => Some(message),
        State::Limit(_) => Some(td_string!(locale, onb_handoff_limit).to_string()),
        State::Failed => Some(td_string!(locale, onb_handoff_failed).to_string()),
        _ => None,
    };
    view! {
        <section class="lh-handoff" aria-labelledby="lh-handoff-heading">
            <h3 id="lh-handoff-heading" class="lh-form__heading">{td!(locale, onb_handoff_heading)}</h3>
            <p class="lh-field__description">
                {td!(locale, onb_handoff_intro, name = isolated(name.get_value()))}
            </p>
            <Show when=move || !matches!(state.get(), State::Made(_) | State::Limit(_))>
                <button
                    type="button"
                    class="lh-button"
                    on:click=create
                    disabled=move || state.with(|s| *s == State::Busy)
                    aria-busy=move || if state.with(|s| *s == State::Busy) { "true" } else { "false" }
                >
                    {td!(locale, onb_handoff_create)}
                </button>
            </Show>
            {move || problem().map(|m| view! { <p class="lh-form__banner" role="alert">{m}</p> })}
            {made}
            <p class="lh-visually-hidden" role="status" aria-live="polite">
                {move || match copied.get() {
                    Some(true) => td_string!(locale, copied).to_string(),
                    Some(false) => td_string!(locale, copy_failed).to_string(),
                    None => String::new(),
                }}
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_link_carries_the_link_in_its_encoded_body() {
        let href = mailto("Connect Oneflow", "Open https://hub.example/#token=a&b");
        assert!(
            href.starts_with("mailto:?subject=Connect%20Oneflow&body="),
            "{href}"
        );
        assert!(
            href.ends_with("Open%20https%3A%2F%2Fhub.example%2F%23token%3Da%26b"),
            "{href}"
        );
    }
}
