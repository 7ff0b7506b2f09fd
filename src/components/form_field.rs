//! One field of the linking form, driven by its `FieldType`: label, required mark,
//! description, tooltip, the input itself, anchored notices and its error.

use leptos::prelude::*;
use linkhub_protocol::config::{ConfigField, FieldType, Notice};
use linkhub_protocol::hub::REDACTED_PREFIX;
use linkhub_protocol::validate::FieldError;

use crate::browser::BrowserPatterns;
use crate::components::linking_form::{FormContext, use_form};
use crate::components::notice::{NoticeView, notice_id};
use crate::form;
use crate::i18n::*;

/// The DOM id of a field's input (labels, `aria-describedby`, focus on submit).
pub fn input_id(key: &str) -> String {
    format!("lh-field-{key}")
}

/// The user-facing message of a validation error, in the current locale. A connector's
/// own `validation.error` is kept as written: it is more precise than any generic text.
pub fn field_error_message(locale: Locale, err: &FieldError) -> String {
    match err {
        FieldError::Required => td_string!(locale, err_required).to_string(),
        FieldError::Pattern { message: Some(m) } => m.clone(),
        FieldError::Pattern { message: None } => td_string!(locale, err_pattern).to_string(),
        FieldError::Domain { domain } => {
            crate::locale::fill(td_string!(locale, err_domain), "domain", domain)
        }
        FieldError::NotAnOption => td_string!(locale, err_not_an_option).to_string(),
        FieldError::NotANumber => td_string!(locale, err_not_a_number).to_string(),
        FieldError::InvalidPattern => td_string!(locale, err_invalid_pattern).to_string(),
        FieldError::UnknownField => td_string!(locale, err_unknown_field).to_string(),
    }
}

/// One form field; hidden while its condition does not hold (or `display: false`).
#[component]
pub fn FormField(
    /// The field definition.
    field: ConfigField,
    /// Notices anchored to this field.
    #[prop(optional)]
    notices: Vec<Notice>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let Some(ctx) = use_form() else {
        return ().into_any();
    };
    let field = StoredValue::new(field);
    let key = field.with_value(|f| f.key.clone());
    let id = input_id(&key);
    let desc_id = format!("{id}-desc");
    let err_id = format!("{id}-error");
    let shown = {
        let _k = key.clone();
        move || {
            ctx.values
                .with(|v| field.with_value(|f| form::is_shown(f, v)))
        }
    };
    let error = {
        let key = key.clone();
        move || -> Option<String> {
            if !form::shows_error(&key, &ctx.touched.get(), ctx.submitted.get()) {
                return None;
            }
            if let Some(server) = ctx.server_errors.with(|e| e.get(&key).cloned()) {
                return Some(server);
            }
            ctx.values
                .with(|v| field.with_value(|f| form::field_error(f, v, &BrowserPatterns)))
                .map(|e| field_error_message(locale, &e))
        }
    };
    let error = Memo::new(move |_| error());
    let (label, required, description, tooltip, guide) = field.with_value(|f| {
        (
            f.label.clone(),
            f.required,
            f.description.clone(),
            f.tooltip.clone(),
            f.guide.clone().unwrap_or_default(),
        )
    });
    let notice_ids: Vec<String> = notices.iter().map(notice_id).collect();
    let has_desc = description.is_some() || guide.description.is_some();
    let described_by = {
        let desc_id = desc_id.clone();
        let err_id = err_id.clone();
        move || {
            let mut ids: Vec<String> = Vec::new();
            if has_desc {
                ids.push(desc_id.clone());
            }
            ids.extend(notice_ids.iter().cloned());
            if error.with(Option::is_some) {
                ids.push(err_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let described_by = Signal::derive(described_by);
    let input = view! { <FieldInput ctx=ctx field=field id=id.clone() described_by=described_by invalid=Signal::derive(move || error.with(Option::is_some)) /> };
    let tips = [tooltip, guide.tooltip]
        .into_iter()
        .flatten()
        .map(|tip| {
            view! {
                <details class="lh-field__tip">
                    <summary>{td!(locale, more_help)}</summary>
                    <p>{tip}</p>
                </details>
            }
        })
        .collect_view();
    let desc = has_desc.then(|| {
        view! {
            <p class="lh-field__description" id=desc_id.clone()>
                {description}
                {guide.description.map(|d| view! { " " {d} })}
            </p>
        }
    });
    let notices = notices
        .into_iter()
        .map(|n| view! { <NoticeView notice=n /> })
        .collect_view();
    view! {
        <div
            class="lh-field lh-form__field"
            class:lh-form__field--invalid=move || error.with(Option::is_some)
            data-field=key.clone()
            hidden=move || !shown()
        >
            // The marks sit outside the label so the field's accessible name is its label.
            <div class="lh-field__label-row">
                <label class="lh-field__label" for=id.clone()>{label}</label>
                {required.then(|| view! {
                    <span class="lh-field__required" aria-hidden="true">"*"</span>
                })}
                {(!required).then(|| view! {
                    // The brackets are in the catalog: Japanese uses full-width ones.
                    <span class="lh-field__optional">{td!(locale, optional)}</span>
                })}
            </div>
            {desc}
            {tips}
            {notices}
            {input}
            <p class="lh-field__error" id=err_id hidden=move || error.with(Option::is_none)>
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
    .into_any()
}

/// The input element for a field type, with the events that feed the form state.
#[component]
fn FieldInput(
    /// The form state.
    ctx: FormContext,
    /// The field definition.
    field: StoredValue<ConfigField>,
    /// The input's DOM id.
    id: String,
    /// `aria-describedby`.
    described_by: Signal<Option<String>>,
    /// `aria-invalid`.
    invalid: Signal<bool>,
) -> impl IntoView {
    let locale = crate::locale::use_locale();
    let (key, field_type, read_only, required, masked, placeholder, options, label) = field
        .with_value(|f| {
            (
                f.key.clone(),
                f.field_type,
                f.read_only,
                f.required,
                f.secret || f.field_type == FieldType::Password,
                f.placeholder.clone(),
                f.options.clone().unwrap_or_default(),
                f.label.clone(),
            )
        });
    let key = StoredValue::new(key);
    let raw =
        move || key.with_value(|k| ctx.values.with(|v| v.get(k).cloned().unwrap_or_default()));
    // The redacted placeholder of a stored secret never goes into an input.
    let value = move || {
        Some(raw())
            .filter(|v| !v.starts_with(REDACTED_PREFIX))
            .unwrap_or_default()
    };
    let on_input = move |ev: leptos::ev::Event| {
        let new = event_target_value(&ev);
        key.with_value(|k| {
            ctx.values.update(|v| {
                v.insert(k.clone(), new);
            });
            if ctx.server_errors.with_untracked(|e| e.contains_key(k)) {
                ctx.server_errors.update(|e| {
                    e.remove(k);
                });
            }
        });
    };
    let on_blur = move |_| {
        key.with_value(|k| {
            if !ctx.touched.with_untracked(|t| t.contains(k)) {
                ctx.touched.update(|t| {
                    t.insert(k.clone());
                });
            }
        });
    };
    let revealed = RwSignal::new(false);
    let aria_invalid = move || if invalid.get() { "true" } else { "false" };
    let autocomplete = if masked { "new-password" } else { "off" };

    let control = match field_type {
        FieldType::Select => {
            let has_default = field.with_value(|f| f.default_value().is_some());
            view! {
                <select
                    id=id.clone()
                    class="lh-input"
                    required=required
                    disabled=read_only
                    aria-invalid=aria_invalid
                    aria-describedby=move || described_by.get()
                    prop:value=value
                    on:change=on_input
                    on:blur=on_blur
                >
                    {(!has_default).then(|| view! { <option value="">{td!(locale, choose_option)}</option> })}
                    {options
                        .into_iter()
                        .map(|o| {
                            let v = o.value.clone();
                            view! {
                                <option value=o.value selected=move || value() == v>{o.label}</option>
                            }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        FieldType::TextArea => view! {
            <textarea
                id=id.clone()
                class="lh-input lh-input--area"
                class:lh-input--masked=move || masked && !revealed.get()
                rows="4"
                required=required
                readonly=read_only
                placeholder=placeholder
                spellcheck="false"
                autocomplete=autocomplete
                aria-invalid=aria_invalid
                aria-describedby=move || described_by.get()
                prop:value=value
                on:input=on_input
                on:blur=on_blur
            ></textarea>
        }
        .into_any(),
        FieldType::Text | FieldType::Password | FieldType::Number | FieldType::Unknown => {
            let input_type = move || {
                if masked && !revealed.get() {
                    "password"
                } else {
                    "text"
                }
            };
            let inputmode = (field_type == FieldType::Number).then_some("decimal");
            view! {
                <input
                    id=id.clone()
                    class="lh-input"
                    type=input_type
                    inputmode=inputmode
                    required=required
                    readonly=read_only
                    placeholder=placeholder
                    spellcheck="false"
                    autocapitalize="off"
                    autocomplete=autocomplete
                    aria-invalid=aria_invalid
                    aria-describedby=move || described_by.get()
                    prop:value=value
                    on:input=on_input
                    on:blur=on_blur
                />
            }
            .into_any()
        }
    };
    let toggle = (masked && field_type != FieldType::Select).then(|| {
        let label = label.clone();
        view! {
            <button
                type="button"
                class="lh-button lh-field__reveal"
                aria-controls=id.clone()
                // Names the action and the field ("Show User Token" / "Hide User Token"); the
                // visible word starts the name. No `aria-pressed` as well: a name that changes
                // with the state already says it, and both together announce it twice.
                // `{field}` rather than `{{ field }}`: see `field_error_message`.
                aria-label=move || {
                    let named = if revealed.get() {
                        td_string!(locale, hide_secret_named)
                    } else {
                        td_string!(locale, show_secret_named)
                    };
                    named.to_string().replace("{field}", &label)
                }
                on:click=move |_| revealed.update(|r| *r = !*r)
            >
                {move || {
                    if revealed.get() {
                        td_string!(locale, hide_secret).to_string()
                    } else {
                        td_string!(locale, show_secret).to_string()
                    }
                }}
            </button>
        }
    });
    // A stored secret (edit mode) shows as redacted until the user chooses to change it.
    let redacted = move || raw().starts_with(REDACTED_PREFIX);
    let saved = move || {
        let v = raw();
        let tail = v
            .strip_prefix(REDACTED_PREFIX)
            .unwrap_or_default()
            .to_owned();
        if tail.is_empty() {
            td!(locale, saved_secret_hidden).into_any()
        } else {
            td!(locale, saved_secret, tail = crate::text::isolated(tail)).into_any()
        }
    };
    let focus_id = id.clone();
    let edit_secret = move |_| {
        key.with_value(|k| {
            ctx.values.update(|v| {
                v.insert(k.clone(), String::new());
            });
        });
        focus_later(focus_id.clone());
    };
    // Only secrets can come back redacted.
    let saved_view = masked.then(|| {
        view! {
            <div class="lh-field__redacted" hidden=move || !redacted()>
                <span class="lh-field__saved">{saved}</span>
                <button type="button" class="lh-button" on:click=edit_secret>
                    {td!(locale, edit_secret)}
                    <span class="lh-visually-hidden">" " {label.clone()}</span>
                </button>
            </div>
        }
    });
    view! {
        {saved_view}
        <div class="lh-field__control" hidden=redacted>
            {control}
            {toggle}
        </div>
    }
}

/// Focuses an element once the DOM caught up with the state change that revealed it.
fn focus_later(id: String) {
    #[cfg(target_arch = "wasm32")]
    leptos::task::spawn_local(async move {
        use wasm_bindgen::JsCast;
        crate::browser::sleep(0).await;
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = el {
            let _ = el.focus();
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}
