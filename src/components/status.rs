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
    let heading = NodeRef::<leptos::html::H2>::new();
    // The screen replaced what the user was on: focus its heading so keyboard and
    // screen-reader users start from it.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    view! {
        <section class="lh-status" role="alert" aria-live="assertive">
            <h2 class="lh-status__title" tabindex="-1" node_ref=heading>{title}</h2>
            <p class="lh-status__body">{body}</p>
            <div class="lh-status__actions">{children.map(|c| c())}</div>
        </section>
    }
}
