//! A yes/no question in a native modal `<dialog>` (opened with `showModal`): the browser
//! keeps focus inside it; Escape cancels it (and only it); it opens on its least harmful
//! button (cancel), and whoever opened it puts focus back where it was.

use leptos::prelude::*;

use crate::i18n::*;

/// The confirmation dialog; shown while `open` is true.
#[component]
pub fn ConfirmDialog(
    /// Shown (as a modal) while true.
    #[prop(into)]
    open: Signal<bool>,
    /// The question, as the dialog's title.
    #[prop(into)]
    title: Signal<String>,
    /// What saying yes does.
    #[prop(into)]
    body: Signal<String>,
    /// The confirm button's text (the action, e.g. "Disconnect").
    #[prop(into)]
    confirm: String,
    /// Called by the confirm button.
    on_confirm: Callback<()>,
    /// Called when the dialog closes without confirming: Cancel, Escape.
    on_cancel: Callback<()>,
    /// The confirmed action is running (the confirm button is disabled).
    #[prop(optional, into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let cancel = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        let want = open.get();
        let Some(d) = dialog.get() else {
            return;
        };
        if want && !d.open() {
            let _ = d.show_modal();
            if let Some(b) = cancel.get_untracked() {
                let _ = b.focus();
            }
        } else if !want && d.open() {
            d.close();
        }
    });
    // Escape (the browser's `cancel`, then `close`) and Cancel both end here; a close the
    // effect above made (after confirming) finds `open` already false.
    let closed = move |_| {
        if open.get_untracked() {
            on_cancel.run(());
        }
    };
    view! {
        <dialog
            class="lh-dialog"
            node_ref=dialog
            aria-labelledby="lh-dialog-title"
            aria-describedby="lh-dialog-body"
            on:close=closed
            on:keydown=move |ev| {
                // Escape closes the dialog, not the whole hub (which an embedded hub does on
                // an Escape nobody handled).
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    on_cancel.run(());
                }
            }
        >
            <h2 id="lh-dialog-title" class="lh-dialog__title">{title}</h2>
            <p id="lh-dialog-body" class="lh-dialog__body">{body}</p>
            <div class="lh-dialog__actions">
                <button type="button" class="lh-button" node_ref=cancel on:click=move |_| on_cancel.run(())>
                    {td!(locale, onb_cancel)}
                </button>
                <button
                    type="button"
                    class="lh-button lh-button--danger"
                    disabled=busy
                    aria-busy=move || if busy.get() { "true" } else { "false" }
                    on:click=move |_| on_confirm.run(())
                >
                    {confirm}
                </button>
            </div>
        </dialog>
    }
}
