//! A connector notice (warning or information), above/below the form or beside a field.

use leptos::prelude::*;
use linkhub_protocol::config::{Notice, NoticeKind};

use crate::i18n::*;

/// The DOM id of a notice, for `aria-describedby` on the field it is anchored to.
pub fn notice_id(notice: &Notice) -> String {
    format!("lh-notice-{}", notice.key)
}

/// One notice, as a labelled note.
#[component]
pub fn NoticeView(
    /// The notice from `config.configNotices`.
    notice: Notice,
) -> impl IntoView {
    let i18n = use_i18n();
    let (class, label) = match notice.kind {
        NoticeKind::Warning => (
            "lh-notice lh-notice--warning",
            Signal::derive(move || t_string!(i18n, notice_warning).to_string()),
        ),
        NoticeKind::Info => (
            "lh-notice lh-notice--info",
            Signal::derive(move || t_string!(i18n, notice_info).to_string()),
        ),
    };
    let id = notice_id(&notice);
    view! {
        <div class=class role="note" id=id>
            <strong class="lh-notice__label">{label}": "</strong>
            <span class="lh-notice__text">{notice.description}</span>
        </div>
    }
}
