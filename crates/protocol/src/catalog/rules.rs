//! The rules of `catalog/README.md` that need more than the definition's types: where a
//! value sits in `connector.toml` (so a message names its line), which categories and
//! support links are allowed, and what a logo may contain.

use std::collections::BTreeMap;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;
use toml::de::{DeTable, DeValue};

/// The categories a connector may have (the protocol's `type`), as `catalog/README.md`
/// lists them: a typo would otherwise become a filter of its own in the widget.
pub const CATEGORIES: [&str; 13] = [
    "hris",
    "ats",
    "crm",
    "ticketing",
    "documents",
    "iam",
    "lms",
    "marketing",
    "accounting",
    "messaging",
    "scheduling",
    "screening",
    "data",
];

/// The longest display name, in characters (in every language): a name is a brand, and it
/// is shown in a list card, a heading and sentences of the form.
pub const MAX_NAME_CHARS: usize = 60;

/// The 1-based line of every value of a `connector.toml` (and the text of each string), by
/// dotted path: `category`, `support.link`, `fields.0.label`, `translations.fr.name`.
#[derive(Debug, Default)]
pub struct Lines(BTreeMap<String, (usize, Option<String>)>);

impl Lines {
    /// Reads `src`; a document that does not parse has no lines (its syntax error is
    /// reported on its own).
    pub fn parse(src: &str) -> Lines {
        let mut lines = Lines::default();
        if let Ok(table) = DeTable::parse(src) {
            lines.table(src, "", table.get_ref());
        }
        lines
    }

    /// The line of the value at `path`.
    pub fn of(&self, path: &str) -> Option<usize> {
        self.0.get(path).map(|v| v.0)
    }

    /// The string at `path` as written (`None` for other values or no value).
    pub fn text(&self, path: &str) -> Option<&str> {
        self.0.get(path).and_then(|v| v.1.as_deref())
    }

    /// `"line N: "` for the value at `path`, to start a message with; empty when unknown.
    pub fn at(&self, path: &str) -> String {
        self.of(path)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default()
    }

    fn insert(&mut self, src: &str, path: &str, start: usize, text: Option<&str>) {
        let line = src.get(..start).unwrap_or(src).matches('\n').count() + 1;
        self.0
            .entry(path.to_owned())
            .or_insert((line, text.map(str::to_owned)));
    }

    fn table(&mut self, src: &str, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let path = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            // The key's line: a value may start on a later line (a multi-line string).
            let text = match value.get_ref() {
                DeValue::String(s) => Some(&**s),
                _ => None,
            };
            self.insert(src, &path, key.span().start, text);
            self.value(src, &path, value.get_ref());
        }
    }

    fn value(&mut self, src: &str, path: &str, value: &DeValue<'_>) {
        match value {
            DeValue::Table(t) => self.table(src, path, t),
            DeValue::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    let path = format!("{path}.{i}");
                    let text = match item.get_ref() {
                        DeValue::String(s) => Some(&**s),
                        _ => None,
                    };
                    self.insert(src, &path, item.span().start, text);
                    self.value(src, &path, item.get_ref());
                }
            }
            _ => {}
        }
    }
}

/// Why a support link is refused, if it is: only `https:` pages (and `mailto:`) of the
/// provider, with no whitespace or control characters that could hide another address.
pub fn support_link_problem(link: &str) -> Option<String> {
    let lower = link.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("mailto:"));
    match rest {
        None => Some(format!(
            "support link `{link}` must be an https: address (or mailto:)"
        )),
        Some("") => Some(format!("support link `{link}` has no address")),
        Some(_) if link.chars().any(|c| c.is_whitespace() || c.is_control()) => Some(format!(
            "support link `{link}` contains spaces or control characters"
        )),
        Some(_) => None,
    }
}

/// Elements a logo may use: shapes, text, gradients and local references. Anything else
/// (`<script>`, `<foreignObject>`, `<image>`, `<style>`, animations…) is refused.
const LOGO_ELEMENTS: &[&str] = &[
    "svg",
    "title",
    "desc",
    "g",
    "defs",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "path",
    "text",
    "tspan",
    "lineargradient",
    "radialgradient",
    "stop",
    "clippath",
    "mask",
    "symbol",
    "use",
];

/// Every way `svg` breaks the logo rules of `catalog/README.md` (`viewBox="0 0 24 24"`,
/// `role="img"`, a `<title>` naming the provider; no scripts, event handlers, external
/// references or embedded images), each with its 1-based line.
pub fn logo_problems(svg: &str, name: &str) -> Vec<(usize, String)> {
    let sink = LogoSink::default();
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(svg));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let st = tokenizer.sink.0.into_inner();
    let mut problems = st.problems;
    if !st.saw_root {
        problems.push((1, "the logo has no <svg> element".to_owned()));
    }
    match st.title {
        None if st.saw_root => problems.push((1, "the logo has no <title>".to_owned())),
        Some((line, text)) => {
            let text = text.trim().to_lowercase();
            if !text.contains(&name.trim().to_lowercase()) {
                problems.push((
                    line,
                    format!(
                        "the logo's <title> `{}` does not name `{name}`",
                        text.trim()
                    ),
                ));
            }
        }
        None => {}
    }
    problems.sort_by_key(|p| p.0);
    problems
}

#[derive(Default)]
struct LogoState {
    saw_root: bool,
    /// The first `<title>`: its line and text.
    title: Option<(usize, String)>,
    in_title: bool,
    problems: Vec<(usize, String)>,
}

#[derive(Default)]
struct LogoSink(RefCell<LogoState>);

impl TokenSink for LogoSink {
    type Handle = ();

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<()> {
        let line = usize::try_from(line_number).unwrap_or(usize::MAX);
        let mut st = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => {
                let name = tag.name.to_string();
                if !st.saw_root {
                    st.saw_root = true;
                    if name != "svg" {
                        st.problems.push((
                            line,
                            format!("the logo's first element is <{name}>, not <svg>"),
                        ));
                    } else {
                        let attr = |n: &str| {
                            tag.attrs
                                .iter()
                                .find(|a| &*a.name.local == n)
                                .map(|a| a.value.to_string())
                        };
                        let view_box = attr("viewbox").map(|v| {
                            v.split(|c: char| c == ',' || c.is_whitespace())
                                .filter(|s| !s.is_empty())
                                .collect::<Vec<_>>()
                                .join(" ")
                        });
                        if view_box.as_deref() != Some("0 0 24 24") {
                            st.problems
                                .push((line, "<svg> needs viewBox=\"0 0 24 24\"".to_owned()));
                        }
                        if attr("role").as_deref() != Some("img") {
                            st.problems
                                .push((line, "<svg> needs role=\"img\"".to_owned()));
                        }
                    }
                }
                if !LOGO_ELEMENTS.contains(&name.as_str()) {
                    st.problems.push((
                        line,
                        format!(
                            "<{name}> is not allowed in a logo (no scripts, external references or embedded images)"
                        ),
                    ));
                }
                if name == "title" && st.title.is_none() && !tag.self_closing {
                    st.title = Some((line, String::new()));
                    st.in_title = true;
                }
                for a in &tag.attrs {
                    let attr = a.name.local.to_string();
                    let value = a.value.to_string();
                    if let Some(problem) = attribute_problem(&name, &attr, &value) {
                        st.problems.push((line, problem));
                    }
                }
            }
            Token::TagToken(tag) if &*tag.name == "title" => st.in_title = false,
            Token::CharacterTokens(text) if st.in_title => {
                if let Some((_, t)) = &mut st.title {
                    t.push_str(&text);
                }
            }
            Token::DoctypeToken(_) => st
                .problems
                .push((line, "a DOCTYPE is not allowed in a logo".to_owned())),
            // `<?xml-stylesheet href=…?>` reads as a comment to an HTML tokenizer.
            Token::CommentToken(text) if text.to_ascii_lowercase().contains("stylesheet") => {
                st.problems.push((
                    line,
                    "a style sheet reference is not allowed in a logo".to_owned(),
                ))
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Why an attribute is refused: an event handler, a reference that is not to the logo's
/// own `#id`, or a script address anywhere.
fn attribute_problem(element: &str, attr: &str, value: &str) -> Option<String> {
    let lower: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if attr.starts_with("on") {
        return Some(format!(
            "<{element}> has the event handler attribute `{attr}`"
        ));
    }
    if attr == "style" {
        return Some(format!(
            "<{element}> has a style attribute (use presentation attributes such as fill)"
        ));
    }
    if (attr == "href" || attr.ends_with(":href")) && !value.trim_start().starts_with('#') {
        return Some(format!(
            "<{element}> {attr}=\"{value}\" refers outside the logo (only #id references are allowed)"
        ));
    }
    if lower.contains("javascript:") {
        return Some(format!("<{element}> {attr} holds a script address"));
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let target = rest.trim_start_matches(['"', '\'']);
        if !target.starts_with('#') {
            return Some(format!(
                "<{element}> {attr}=\"{value}\" refers outside the logo (only url(#id) is allowed)"
            ));
        }
    }
    None
}

/// Why a pattern is refused though regex compiles it: a named group (`(?P<x>…)`,
/// `(?<x>…)`), which the browser's `v` flag and Python's `re` do not read alike.
pub fn pattern_problem(pattern: &str) -> Option<String> {
    let named = pattern.contains("(?P<")
        || pattern
            .match_indices("(?<")
            .any(|(i, _)| !matches!(pattern[i + 3..].chars().next(), Some('=' | '!')));
    named.then(|| format!("pattern `{pattern}` uses a named group, which the browser, the server and the checks do not read alike"))
}

/// `[a-z][a-z0-9_]*`: a field key as the README asks for (snake_case).
pub fn snake_case(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
