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
    let locale = crate::locale::use_locale();
    let (class, label) = match notice.kind {
        NoticeKind::Warning => (
            "lh-notice lh-notice--warning",
            Signal::derive(move || td_string!(locale, notice_warning).to_string()),
        ),
        NoticeKind::Info => (
            "lh-notice lh-notice--info",
            Signal::derive(move || td_string!(locale, notice_info).to_string()),
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
