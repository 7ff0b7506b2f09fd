//! Guide importer: turns a guide document in the StackOne guide markup (markdown lines
//! mixed with HTML and MDX/JSX tags, see the seeds in `tests/fixtures/`) into a [`Guide`].
//!
//! Tags are read with html5ever's tokenizer, not its tree builder: the HTML5 tree rules
//! (implicit `<p>` closing, foster parenting) are not MDX's, while the tokenizer gives us
//! entity decoding, attribute parsing and line numbers. A small stack builds the tree
//! with JSX-like rules (every tag closes explicitly or by `/>`), tolerating stray and
//! unclosed tags. The importer never panics and never keeps raw HTML: unknown tags keep
//! only their text, and links other than http, https and mailto are dropped.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::guide::{Block, CalloutKind, Guide, GuideAction, Inline, Section, Step, plain_text};

/// A problem found while importing, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub line: usize,
    pub message: String,
    /// Content of the document is lost: markup that is never closed swallows what follows
    /// it (and an unclosed `<iframe>`, `<svg>` or comment drops it altogether). The catalog
    /// refuses a guide with such a problem; the others are repairs it accepts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub lost: bool,
}

/// What [`check_guide`] says of a guide without a linking section.
pub const NO_LINKING_SECTION: &str = "the guide has no linking section (`## Linking the Account from the Hub`, listing the form's field labels)";

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Why a document could not become a guide at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("no `# Title` line")]
    NoTitle,
    #[error("no sections (expected `<section data-guide-section>` or `## Heading`)")]
    NoSections,
}

/// Import a guide document. Tolerant: only a missing title or a document without any
/// section is an error; everything else degrades (see [`check_guide`] for the warnings).
pub fn import_guide(src: &str) -> Result<Guide, ImportError> {
    import_with_problems(src).0
}

/// Everything the importer had to guess, drop or repair, with line numbers; empty for a
/// clean document. Fatal problems (no title, no sections) are included too.
pub fn check_guide(src: &str) -> Vec<Problem> {
    let (result, mut problems) = import_with_problems(src);
    match result {
        Err(e) => problems.push(Problem {
            line: 1,
            message: e.to_string(),
            lost: true,
        }),
        Ok(guide) if guide.linking_section().is_none() => problems.push(Problem {
            line: src.lines().count().max(1),
            message: NO_LINKING_SECTION.to_owned(),
            lost: true,
        }),
        Ok(_) => {}
    }
    problems.sort_by_key(|p| p.line);
    problems
}

/// Import, returning the guide (or the fatal error) and every problem found on the way.
pub fn import_with_problems(src: &str) -> (Result<Guide, ImportError>, Vec<Problem>) {
    let (nodes, mut problems) = parse_tree(src);
    let mut conv = Converter::default();
    conv.top_level(&nodes, false);
    conv.finish_section();
    problems.append(&mut conv.problems);

    let result = match conv.title {
        None => Err(ImportError::NoTitle),
        Some(_) if conv.sections.is_empty() => Err(ImportError::NoSections),
        Some(title) => Ok(Guide {
            lang: None,
            title,
            summary: conv.summary.unwrap_or_default(),
            actions: conv.actions,
            sections: conv.sections,
        }),
    };
    (result, problems)
}

// ---------------------------------------------------------------------------------------
// Tree building

#[derive(Debug, Clone)]
enum Node {
    Text { text: String, line: usize },
    Element(Element),
}

#[derive(Debug, Clone)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    line: usize,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn has_attr(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == name)
    }
}

/// Deeper nesting than this is flattened: real guides nest a handful of levels, and the
/// recursive conversion must not overflow the stack on hostile input.
const MAX_DEPTH: usize = 64;

const VOID: &[&str] = &[
    "br", "img", "hr", "input", "meta", "link", "source", "wbr", "area", "col", "embed", "track",
];

#[derive(Default)]
struct TreeState {
    root: Vec<Node>,
    stack: Vec<Element>,
    problems: Vec<Problem>,
}

impl TreeState {
    fn children(&mut self) -> &mut Vec<Node> {
        match self.stack.last_mut() {
            Some(e) => &mut e.children,
            None => &mut self.root,
        }
    }

    fn push_text(&mut self, s: &str, line: usize) {
        let children = self.children();
        if let Some(Node::Text { text, .. }) = children.last_mut() {
            text.push_str(s);
        } else {
            children.push(Node::Text {
                text: s.to_owned(),
                line,
            });
        }
    }

    fn close_top(&mut self) {
        if let Some(el) = self.stack.pop() {
            self.children().push(Node::Element(el));
        }
    }
}

struct Sink {
    state: RefCell<TreeState>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<()> {
        let line = usize::try_from(line_number).unwrap_or(usize::MAX);
        let mut st = self.state.borrow_mut();
        match token {
            Token::CharacterTokens(t) => st.push_text(&t, line),
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                match tag.kind {
                    TagKind::StartTag => {
                        let el = Element {
                            attrs: tag
                                .attrs
                                .iter()
                                .map(|a| (a.name.local.to_string(), a.value.to_string()))
                                .collect(),
                            name,
                            children: Vec::new(),
                            line,
                        };
                        if tag.self_closing || VOID.contains(&el.name.as_str()) {
                            st.children().push(Node::Element(el));
                        } else if st.stack.len() >= MAX_DEPTH {
                            st.problems.push(Problem {
                                line,
                                message: format!("<{}> nested too deeply; tag ignored", el.name),
                                lost: false,
                            });
                        } else {
                            st.stack.push(el);
                        }
                    }
                    TagKind::EndTag => match st.stack.iter().rposition(|e| e.name == name) {
                        Some(pos) => {
                            while st.stack.len() > pos + 1 {
                                let open = st.stack.last().map(|e| (e.name.clone(), e.line));
                                if let Some((n, l)) = open {
                                    st.problems.push(Problem {
                                        line: l,
                                        message: format!(
                                            "<{n}> is not closed before </{name}>: it swallows everything up to there"
                                        ),
                                        lost: true,
                                    });
                                }
                                st.close_top();
                            }
                            st.close_top();
                        }
                        None => st.problems.push(Problem {
                            line,
                            message: format!("stray </{name}> ignored"),
                            lost: false,
                        }),
                    },
                }
            }
            // Comments, doctypes, NULs and the tokenizer's own parse errors carry no
            // guide content.
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn parse_tree(src: &str) -> (Vec<Node>, Vec<Problem>) {
    let prepared = protect_code_spans(src);
    let sink = Sink {
        state: RefCell::new(TreeState::default()),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(&prepared));
    // `Script` results only come from sinks that ask for script handling; ours never does.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut st = tokenizer.sink.state.into_inner();
    if let Some(line) = unclosed_comment(&prepared) {
        st.problems.push(Problem {
            line,
            message: "`<!--` is never closed by `-->`: it swallows the rest of the guide"
                .to_owned(),
            lost: true,
        });
    }
    while let Some(open) = st.stack.last() {
        let problem = Problem {
            line: open.line,
            message: format!(
                "<{}> is never closed: it swallows the rest of the guide",
                open.name
            ),
            lost: true,
        };
        st.problems.push(problem);
        st.close_top();
    }
    (st.root, st.problems)
}

/// The line of a `<!--` that no `-->` closes, if any.
fn unclosed_comment(src: &str) -> Option<usize> {
    let mut rest = 0;
    while let Some(open) = src.get(rest..).and_then(|s| s.find("<!--")) {
        let start = rest + open;
        match src.get(start + 4..).and_then(|s| s.find("-->")) {
            Some(close) => rest = start + 4 + close + 3,
            None => return Some(src.get(..start).unwrap_or(src).matches('\n').count() + 1),
        }
    }
    None
}

/// Backtick code is literal in MDX (`user:<hex>` is not a tag), so `<` and `&` inside a
/// pair of backticks on one line are escaped before tokenizing. Lines keep their count so
/// line numbers stay right.
fn protect_code_spans(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + 16);
    for (i, line) in src.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let ticks = line.matches('`').count();
        let mut seen = 0;
        let mut inside = false;
        for c in line.chars() {
            if c == '`' {
                seen += 1;
                // An unpaired last backtick opens nothing.
                inside = if inside { false } else { seen < ticks };
                out.push(c);
            } else if inside && c == '<' {
                out.push_str("&lt;");
            } else if inside && c == '&' {
                out.push_str("&amp;");
            } else {
                out.push(c);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Conversion

/// An inline item before paragraphs are formed.
#[derive(Debug, Clone)]
enum Run {
    Inline(Inline),
    /// A newline in the source: a space, unless lines turn out to be `- item`s.
    Soft,
    /// `<br>`.
    Hard,
}

const INLINE_TAGS: &[&str] = &[
    "a", "strong", "b", "em", "i", "u", "span", "code", "kbd", "br", "small", "sup", "sub", "mark",
    "s", "del", "ins", "abbr", "samp", "var", "tt", "img",
];
const BLOCK_TAGS: &[&str] = &[
    "p",
    "ul",
    "ol",
    "li",
    "div",
    "section",
    "steps",
    "step",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "warning",
    "note",
    "tip",
    "info",
    "check",
    "callout",
    "panel",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "accordion",
    "card",
    "frame",
    "dl",
    "dt",
    "dd",
    "hr",
];
/// Elements whose content is not guide text.
const DROPPED: &[&str] = &[
    "script", "style", "img", "svg", "iframe", "video", "audio", "hr",
];

#[derive(Default)]
struct Converter {
    title: Option<String>,
    summary: Option<String>,
    actions: Vec<GuideAction>,
    sections: Vec<Section>,
    /// A section built from markdown (`## Heading`) or loose content, still open.
    current: Option<Section>,
    /// Loose nodes waiting to become blocks of `current`.
    pending: Vec<Node>,
    /// Whether the last top-level node left us at the start of a line.
    at_line_start: bool,
    problems: Vec<Problem>,
}

fn is_linking_heading(heading: &str) -> bool {
    let h = heading.to_lowercase();
    // French guides of this repository say "Lier le compte depuis le Hub".
    h.contains("linking the account")
        || (h.contains("link") && h.contains("hub"))
        || (h.contains("lier le compte") && h.contains("hub"))
}

fn parse_scopes(attr: Option<&str>) -> Vec<String> {
    attr.unwrap_or("")
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn is_section(el: &Element) -> bool {
    el.name == "section" || el.has_attr("data-guide-section")
}

fn is_scope_selector(el: &Element) -> bool {
    el.has_attr("data-guides-scope-selector")
        || el
            .children
            .iter()
            .any(|n| matches!(n, Node::Element(c) if is_scope_selector(c)))
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

fn has_block_descendant(el: &Element) -> bool {
    el.children.iter().any(|n| match n {
        Node::Element(c) => BLOCK_TAGS.contains(&c.name.as_str()) || has_block_descendant(c),
        Node::Text { .. } => false,
    })
}

fn is_block(el: &Element) -> bool {
    if BLOCK_TAGS.contains(&el.name.as_str()) {
        return true;
    }
    !INLINE_TAGS.contains(&el.name.as_str()) && has_block_descendant(el)
}

/// `# Title`, `## Heading`: level and text, when the line is a markdown heading.
fn md_heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let level = t.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &t[level..];
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        Some((level, rest.trim()))
    } else {
        None
    }
}

impl Converter {
    fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            message: message.into(),
            lost: false,
        });
    }

    // --- top level -----------------------------------------------------------------

    fn top_level(&mut self, nodes: &[Node], whitelabel: bool) {
        self.at_line_start = true;
        for node in nodes {
            match node {
                Node::Text { text, line } => self.top_text(text, *line, whitelabel),
                Node::Element(el) => {
                    self.top_element(el, whitelabel);
                    self.at_line_start = is_block(el);
                }
            }
        }
    }

    fn top_text(&mut self, text: &str, first_line: usize, whitelabel: bool) {
        let line_count = text.split('\n').count();
        for (i, line) in text.split('\n').enumerate() {
            let line_no = first_line + i;
            let at_start = i > 0 || self.at_line_start;
            let trimmed = line.trim();
            if at_start {
                if let Some((level, heading)) = md_heading(trimmed) {
                    let heading = normalize_text(&strip_ticks(heading));
                    if level == 1 && self.title.is_none() {
                        self.title = Some(heading);
                    } else if level <= 2 || self.title.is_none() {
                        self.finish_section();
                        let linking = is_linking_heading(&heading);
                        self.current = Some(Section {
                            heading,
                            whitelabel_hide: whitelabel,
                            linking,
                            ..Section::default()
                        });
                    } else {
                        // A sub-heading inside a section reads as a bold line.
                        self.pending.push(Node::Element(Element {
                            name: "p".into(),
                            attrs: Vec::new(),
                            children: vec![Node::Element(Element {
                                name: "strong".into(),
                                attrs: Vec::new(),
                                children: vec![Node::Text {
                                    text: heading,
                                    line: line_no,
                                }],
                                line: line_no,
                            })],
                            line: line_no,
                        }));
                    }
                    continue;
                }
                if let Some(quoted) = trimmed.strip_prefix('>') {
                    if self.title.is_none() {
                        // The "> ## Documentation Index" boilerplate before the title.
                        continue;
                    }
                    if self.sections.is_empty() && self.current.is_none() {
                        let quoted = normalize_text(&strip_ticks(quoted));
                        match &mut self.summary {
                            Some(s) if !s.is_empty() => {
                                if !quoted.is_empty() {
                                    s.push(' ');
                                    s.push_str(&quoted);
                                }
                            }
                            _ => self.summary = Some(quoted),
                        }
                        continue;
                    }
                    // A quote inside the body: keep its text.
                    self.pending.push(Node::Text {
                        text: format!("{quoted}\n"),
                        line: line_no,
                    });
                    continue;
                }
            }
            if self.title.is_none() && !trimmed.is_empty() {
                self.problem(line_no, "text before the `# Title` line ignored");
                continue;
            }
            let mut piece = line.to_owned();
            if i + 1 < line_count {
                piece.push('\n');
            }
            if let Some(Node::Text { text, .. }) = self.pending.last_mut() {
                text.push_str(&piece);
            } else {
                self.pending.push(Node::Text {
                    text: piece,
                    line: line_no,
                });
            }
        }
        self.at_line_start = text.ends_with('\n');
    }

    fn top_element(&mut self, el: &Element, whitelabel: bool) {
        if is_scope_selector(el) {
            self.collect_actions(el);
            return;
        }
        if el.name == "div" && el.has_attr("data-whitelabel-hide") {
            let wraps_sections = el
                .children
                .iter()
                .any(|n| matches!(n, Node::Element(c) if is_section(c)));
            if wraps_sections {
                self.top_level(&el.children, true);
            } else {
                self.finish_section();
                let section = self.section_from(el, true);
                self.sections.push(section);
            }
            return;
        }
        if is_section(el) {
            self.finish_section();
            let section = self.section_from(el, whitelabel || el.has_attr("data-whitelabel-hide"));
            self.sections.push(section);
            return;
        }
        if el.name == "steps" || el.name == "step" {
            let steps = if el.name == "steps" {
                self.steps_from(el)
            } else {
                vec![self.step_from(el)]
            };
            self.flush_pending();
            let section = self.current.get_or_insert_with(|| Section {
                whitelabel_hide: whitelabel,
                ..Section::default()
            });
            section.steps.extend(steps);
            return;
        }
        if self.title.is_none() {
            self.problem(
                el.line,
                format!("<{}> before the `# Title` line ignored", el.name),
            );
            return;
        }
        self.pending.push(Node::Element(el.clone()));
    }

    /// Turn pending loose nodes into blocks of the open section (intro before its steps,
    /// outro after).
    fn flush_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let blocks = self.blocks(&pending);
        if blocks.is_empty() {
            return;
        }
        if self.current.is_none() {
            let line = pending.first().map_or(1, node_line);
            self.problem(
                line,
                "content outside any section put in an untitled section",
            );
        }
        let section = self.current.get_or_insert_with(Section::default);
        if section.steps.is_empty() {
            section.intro.extend(blocks);
        } else {
            section.outro.extend(blocks);
        }
    }

    fn finish_section(&mut self) {
        self.flush_pending();
        if let Some(mut section) = self.current.take() {
            finalize_section(&mut section);
            self.sections.push(section);
        }
    }

    // --- sections and steps ----------------------------------------------------------

    fn section_from(&mut self, el: &Element, whitelabel: bool) -> Section {
        let mut section = Section {
            scopes: parse_scopes(el.attr("data-guide-scopes")),
            whitelabel_hide: whitelabel,
            ..Section::default()
        };
        let mut buffer: Vec<Node> = Vec::new();
        let mut heading_seen = false;
        for node in &el.children {
            let Node::Element(child) = node else {
                buffer.push(node.clone());
                continue;
            };
            if !heading_seen && is_heading(&child.name) {
                heading_seen = true;
                section.heading = normalize_text(&plain_text(&self.inlines_of(&child.children)));
                continue;
            }
            if is_scope_selector(child) {
                self.collect_actions(child);
                continue;
            }
            if child.name == "steps" || child.name == "step" {
                let blocks = self.blocks(&std::mem::take(&mut buffer));
                if section.steps.is_empty() {
                    section.intro.extend(blocks);
                } else {
                    section.outro.extend(blocks);
                }
                if child.name == "steps" {
                    let steps = self.steps_from(child);
                    section.steps.extend(steps);
                } else {
                    let step = self.step_from(child);
                    section.steps.push(step);
                }
                continue;
            }
            buffer.push(node.clone());
        }
        let blocks = self.blocks(&buffer);
        if section.steps.is_empty() {
            section.intro.extend(blocks);
        } else {
            section.outro.extend(blocks);
        }
        if section.heading.is_empty() {
            self.problem(el.line, "section without a heading");
        }
        section.linking = is_linking_heading(&section.heading);
        finalize_section(&mut section);
        section
    }

    fn steps_from(&mut self, el: &Element) -> Vec<Step> {
        let mut steps = Vec::new();
        for node in &el.children {
            match node {
                Node::Element(child) if child.name == "step" => steps.push(self.step_from(child)),
                Node::Element(child) => {
                    self.problem(
                        child.line,
                        format!("<{}> inside <Steps> ignored", child.name),
                    );
                }
                Node::Text { text, line } if !text.trim().is_empty() => {
                    self.problem(*line, "text between steps ignored");
                }
                Node::Text { .. } => {}
            }
        }
        steps
    }

    fn step_from(&mut self, el: &Element) -> Step {
        let title = normalize_text(&strip_ticks(el.attr("title").unwrap_or("")));
        if title.is_empty() {
            self.problem(el.line, "step without a title");
        }
        let mut scopes = Vec::new();
        let mut body_nodes: Vec<Node> = Vec::new();
        for node in &el.children {
            match node {
                Node::Element(child) if child.has_attr("data-guide-step") => {
                    scopes.extend(parse_scopes(child.attr("data-guide-scopes")));
                    body_nodes.extend(child.children.iter().cloned());
                }
                other => body_nodes.push(other.clone()),
            }
        }
        let body = self.blocks(&body_nodes);
        Step {
            title,
            scopes,
            body,
        }
    }

    fn collect_actions(&mut self, el: &Element) {
        if el.has_attr("data-guides-scope-selector") {
            match el.attr("data-guide-actions-json") {
                Some(json) => match serde_json::from_str::<Vec<GuideAction>>(json) {
                    Ok(actions) => self.actions.extend(actions),
                    Err(e) => {
                        self.problem(
                            el.line,
                            format!("scope selector actions are not valid JSON: {e}"),
                        );
                    }
                },
                None => self.problem(el.line, "scope selector without data-guide-actions-json"),
            }
        }
        for node in &el.children {
            if let Node::Element(child) = node {
                self.collect_actions(child);
            }
        }
    }

    // --- blocks ------------------------------------------------------------------------

    fn blocks(&mut self, nodes: &[Node]) -> Vec<Block> {
        let mut out = Vec::new();
        let mut runs: Vec<Run> = Vec::new();
        for node in nodes {
            match node {
                Node::Text { text, .. } => push_text_runs(text, &mut runs),
                Node::Element(el) if DROPPED.contains(&el.name.as_str()) => {}
                Node::Element(el) if !is_block(el) => self.inline_element(el, &mut runs),
                Node::Element(el) => {
                    paragraphs(std::mem::take(&mut runs), &mut out);
                    self.block_element(el, &mut out);
                }
            }
        }
        paragraphs(runs, &mut out);
        out
    }

    fn block_element(&mut self, el: &Element, out: &mut Vec<Block>) {
        match el.name.as_str() {
            "p" | "pre" | "dt" | "dd" => {
                let mut runs = Vec::new();
                for node in &el.children {
                    match node {
                        Node::Element(c) if is_block(c) => {
                            paragraphs(std::mem::take(&mut runs), out);
                            self.block_element(c, out);
                        }
                        other => self.inline_node(other, &mut runs),
                    }
                }
                paragraphs(runs, out);
            }
            "ul" | "ol" => {
                let mut items = Vec::new();
                for node in &el.children {
                    match node {
                        Node::Element(li) if li.name == "li" => {
                            let item = normalize(self.inlines_of(&li.children));
                            if !item.is_empty() {
                                items.push(item);
                            }
                        }
                        Node::Text { text, .. } if text.trim().is_empty() => {}
                        other => {
                            let item = normalize(self.inlines_of(std::slice::from_ref(other)));
                            if !item.is_empty() {
                                items.push(item);
                            }
                        }
                    }
                }
                if !items.is_empty() {
                    out.push(Block::List(items));
                }
            }
            "li" => {
                let item = normalize(self.inlines_of(&el.children));
                if !item.is_empty() {
                    out.push(Block::List(vec![item]));
                }
            }
            "warning" | "note" | "tip" | "info" | "check" | "callout" => {
                let kind = match el.name.as_str() {
                    "warning" => CalloutKind::Warning,
                    "note" => CalloutKind::Note,
                    "tip" | "check" => CalloutKind::Tip,
                    _ => CalloutKind::Info,
                };
                let body = self.blocks(&el.children);
                if !body.is_empty() {
                    out.push(Block::Callout { kind, body });
                }
            }
            name if is_heading(name) => {
                let inl = normalize(self.inlines_of(&el.children));
                if !inl.is_empty() {
                    out.push(Block::Paragraph(vec![Inline::Strong(inl)]));
                }
            }
            "steps" => {
                // Steps where only blocks fit (inside a callout, say): a bold title, then the body.
                for step in self.steps_from(el) {
                    push_step_as_blocks(step, out);
                }
            }
            "step" => {
                let step = self.step_from(el);
                push_step_as_blocks(step, out);
            }
            _ if is_scope_selector(el) => self.collect_actions(el),
            _ => {
                let inner = self.blocks(&el.children);
                out.extend(inner);
            }
        }
    }

    // --- inlines -----------------------------------------------------------------------

    fn inlines_of(&mut self, nodes: &[Node]) -> Vec<Inline> {
        let mut runs = Vec::new();
        for node in nodes {
            self.inline_node(node, &mut runs);
        }
        runs_to_inlines(runs)
    }

    fn inline_node(&mut self, node: &Node, runs: &mut Vec<Run>) {
        match node {
            Node::Text { text, .. } => push_text_runs(text, runs),
            Node::Element(el) => self.inline_element(el, runs),
        }
    }

    fn inline_element(&mut self, el: &Element, runs: &mut Vec<Run>) {
        match el.name.as_str() {
            name if DROPPED.contains(&name) => {}
            "br" => runs.push(Run::Hard),
            "strong" | "b" => {
                let inner = self.inlines_of(&el.children);
                if !inner.is_empty() {
                    runs.push(Run::Inline(Inline::Strong(inner)));
                }
            }
            "code" | "kbd" | "samp" | "tt" => {
                let code = collapse_ws(&plain_text(&self.inlines_of(&el.children)));
                if !code.trim().is_empty() {
                    runs.push(Run::Inline(Inline::Code(code.trim().to_owned())));
                }
            }
            "a" => {
                let children = self.inlines_of(&el.children);
                match el.attr("href").map(str::trim) {
                    Some(href) if safe_href(href) => {
                        runs.push(Run::Inline(Inline::Link {
                            href: href.to_owned(),
                            children,
                        }));
                    }
                    href => {
                        self.problem(
                            el.line,
                            format!(
                                "link to `{}` dropped, its text kept (only http, https and mailto links are kept)",
                                href.unwrap_or("")
                            ),
                        );
                        runs.extend(children.into_iter().map(Run::Inline));
                    }
                }
            }
            _ => {
                for node in &el.children {
                    self.inline_node(node, runs);
                }
            }
        }
    }
}

fn node_line(node: &Node) -> usize {
    match node {
        Node::Text { line, .. } => *line,
        Node::Element(e) => e.line,
    }
}

fn push_step_as_blocks(step: Step, out: &mut Vec<Block>) {
    if !step.title.is_empty() {
        out.push(Block::Paragraph(vec![Inline::Strong(vec![Inline::Text(
            step.title,
        )])]));
    }
    out.extend(step.body);
}

/// Mark the linking section and collect the labels under "Fill out the following fields".
fn finalize_section(section: &mut Section) {
    section.linking = is_linking_heading(&section.heading);
    if !section.linking {
        return;
    }
    let mut fields = Vec::new();
    let lists = std::iter::once(&section.intro)
        .chain(section.steps.iter().map(|s| &s.body))
        .chain(std::iter::once(&section.outro));
    for blocks in lists {
        collect_field_lists(blocks, &mut fields);
    }
    section.fields = fields;
}

fn collect_field_lists(blocks: &[Block], fields: &mut Vec<String>) {
    let mut announced = false;
    for block in blocks {
        match block {
            Block::Paragraph(inl) => {
                announced = plain_text(inl)
                    .to_lowercase()
                    .contains("fill out the following fields");
            }
            Block::List(items) if announced => {
                fields.extend(
                    items
                        .iter()
                        .map(|i| normalize_text(&plain_text(i)))
                        .filter(|s| !s.is_empty()),
                );
                announced = false;
            }
            Block::Callout { body, .. } => collect_field_lists(body, fields),
            Block::List(_) => {}
        }
    }
}

fn safe_href(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        && !href.chars().any(|c| c.is_control())
}

/// Split text into runs: backtick pairs become code, newlines become soft breaks.
fn push_text_runs(text: &str, runs: &mut Vec<Run>) {
    let parts: Vec<&str> = text.split('`').collect();
    // With an odd number of parts every backtick is paired; otherwise the last one is literal.
    let paired = parts.len() % 2 == 1;
    for (i, part) in parts.iter().enumerate() {
        let is_code = i % 2 == 1 && (paired || i + 1 < parts.len() - 1);
        if is_code {
            let code = collapse_ws(part);
            let code = code.trim();
            if !code.is_empty() {
                runs.push(Run::Inline(Inline::Code(code.to_owned())));
            }
            continue;
        }
        let literal_tick = i % 2 == 1 && !is_code;
        let mut piece = String::new();
        if literal_tick {
            piece.push('`');
        }
        piece.push_str(part);
        for (j, line) in piece.split('\n').enumerate() {
            if j > 0 {
                runs.push(Run::Soft);
            }
            if !line.is_empty() {
                runs.push(Run::Inline(Inline::Text(line.to_owned())));
            }
        }
    }
}

/// Runs to inlines for a context that has no paragraphs (list items, headings, strong).
fn runs_to_inlines(runs: Vec<Run>) -> Vec<Inline> {
    let inl = runs
        .into_iter()
        .map(|r| match r {
            Run::Inline(i) => i,
            Run::Soft | Run::Hard => Inline::Text(" ".into()),
        })
        .collect();
    merge_and_collapse(inl)
}

/// Turn a run sequence into blocks: blank lines separate paragraphs, `<br>` separates
/// lines, and lines starting with `- ` (or `* `, `• `) become a bullet list, which is how
/// guide authors write lists inside a `<p>`.
fn paragraphs(runs: Vec<Run>, out: &mut Vec<Block>) {
    // Lines, each with whether it ended on a hard break and whether a blank line follows.
    let mut lines: Vec<(Vec<Inline>, bool)> = Vec::new(); // (inlines, hard_before)
    let mut current: Vec<Inline> = Vec::new();
    let mut hard_before = false;
    for run in runs {
        match run {
            Run::Inline(i) => current.push(i),
            Run::Soft | Run::Hard => {
                lines.push((std::mem::take(&mut current), hard_before));
                hard_before = matches!(run, Run::Hard);
            }
        }
    }
    lines.push((current, hard_before));

    let mut para: Vec<Inline> = Vec::new();
    let mut list: Vec<Vec<Inline>> = Vec::new();
    let flush_para = |para: &mut Vec<Inline>, out: &mut Vec<Block>| {
        let inl = normalize(std::mem::take(para));
        if !inl.is_empty() {
            out.push(Block::Paragraph(inl));
        }
    };
    let flush_list = |list: &mut Vec<Vec<Inline>>, out: &mut Vec<Block>| {
        if !list.is_empty() {
            out.push(Block::List(std::mem::take(list)));
        }
    };
    for (line, hard_before) in lines {
        let blank = line
            .iter()
            .all(|i| matches!(i, Inline::Text(t) if t.trim().is_empty()));
        if blank {
            // A blank line ends a paragraph and a list.
            flush_para(&mut para, out);
            flush_list(&mut list, out);
            continue;
        }
        if let Some(item) = strip_bullet(line.clone()) {
            flush_para(&mut para, out);
            let item = normalize(item);
            if !item.is_empty() {
                list.push(item);
            }
            continue;
        }
        flush_list(&mut list, out);
        if hard_before {
            flush_para(&mut para, out);
        }
        if !para.is_empty() {
            para.push(Inline::Text(" ".into()));
        }
        para.extend(line);
    }
    flush_para(&mut para, out);
    flush_list(&mut list, out);
}

/// The line without its `- ` bullet, when it has one.
fn strip_bullet(mut line: Vec<Inline>) -> Option<Vec<Inline>> {
    let first = line
        .iter()
        .position(|i| !matches!(i, Inline::Text(t) if t.trim().is_empty()))?;
    let Inline::Text(t) = &line[first] else {
        return None;
    };
    let trimmed = t.trim_start();
    let rest = ["- ", "* ", "• "]
        .iter()
        .find_map(|b| trimmed.strip_prefix(b))?;
    let rest = rest.to_owned();
    line.drain(..first);
    line[0] = Inline::Text(rest);
    Some(line)
}

/// Merge adjacent text, collapse whitespace, trim the ends, drop empties.
fn normalize(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut inl = merge_and_collapse(inlines);
    trim_start(&mut inl);
    trim_end(&mut inl);
    inl.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    inl
}

fn merge_and_collapse(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text(t) => {
                let t = collapse_ws(&t);
                if let Some(Inline::Text(prev)) = out.last_mut() {
                    prev.push_str(&t);
                    *prev = collapse_ws(prev);
                } else if !t.is_empty() {
                    out.push(Inline::Text(t));
                }
            }
            Inline::Strong(children) => {
                let children = merge_and_collapse(children);
                if !children.is_empty() {
                    out.push(Inline::Strong(children));
                }
            }
            Inline::Link { href, children } => {
                out.push(Inline::Link {
                    href,
                    children: merge_and_collapse(children),
                });
            }
            code @ Inline::Code(_) => out.push(code),
        }
    }
    out
}

fn trim_start(inl: &mut [Inline]) {
    match inl.first_mut() {
        Some(Inline::Text(t)) => *t = t.trim_start().to_owned(),
        Some(Inline::Strong(c) | Inline::Link { children: c, .. }) => trim_start(c),
        _ => {}
    }
}

fn trim_end(inl: &mut [Inline]) {
    match inl.last_mut() {
        Some(Inline::Text(t)) => *t = t.trim_end().to_owned(),
        Some(Inline::Strong(c) | Inline::Link { children: c, .. }) => trim_end(c),
        _ => {}
    }
}

/// Every whitespace run (newlines, tabs, NBSP) becomes one space.
fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_ws = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

fn normalize_text(s: &str) -> String {
    collapse_ws(s).trim().to_owned()
}

/// Headings and titles are plain text: backticks are dropped rather than shown.
fn strip_ticks(s: &str) -> String {
    s.replace('`', "")
}
