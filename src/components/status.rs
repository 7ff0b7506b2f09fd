//! A full-widget message: no session, expired session, failed load, success.

use leptos::prelude::*;

/// A titled message announced to screen readers, with optional actions below it.
#[component]
pub fn StatusScreen(
    /// The heading.
    #[prop(into)]
    title: Signal<String>,
    /// One or two sentences saying what happened and what to do.
    #[prop(into)]
    body: Signal<String>,
    /// Buttons or links offered below the message.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="lh-status" role="alert" aria-live="assertive">
            <h2 class="lh-status__title">{title}</h2>
            <p class="lh-status__body">{body}</p>
            <div class="lh-status__actions">{children.map(|c| c())}</div>
        </section>
    }
}
