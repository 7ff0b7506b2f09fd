//! The guide model: step-by-step help for getting a connector's credentials, shipped to
//! the widget inside `config.guide`.
//!
//! There is no raw HTML anywhere in it: the widget renders every run as a text node, so a
//! guide can never inject markup. Links are already restricted to http, https and mailto
//! by the importer.

use serde::{Deserialize, Serialize};

/// A connector's guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Guide {
    /// The language it is written in (`fr`, …) when it is a translation; absent: English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// The scope selector's choices ("what do you want to do?"); empty when the guide has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<GuideAction>,
    #[serde(default)]
    pub sections: Vec<Section>,
}

/// One choice of the scope selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuideAction {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A section of a guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    pub heading: String,
    /// Blocks before the steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intro: Vec<Block>,
    /// Empty: applies to every scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Hidden when the host runs the widget whitelabelled.
    #[serde(default)]
    pub whitelabel_hide: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// Blocks after the steps (e.g. "you will see the linked account…").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outro: Vec<Block>,
    /// This is the "Linking the account from the Hub" section.
    #[serde(default)]
    pub linking: bool,
    /// Field labels the linking section tells the user to fill out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// A numbered step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub body: Vec<Block>,
}

/// A block of content. Externally tagged on the wire: `{"paragraph": [...]}`,
/// `{"list": [[...], ...]}`, `{"callout": {"kind": "warning", "body": [...]}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(no_recursion))]
#[serde(rename_all = "snake_case")]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// A bullet list; each item is a run of inlines.
    List(Vec<Vec<Inline>>),
    Callout {
        kind: CalloutKind,
        body: Vec<Block>,
    },
}

/// The flavour of a callout box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CalloutKind {
    Warning,
    Note,
    Tip,
    Info,
}

/// An inline run. Externally tagged on the wire: `{"text": "..."}`, `{"code": "..."}`,
/// `{"strong": [...]}`, `{"link": {"href": "...", "children": [...]}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(no_recursion))]
#[serde(rename_all = "snake_case")]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Code(String),
    /// `href` is http, https or mailto (the importer drops every other link).
    Link {
        href: String,
        children: Vec<Inline>,
    },
}

impl Inline {
    pub fn text(s: impl Into<String>) -> Self {
        Inline::Text(s.into())
    }
    pub fn code(s: impl Into<String>) -> Self {
        Inline::Code(s.into())
    }
    pub fn link(href: impl Into<String>, children: Vec<Inline>) -> Self {
        Inline::Link {
            href: href.into(),
            children,
        }
    }
}

/// The plain text of a run of inlines (for labels, search and tests).
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    push_plain(inlines, &mut out);
    out
}

fn push_plain(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(text) | Inline::Code(text) => out.push_str(text),
            Inline::Strong(children) | Inline::Link { children, .. } => push_plain(children, out),
        }
    }
}

/// Whether content tagged `scopes` shows for the `chosen` ones: untagged content always
/// shows, and so does everything when nothing is chosen.
pub fn scopes_match(scopes: &[String], chosen: Option<&[String]>) -> bool {
    match chosen {
        None => true,
        Some(_) if scopes.is_empty() => true,
        Some(chosen) => scopes.iter().any(|s| chosen.contains(s)),
    }
}

/// The scopes a guide is shown for when both the host page (the widget's `scopes` option)
/// and the host backend (`scopes` of the connect session) name some: every scope either
/// asks for, page's first, each once. Each side names permissions the linked account must
/// grant, so the user is shown the steps for all of them; when only one side names scopes,
/// those are used.
///
/// ```
/// use linkhub_protocol::guide::combine_scopes;
/// let page = vec!["employees:read".to_string()];
/// let session = vec!["absences:read".to_string(), "employees:read".to_string()];
/// assert_eq!(combine_scopes(&page, &session), ["employees:read", "absences:read"]);
/// assert_eq!(combine_scopes(&[], &session), session);
/// ```
pub fn combine_scopes(page: &[String], session: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::with_capacity(page.len() + session.len());
    for scope in page.iter().chain(session) {
        if !all.contains(scope) {
            all.push(scope.clone());
        }
    }
    all
}

impl Guide {
    /// The guide as a user with these scopes sees it. `scopes = None` (nothing chosen)
    /// shows everything; `whitelabel` drops sections flagged `whitelabel_hide`. A section
    /// whose steps are all hidden stays when it has intro or outro text of its own.
    pub fn visible(&self, scopes: Option<&[String]>, whitelabel: bool) -> Guide {
        let sections = self
            .sections
            .iter()
            .filter(|s| !(whitelabel && s.whitelabel_hide) && scopes_match(&s.scopes, scopes))
            .filter_map(|s| {
                let steps: Vec<Step> = s
                    .steps
                    .iter()
                    .filter(|st| scopes_match(&st.scopes, scopes))
                    .cloned()
                    .collect();
                let emptied = !s.steps.is_empty()
                    && steps.is_empty()
                    && s.intro.is_empty()
                    && s.outro.is_empty();
                (!emptied).then(|| Section { steps, ..s.clone() })
            })
            .collect();
        Guide {
            sections,
            ..self.clone()
        }
    }

    /// The linking section ("Linking the account from the Hub"), if any.
    pub fn linking_section(&self) -> Option<&Section> {
        self.sections.iter().find(|s| s.linking)
    }

    /// Every scope named anywhere in the guide, sorted and de-duplicated.
    pub fn all_scopes(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .sections
            .iter()
            .flat_map(|s| {
                s.scopes
                    .iter()
                    .chain(s.steps.iter().flat_map(|st| st.scopes.iter()))
            })
            .chain(self.actions.iter().flat_map(|a| a.scopes.iter()))
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }
}
