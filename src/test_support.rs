//! Helpers for native tests that render views to HTML (`leptos` with `ssr`).

use leptos::prelude::*;

use crate::i18n::Locale;

/// Renders `view` to HTML under a fresh owner in English, minus hydration markers.
pub fn render<V: IntoView + 'static>(view: impl FnOnce() -> V) -> String {
    render_in(Locale::en, view)
}

/// [`render`] in another locale.
pub fn render_in<V: IntoView + 'static>(locale: Locale, view: impl FnOnce() -> V) -> String {
    // Effects never run when rendering to HTML; they only need somewhere to be spawned.
    let _ = any_spawner::Executor::init_custom_executor(NoopExecutor);
    let owner = Owner::new();
    let html = owner.with(|| {
        provide_context(locale);
        view().to_html()
    });
    html.replace("<!>", "")
}

/// Drops every future: views rendered to HTML never need one to run.
struct NoopExecutor;

impl any_spawner::CustomExecutor for NoopExecutor {
    fn spawn(&self, _fut: any_spawner::PinnedFuture<()>) {}
    fn spawn_local(&self, _fut: any_spawner::PinnedLocalFuture<()>) {}
    fn poll_local(&self) {}
}
