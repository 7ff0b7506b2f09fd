//! The onboarding checklist: the session's plan step by step, with its progress, the next
//! step's button, skipping optional steps, and "All set" once every required step is done.
//!
//! The server keeps the progress (`GET /hub/onboarding`); the checklist reloads it when it
//! is shown again after a connector page, every few seconds while it is on screen, and when
//! the window gets focus, so a colleague's hand-off shows without a reload. The host hears
//! `STEP_COMPLETED` for each step seen turning done, and `ONBOARDING_COMPLETED` once.

use leptos::prelude::*;
use linkhub_protocol::onboarding::{OnboardingProgress, StepProgress, StepState, extension};

use crate::api::{self, ApiError};
use crate::components::connector_list::category_name;
use crate::components::error_screen::ErrorScreen;
use crate::config::use_config;
use crate::host::{EventAccount, HostEvent, OnboardingEvent};
use crate::i18n::*;
use crate::nav::{Nav, Screen, use_nav};
use crate::text::isolated;

/// How often the checklist asks for the progress while it is on screen, in milliseconds.
pub const POLL_MS: u64 = 5000;

/// The step the primary button is for: the first one to do (or to fix).
pub fn next_step(progress: &OnboardingProgress) -> Option<u32> {
    progress
        .steps
        .iter()
        .find(|s| matches!(s.state, StepState::Todo | StepState::NeedsAttention))
        .map(|s| s.index)
}

/// The host events `now` calls for, seen after `before` (the same plan): a
/// `STEP_COMPLETED` per step that turned done, and `ONBOARDING_COMPLETED` when the plan
/// turned complete.
pub fn events_between(
    before: &OnboardingProgress,
    now: &OnboardingProgress,
) -> Vec<OnboardingEvent> {
    if before.plan_id != now.plan_id {
        return Vec::new();
    }
    let was_done = |index: u32| {
        before
            .steps
            .iter()
            .any(|s| s.index == index && s.state == StepState::Done)
    };
    let mut events: Vec<OnboardingEvent> = now
        .steps
        .iter()
        .filter(|s| s.state == StepState::Done && !was_done(s.index))
        .filter_map(|s| {
            Some(OnboardingEvent::StepCompleted {
                step: s.index,
                provider: account_provider(s),
                account_id: s.account_id.clone()?,
            })
        })
        .collect();
    if now.completed && !before.completed {
        events.push(OnboardingEvent::Completed {
            accounts: now
                .steps
                .iter()
                .filter(|s| s.state == StepState::Done)
                .filter_map(|s| {
                    Some(EventAccount {
                        id: s.account_id.clone()?,
                        provider: account_provider(s),
                    })
                })
                .collect(),
        });
    }
    events
}

/// The provider of the account that satisfies a step (for a category step, the connector
/// the user chose).
fn account_provider(step: &StepProgress) -> String {
    step.account_provider
        .clone()
        .or_else(|| step.provider.clone())
        .unwrap_or_default()
}

/// What the checklist calls a step: its label, else its connector's name, else its
/// category's name.
pub fn step_title(locale: Locale, step: &StepProgress, nav: Option<Nav>) -> String {
    if let Some(label) = step.label.as_ref().filter(|l| !l.trim().is_empty()) {
        return label.clone();
    }
    if let Some(provider) = &step.provider {
        return nav
            .and_then(|n| n.connector(provider, None))
            .map(|c| c.name)
            .unwrap_or_else(|| provider.clone());
    }
    step.category
        .as_deref()
        .map(|c| category_name(locale, c))
        .unwrap_or_default()
}

/// A step's state, in words.
fn state_text(locale: Locale, state: StepState) -> &'static str {
    match state {
        StepState::Todo => td_string!(locale, onb_state_todo),
        StepState::Done => td_string!(locale, onb_state_done),
        StepState::NeedsAttention => td_string!(locale, onb_state_needs_attention),
        StepState::Skipped => td_string!(locale, onb_state_skipped),
        StepState::HandedOff => td_string!(locale, onb_state_handed_off),
    }
}

/// The checklist screen: loads the progress and keeps it current.
#[component]
pub fn Checklist() -> impl IntoView {
    let cfg = StoredValue::new(use_config());
    let nav = use_nav();
    let progress = RwSignal::new(None::<Result<OnboardingProgress, ApiError>>);
    let last = StoredValue::new(None::<OnboardingProgress>);
    // Each load is numbered; an answer older than the newest load asked is dropped.
    let asked = StoredValue::new(0u64);
    // Focus the next step once the load under way has arrived.
    let focus_next = StoredValue::new(false);
    let reload = Callback::new(move |()| {
        let Some(n) = asked.try_update_value(|a| {
            *a += 1;
            *a
        }) else {
            return;
        };
        let cfg = cfg.get_value();
        leptos::task::spawn_local(async move {
            let answer = api::onboarding(&cfg).await;
            if asked.try_get_value() != Some(n) {
                return;
            }
            apply(answer, progress, last);
            if focus_next.try_update_value(std::mem::take) == Some(true) {
                focus_next_step(progress);
            }
        });
    });
    reload.run(());
    let on_screen = move || nav.is_none_or(|n| n.screen.with(|s| *s == Screen::Checklist));
    // Back from a connector page (or the list): reload, then focus the next step.
    Effect::new(move |was: Option<bool>| {
        let now = on_screen();
        if now && was == Some(false) {
            focus_next.set_value(true);
            reload.run(());
        }
        now
    });
    poll(move || {
        if on_screen() && crate::browser::page_visible() {
            reload.run(());
        }
    });
    view! {
        <ChecklistView progress=progress on_reload=reload />
    }
}

/// Stores a loaded progress and tells the host what changed since the last one. A failed
/// reload keeps the progress on show (a dropped poll is not worth an error screen), unless
/// the session ended.
fn apply(
    answer: Result<OnboardingProgress, ApiError>,
    progress: RwSignal<Option<Result<OnboardingProgress, ApiError>>>,
    last: StoredValue<Option<OnboardingProgress>>,
) {
    match answer {
        Ok(now) => {
            if let Some(before) = last.try_get_value().flatten() {
                for event in events_between(&before, &now) {
                    crate::host::emit_onboarding(event);
                }
            }
            last.try_set_value(Some(now.clone()));
            let changed = progress
                .try_with_untracked(|p| !matches!(p, Some(Ok(p)) if *p == now))
                .unwrap_or(false);
            if changed {
                keep_focus(|| {
                    progress.try_set(Some(Ok(now)));
                });
            }
        }
        Err(err) => {
            let showing = progress
                .try_with_untracked(|p| matches!(p, Some(Ok(_))))
                .unwrap_or(false);
            if !showing || err == ApiError::SessionExpired {
                progress.try_set(Some(Err(err)));
            }
        }
    }
}

/// Runs `update` (which redraws the steps) and puts focus back on the element with the same
/// id as before, when it is there again.
fn keep_focus(update: impl FnOnce()) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let document = web_sys::window().and_then(|w| w.document());
        let id = document
            .as_ref()
            .and_then(|d| d.active_element())
            .map(|e| e.id())
            .filter(|id| id.starts_with("lh-step-"));
        update();
        if let (Some(id), Some(d)) = (id, document)
            && let Some(el) = d
                .get_element_by_id(&id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    update();
}

/// Focuses the next step's button, or the "All set" heading when there is none.
fn focus_next_step(progress: RwSignal<Option<Result<OnboardingProgress, ApiError>>>) {
    let id = progress
        .try_with_untracked(|p| match p {
            Some(Ok(p)) => Some(match next_step(p) {
                Some(i) if !p.completed => format!("lh-step-{i}-action"),
                _ if p.completed => "lh-all-set".to_owned(),
                _ => "lh-checklist-heading".to_owned(),
            }),
            _ => None,
        })
        .flatten();
    #[cfg(target_arch = "wasm32")]
    if let Some(id) = id {
        request_animation_frame(move || {
            use wasm_bindgen::JsCast;
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&id))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

/// Calls `tick` every [`POLL_MS`] and when the window gets focus, as long as the calling
/// view lives.
fn poll(tick: impl Fn() + Clone + 'static) {
    #[cfg(target_arch = "wasm32")]
    {
        let every = tick.clone();
        if let Ok(handle) =
            set_interval_with_handle(every, std::time::Duration::from_millis(POLL_MS))
        {
            on_cleanup(move || handle.clear());
        }
        let focus = window_event_listener(leptos::ev::focus, move |_| tick());
        on_cleanup(move || focus.remove());
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = tick;
}

/// The checklist as loaded (or its loading and error states); `on_reload` loads it again.
#[component]
pub fn ChecklistView(
    /// `None` while loading.
    progress: RwSignal<Option<Result<OnboardingProgress, ApiError>>>,
    /// Loads the progress again (after a skip, or "Try again").
    on_reload: Callback<()>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let nav = use_nav();
    let counts = move || {
        progress.with(|p| match p {
            Some(Ok(p)) => td_string!(locale, onb_progress)
                .replace("{done}", &p.done.to_string())
                .replace("{total}", &p.total.to_string()),
            _ => String::new(),
        })
    };
    let connections = nav
        .filter(|n| n.offers(extension::OWNER_ACCOUNTS))
        .map(|n| {
            view! {
                <p class="lh-checklist__more">
                    <button type="button" class="lh-button" on:click=move |_| n.open_connections()>
                        {td!(locale, onb_connections_link)}
                    </button>
                </p>
            }
        });
    let body = move || {
        progress.get().map(|p| match p {
            Ok(p) => view! { <Steps progress=p on_reload=on_reload /> }.into_any(),
            Err(err) => view! { <ErrorScreen error=err on_retry=on_reload /> }.into_any(),
        })
    };
    view! {
        <section class="lh-checklist" aria-labelledby="lh-checklist-heading">
            <h2 id="lh-checklist-heading" class="lh-list__heading" tabindex="-1">
                {td!(locale, onb_heading)}
            </h2>
            <p class="lh-list__count">{td!(locale, onb_intro)}</p>
            // Always in the page, so a change of the count is announced.
            <p class="lh-checklist__progress" role="status" aria-live="polite" data-testid="onb-progress">
                {counts}
            </p>
            {move || {
                progress
                    .with(Option::is_none)
                    .then(|| view! { <p class="lh-hub__loading">{td!(locale, loading_connectors)}</p> })
            }}
            {body}
            {connections}
        </section>
    }
}

/// The progress bar, "All set" and the steps of a loaded plan.
#[component]
fn Steps(
    /// The plan and its progress.
    progress: OnboardingProgress,
    /// Loads the progress again.
    on_reload: Callback<()>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let next = next_step(&progress);
    let all_set = progress.completed.then(|| {
        let close = crate::host::is_embedded().then(|| {
            view! {
                <div class="lh-status__actions">
                    <button
                        type="button"
                        class="lh-button lh-button--primary"
                        on:click=move |_| {
                            crate::host::emit(HostEvent::Exit);
                            crate::host::request_close();
                        }
                    >
                        {td!(locale, onb_close)}
                    </button>
                </div>
            }
        });
        view! {
            <section class="lh-status lh-status--success" aria-labelledby="lh-all-set">
                <h3 id="lh-all-set" class="lh-status__title" tabindex="-1">{td!(locale, onb_all_set_title)}</h3>
                <p class="lh-status__body">{td!(locale, onb_all_set_body)}</p>
                {close}
            </section>
        }
    });
    let total = progress.total.max(1);
    let steps = progress
        .steps
        .into_iter()
        .map(|step| {
            let is_next = !progress.completed && Some(step.index) == next;
            view! { <StepRow step=step is_next=is_next on_reload=on_reload /> }
        })
        .collect_view();
    view! {
        <progress class="lh-checklist__bar" max=total value=progress.done aria-hidden="true"></progress>
        {all_set}
        <ol class="lh-checklist__steps">{steps}</ol>
    }
}

/// One step: its name, state, account, and what can be done with it.
#[component]
pub fn StepRow(
    /// The step with its state.
    step: StepProgress,
    /// The step the primary button is for.
    is_next: bool,
    /// Loads the progress again (after skipping or taking up the step).
    on_reload: Callback<()>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let nav = use_nav();
    let cfg = StoredValue::new(use_config());
    let title = step_title(locale, &step, nav);
    let index = step.index;
    let state = step.state;
    let title_id = format!("lh-step-{index}-title");
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let set_skipped = move |skipped: bool| {
        busy.set(true);
        failed.set(false);
        let cfg = cfg.get_value();
        leptos::task::spawn_local(async move {
            let answer = api::update_step(&cfg, index, skipped).await;
            busy.try_set(false);
            failed.try_set(answer.is_err());
            on_reload.run(());
        });
    };
    let detail = match state {
        StepState::Done | StepState::NeedsAttention => step.account_name.clone().map(|name| {
            view! {
                <p class="lh-step__detail">
                    {td!(locale, onb_connected_as, name = isolated(name))}
                </p>
            }
            .into_any()
        }),
        StepState::HandedOff => step.handoff_expires_at.clone().map(|at| {
            let date = crate::browser::format_date_time(&at, locale.as_str());
            view! { <p class="lh-step__detail">{td!(locale, onb_handoff_until, date = date)}</p> }
                .into_any()
        }),
        StepState::Todo | StepState::Skipped => None,
    };
    // The step's main action: connect it (a category: choose in the filtered list), fix it,
    // or take it up again.
    let open = {
        let step = step.clone();
        move |_| {
            let Some(nav) = nav else {
                return;
            };
            match (&step.provider, &step.category, step.state) {
                (_, _, StepState::NeedsAttention)
                    if nav.open_provider(&account_provider(&step), step.account_id.clone()) => {}
                (Some(provider), _, _) => {
                    nav.open_provider(provider, None);
                }
                (None, Some(category), _) => {
                    nav.open_category(category);
                    crate::app::focus_on_next_frame("lh-list-heading");
                }
                (None, None, _) => {}
            }
        }
    };
    let action_class = if is_next {
        "lh-button lh-button--primary"
    } else {
        "lh-button"
    };
    let action_id = format!("lh-step-{index}-action");
    let main = match state {
        StepState::Done => None,
        StepState::Skipped => Some(
            view! {
                <button
                    type="button"
                    class="lh-button"
                    id=action_id
                    aria-describedby=title_id.clone()
                    disabled=busy
                    on:click=move |_| set_skipped(false)
                >
                    {td!(locale, onb_unskip)}
                </button>
            }
            .into_any(),
        ),
        StepState::NeedsAttention => Some(
            view! {
                <button type="button" class=action_class id=action_id aria-describedby=title_id.clone() on:click=open>
                    {td!(locale, onb_reconnect)}
                </button>
            }
            .into_any(),
        ),
        StepState::Todo | StepState::HandedOff => Some(
            view! {
                <button type="button" class=action_class id=action_id on:click=open>
                    {td!(locale, onb_connect_step, name = isolated(title.clone()))}
                </button>
            }
            .into_any(),
        ),
    };
    let skip =
        (step.optional && matches!(state, StepState::Todo | StepState::HandedOff)).then(|| {
            view! {
                <button
                    type="button"
                    class="lh-button"
                    id=format!("lh-step-{index}-skip")
                    aria-describedby=title_id.clone()
                    disabled=busy
                    on:click=move |_| set_skipped(true)
                >
                    {td!(locale, onb_skip)}
                </button>
            }
        });
    let state_class = format!("lh-step__state lh-step__state--{}", state.as_str());
    view! {
        <li class="lh-step" id=format!("lh-step-{index}") data-state=state.as_str()>
            <div class="lh-step__text">
                <h3 class="lh-step__title" id=title_id.clone()>
                    {title.clone()}
                    {step.optional.then(|| view! { " " <span class="lh-field__optional">{td!(locale, optional)}</span> })}
                </h3>
                <p class=state_class>{state_text(locale, state)}</p>
                {detail}
                {move || failed.get().then(|| view! { <p class="lh-field__error" role="alert">{td!(locale, onb_step_failed)}</p> })}
            </div>
            <div class="lh-step__actions">{main} {skip}</div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::render;

    fn step(index: u32, provider: &str, state: StepState) -> StepProgress {
        StepProgress {
            index,
            provider: Some(provider.into()),
            category: None,
            optional: false,
            label: None,
            state,
            account_id: (state == StepState::Done).then(|| format!("acc_{index}")),
            account_provider: None,
            account_name: None,
            handoff_expires_at: None,
        }
    }

    fn plan(states: [StepState; 3], completed: bool) -> OnboardingProgress {
        let steps: Vec<_> = ["bamboohr", "dagster", "oneflow"]
            .iter()
            .zip(states)
            .enumerate()
            .map(|(i, (p, s))| step(i as u32, p, s))
            .collect();
        OnboardingProgress {
            plan_id: "p".into(),
            done: steps.iter().filter(|s| s.state == StepState::Done).count() as u32,
            total: 3,
            steps,
            completed,
            completed_at: None,
        }
    }

    use StepState::{Done, HandedOff, NeedsAttention, Skipped, Todo};

    #[test]
    fn the_next_step_is_the_first_to_do_or_to_fix() {
        assert_eq!(next_step(&plan([Done, Todo, Todo], false)), Some(1));
        assert_eq!(
            next_step(&plan([Done, Skipped, NeedsAttention], false)),
            Some(2)
        );
        assert_eq!(
            next_step(&plan([Done, HandedOff, Done], false)),
            None,
            "waiting is not to do"
        );
    }

    #[test]
    fn events_name_each_step_seen_turning_done_and_the_completion_once() {
        let before = plan([Done, Todo, HandedOff], false);
        let now = plan([Done, Done, Done], true);
        let events = events_between(&before, &now);
        assert_eq!(
            events,
            vec![
                OnboardingEvent::StepCompleted {
                    step: 1,
                    provider: "dagster".into(),
                    account_id: "acc_1".into()
                },
                OnboardingEvent::StepCompleted {
                    step: 2,
                    provider: "oneflow".into(),
                    account_id: "acc_2".into()
                },
                OnboardingEvent::Completed {
                    accounts: ["bamboohr", "dagster", "oneflow"]
                        .iter()
                        .enumerate()
                        .map(|(i, p)| EventAccount {
                            id: format!("acc_{i}"),
                            provider: (*p).into()
                        })
                        .collect(),
                },
            ]
        );
        // Seen again: nothing new. Another plan: nothing at all.
        assert!(events_between(&now, &now).is_empty());
        let mut other = plan([Todo, Todo, Todo], false);
        other.plan_id = "q".into();
        assert!(events_between(&other, &now).is_empty());
        // A category step names the connector the user chose.
        let mut chosen = plan([Done, Todo, Todo], false);
        chosen.steps[0].provider = None;
        chosen.steps[0].category = Some("hris".into());
        chosen.steps[0].account_provider = Some("personio".into());
        let events = events_between(&plan([Todo, Todo, Todo], false), &chosen);
        assert!(
            matches!(&events[..], [OnboardingEvent::StepCompleted { provider, .. }] if provider == "personio")
        );
    }

    #[test]
    fn steps_are_named_by_label_connector_or_category() {
        let mut s = step(0, "dagster", Todo);
        assert_eq!(step_title(Locale::en, &s, None), "dagster");
        s.label = Some("Your data platform".into());
        assert_eq!(step_title(Locale::en, &s, None), "Your data platform");
        s.label = None;
        s.provider = None;
        s.category = Some("hris".into());
        assert_eq!(
            step_title(Locale::fr, &s, None),
            category_name(Locale::fr, "hris")
        );
    }

    #[test]
    fn a_loaded_plan_renders_its_count_in_a_live_region() {
        let html = render(|| {
            let progress = RwSignal::new(Some(Ok(plan([Done, Todo, Skipped], false))));
            view! { <ChecklistView progress=progress on_reload=Callback::new(|()| {}) /> }
        });
        assert!(
            html.contains("role=\"status\" aria-live=\"polite\""),
            "{html}"
        );
        assert!(html.contains("1 of 3 connected"), "{html}");
        assert!(html.contains("data-state=\"skipped\""), "{html}");
    }
}
