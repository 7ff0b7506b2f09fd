//! Theming: the colour scheme and the handful of tokens a host may set, validated, with the
//! colours derived from the host's primary colour computed from WCAG contrast; no view code.
//!
//! A host passes `theme: "light" | "dark" | "system"` or an object
//! `{ mode, tokens: { primary, radius, font, spacing } }`. Each token maps to one CSS custom
//! property of the widget root (`--lh-…`). Every value is parsed (colours as hex or `rgb()`,
//! lengths as CSS lengths in a sane range, fonts as a plain family list) and re-serialised
//! from the parsed form, so nothing a host sends reaches the style sheet as text: an invalid
//! value is dropped with a warning naming the option, never fatal.

use std::fmt;

/// The light backgrounds text sits on (page, surface, note and warning boxes); keep in step
/// with `style/hub.css`.
const LIGHT_BACKGROUNDS: [Rgb; 4] = [
    Rgb(0xff, 0xff, 0xff),
    Rgb(0xf6, 0xf7, 0xf9),
    Rgb(0xea, 0xf2, 0xff),
    Rgb(0xff, 0xf6, 0xe0),
];
/// The dark theme's backgrounds, as above.
const DARK_BACKGROUNDS: [Rgb; 4] = [
    Rgb(0x11, 0x14, 0x18),
    Rgb(0x1a, 0x1f, 0x26),
    Rgb(0x14, 0x26, 0x3f),
    Rgb(0x3a, 0x2f, 0x12),
];
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
const BLACK: Rgb = Rgb(0, 0, 0);
/// WCAG 2.2 AA for normal-size text.
pub const AA_TEXT: f64 = 4.5;

/// An opaque sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#rgb`, `#rrggbb`, `rgb(r, g, b)` or `rgb(r g b)` (0–255 integers); anything
    /// else (names, alpha, `var()`, expressions) is refused.
    pub fn parse(text: &str) -> Option<Rgb> {
        let t = text.trim();
        if let Some(hex) = t.strip_prefix('#') {
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).ok();
            let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
            return match hex.len() {
                3 => Some(Rgb(digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
                6 => Some(Rgb(pair(0)?, pair(2)?, pair(4)?)),
                _ => None,
            };
        }
        let inner = t
            .strip_prefix("rgb(")
            .or_else(|| t.strip_prefix("RGB("))?
            .strip_suffix(')')?;
        let parts: Vec<&str> = inner
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        let [r, g, b] = parts.as_slice() else {
            return None;
        };
        Some(Rgb(r.parse().ok()?, g.parse().ok()?, b.parse().ok()?))
    }

    /// WCAG relative luminance, 0 (black) to 1 (white).
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                pow((c + 0.055) / 1.055, 2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// `self` moved `t` (0–1) of the way towards `other`.
    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// `base` to the power `exp`: in the browser JavaScript's `Math.pow`, so the first screen's
/// wasm does not carry a software `pow` (1.4 KB) for one colour computation.
fn pow(base: f64, exp: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Math::pow(base, exp)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        base.powf(exp)
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The WCAG contrast ratio of two colours, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The text colour for a `background`: white or black, whichever contrasts more (at least
/// 4.58:1 for any background).
pub fn on_color(background: Rgb) -> Rgb {
    if contrast(WHITE, background) >= contrast(BLACK, background) {
        WHITE
    } else {
        BLACK
    }
}

/// The shade of `color` shown under the pointer or while pressed: moved away from its text
/// colour, so the text contrasts at least as much as on `color` itself.
pub fn hover_shade(color: Rgb) -> Rgb {
    let away = if on_color(color) == WHITE {
        BLACK
    } else {
        WHITE
    };
    color.mix(away, 0.15)
}

/// `color`, darkened or lightened just enough to read as text (4.5:1) on every one of
/// `backgrounds`; unchanged when it already does.
pub fn readable_on(color: Rgb, backgrounds: &[Rgb]) -> Rgb {
    let worst = |c: Rgb| {
        backgrounds
            .iter()
            .map(|b| contrast(c, *b))
            .fold(f64::INFINITY, f64::min)
    };
    // Light backgrounds need darker text and dark ones lighter text.
    let dark_page = backgrounds.iter().all(|b| b.luminance() < 0.2);
    let target = if dark_page { WHITE } else { BLACK };
    (0..=20)
        .map(|step| color.mix(target, f64::from(step) / 20.0))
        .find(|c| worst(*c) >= AA_TEXT)
        .unwrap_or(target)
}

/// `light` or `dark` pins the colour scheme; `system` (or nothing) follows the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Light,
    Dark,
    System,
}

impl Mode {
    pub fn parse(name: &str) -> Option<Mode> {
        match name.trim() {
            "light" => Some(Mode::Light),
            "dark" => Some(Mode::Dark),
            "system" => Some(Mode::System),
            _ => None,
        }
    }

    /// The root's `data-theme` (the style sheet keys off it), if the scheme is pinned.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Mode::Light => Some("light"),
            Mode::Dark => Some("dark"),
            Mode::System => None,
        }
    }
}

/// The theme options as received: a mode name and token values, not yet validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThemeInput {
    /// `light`, `dark` or `system`.
    pub mode: Option<String>,
    /// Token name → value, in the order given.
    pub tokens: Vec<(String, String)>,
    /// Problems found while reading the options (wrong types), reported with the others.
    pub warnings: Vec<String>,
}

impl ThemeInput {
    /// Reads the loader's `theme` option: a mode name or `{ mode, tokens }`.
    pub fn from_json(value: &serde_json::Value) -> ThemeInput {
        let mut input = ThemeInput::default();
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(name) => input.mode = Some(name.clone()),
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("mode", serde_json::Value::String(m)) => input.mode = Some(m.clone()),
                        ("tokens", serde_json::Value::Object(tokens)) => {
                            for (name, value) in tokens {
                                match value.as_str() {
                                    Some(v) => input.tokens.push((name.clone(), v.to_string())),
                                    None => input
                                        .warnings
                                        .push(format!("theme.tokens.{name}: not a string")),
                                }
                            }
                        }
                        _ => input.warnings.push(format!("theme.{key}: unknown option")),
                    }
                }
            }
            _ => input
                .warnings
                .push("theme: expected a mode name or an object".to_string()),
        }
        input
    }
}

/// A token a host may set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// `primary`: buttons, links, accents (a colour).
    Primary,
    /// `radius`: corner radius of cards and controls (a length, 0–32px or 0–2rem/em).
    Radius,
    /// `font`: the font family list.
    Font,
    /// `spacing`: the base spacing unit (a length, 2–16px or 0.125–1rem/em).
    Spacing,
}

impl Token {
    fn parse(name: &str) -> Option<Token> {
        match name {
            "primary" => Some(Token::Primary),
            "radius" => Some(Token::Radius),
            "font" => Some(Token::Font),
            "spacing" => Some(Token::Spacing),
            _ => None,
        }
    }
}

/// The token names a host may set, for warnings and documentation.
pub const TOKEN_NAMES: [&str; 4] = ["primary", "radius", "font", "spacing"];

/// A validated theme: the scheme, the custom properties to set on the widget root, and a
/// warning for each option that was dropped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Theme {
    pub mode: Option<Mode>,
    pub properties: Vec<(&'static str, String)>,
    pub warnings: Vec<String>,
}

/// Validates `input`; never fails, drops what is invalid.
pub fn resolve(input: &ThemeInput) -> Theme {
    let mut theme = Theme {
        warnings: input.warnings.clone(),
        ..Theme::default()
    };
    if let Some(name) = input.mode.as_deref() {
        match Mode::parse(name) {
            Some(mode) => theme.mode = Some(mode),
            None => theme.warnings.push(format!(
                "theme mode \"{name}\" ignored: expected light, dark or system"
            )),
        }
    }
    for (name, value) in &input.tokens {
        let Some(token) = Token::parse(name) else {
            theme.warnings.push(format!(
                "theme token \"{name}\" ignored: known tokens are {}",
                TOKEN_NAMES.join(", ")
            ));
            continue;
        };
        let props = match token {
            Token::Primary => Rgb::parse(value).map(primary_properties),
            Token::Radius => length(value, 0, 32).map(|l| vec![("--lh-radius", l)]),
            Token::Spacing => length(value, 2, 16).map(|l| vec![("--lh-space", l)]),
            Token::Font => font_family(value).map(|f| vec![("--lh-font", f)]),
        };
        match props {
            Some(props) => {
                theme
                    .properties
                    .retain(|(p, _)| !props.iter().any(|(q, _)| q == p));
                theme.properties.extend(props);
            }
            None => theme.warnings.push(format!(
                "theme token \"{name}\" ignored: \"{value}\" is not a valid {}",
                match token {
                    Token::Primary => "colour (#rrggbb, #rgb or rgb(r, g, b))",
                    Token::Radius => "radius (a length such as 4px or 0.5rem, at most 32px)",
                    Token::Spacing => "spacing (a length such as 8px or 0.5rem, 2px to 16px)",
                    Token::Font => "font family list",
                }
            )),
        }
    }
    theme
}

/// The primary colour and what is derived from it: its text colour (the higher WCAG
/// contrast), its hover shade, and the shade used for links and accents in each scheme
/// (adjusted until it reads at 4.5:1 on that scheme's backgrounds).
fn primary_properties(primary: Rgb) -> Vec<(&'static str, String)> {
    let text_light = readable_on(primary, &LIGHT_BACKGROUNDS);
    let text_dark = readable_on(primary, &DARK_BACKGROUNDS);
    vec![
        ("--lh-color-primary", primary.to_string()),
        ("--lh-color-on-primary", on_color(primary).to_string()),
        ("--lh-color-primary-hover", hover_shade(primary).to_string()),
        (
            "--lh-color-primary-text",
            format!("light-dark({text_light}, {text_dark})"),
        ),
    ]
}

/// A CSS length in `px`, `rem` or `em` within `min..=max` px (16px to the rem/em); `0` alone
/// is allowed. Checked on the digits themselves, without float parsing or formatting (which
/// would add kilobytes to the wasm), and written back from the checked digits.
fn length(text: &str, min_px: u32, max_px: u32) -> Option<String> {
    let t = text.trim();
    if t == "0" && min_px == 0 {
        return Some("0px".into());
    }
    let (number, unit, scale) = if let Some(n) = t.strip_suffix("px") {
        (n, "px", 1)
    } else if let Some(n) = t.strip_suffix("rem") {
        (n, "rem", 16)
    } else if let Some(n) = t.strip_suffix("em") {
        (n, "em", 16)
    } else {
        return None;
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (number, ""),
    };
    let digits = |d: &str, max: usize| d.len() <= max && d.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole, 3) || !digits(fraction, 3) {
        return None;
    }
    // The value in thousandths of a pixel.
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = format!("{fraction:0<3}").parse().ok()?;
    let milli_px = (whole * 1000 + fraction) * scale;
    (min_px * 1000..=max_px * 1000)
        .contains(&milli_px)
        .then(|| format!("{number}{unit}"))
}

/// A font family list: names of letters, digits, spaces, `-` and `_`, optionally quoted,
/// separated by commas. Nothing else (no `;`, braces, `url()`, escapes) gets through.
fn font_family(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.len() > 200 {
        return None;
    }
    let mut families = Vec::new();
    for part in t.split(',') {
        let part = part.trim();
        let name = part
            .strip_prefix('"')
            .and_then(|p| p.strip_suffix('"'))
            .or_else(|| part.strip_prefix('\'').and_then(|p| p.strip_suffix('\'')))
            .unwrap_or(part);
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'));
        if !ok {
            return None;
        }
        families.push(format!("\"{name}\""));
    }
    // The widget's own stack stays as the fallback.
    families.push("system-ui".into());
    families.push("sans-serif".into());
    Some(families.join(", "))
}

/// The host's brand shown instead of linkhub's: a name, and optionally a logo.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Brand {
    pub name: String,
    pub logo: Option<String>,
}

/// Validates a brand: a name of at most 80 characters; a logo only as an `https:` URL or a
/// base64 `data:image/…` URL (png, jpeg, gif, webp, svg+xml), and only with a name (the
/// name is its text alternative). Returns the brand (if any) and warnings.
pub fn brand(name: Option<&str>, logo: Option<&str>) -> (Option<Brand>, Vec<String>) {
    let mut warnings = Vec::new();
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let name = match name {
        Some(n) if n.chars().count() <= 80 && !n.chars().any(char::is_control) => Some(n),
        Some(_) => {
            warnings.push("brand.name ignored: at most 80 characters of plain text".into());
            None
        }
        None => None,
    };
    let logo = logo.map(str::trim).filter(|l| !l.is_empty());
    let logo = match (logo, name) {
        (Some(_), None) => {
            warnings.push("brand.logo ignored: it needs brand.name as its text alternative".into());
            None
        }
        (Some(l), Some(_)) if is_safe_logo(l) => Some(l.to_string()),
        (Some(_), Some(_)) => {
            warnings.push(
                "brand.logo ignored: expected an https: URL or a base64 data:image URL".into(),
            );
            None
        }
        (None, _) => None,
    };
    let brand = name.map(|n| Brand {
        name: crate::text::without_bidi_controls(n),
        logo,
    });
    (brand, warnings)
}

fn is_safe_logo(url: &str) -> bool {
    if url.len() > 100_000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    if let Some(rest) = url.strip_prefix("https://") {
        return !rest.is_empty() && !rest.contains(['"', '\'', '<', '>', '\\']);
    }
    let Some(rest) = url.strip_prefix("data:image/") else {
        return false;
    };
    let Some((kind, data)) = rest.split_once(";base64,") else {
        return false;
    };
    matches!(kind, "png" | "jpeg" | "gif" | "webp" | "svg+xml")
        && !data.is_empty()
        && data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(s: &str) -> Rgb {
        Rgb::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn parses_hex_and_rgb_colours_only() {
        assert_eq!(Rgb::parse("#0b6e4f"), Some(Rgb(0x0b, 0x6e, 0x4f)));
        assert_eq!(Rgb::parse("#FFF"), Some(Rgb(255, 255, 255)));
        assert_eq!(Rgb::parse("rgb(11, 110, 79)"), Some(Rgb(11, 110, 79)));
        assert_eq!(Rgb::parse("rgb(11 110 79)"), Some(Rgb(11, 110, 79)));
        for bad in [
            "red",
            "#12345",
            "#ggg",
            "rgb(300, 0, 0)",
            "rgb(1, 2)",
            "#000; background: url(x)",
            "var(--x)",
            "",
            "#+1+2+3",
        ] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn contrast_follows_the_wcag_formula() {
        assert!((contrast(WHITE, BLACK) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // Known values (WebAIM's checker): #767676 on white is 4.54:1.
        assert!((contrast(rgb("#767676"), WHITE) - 4.54).abs() < 0.01);
        assert!(contrast(WHITE, rgb("#0b6e4f")) >= AA_TEXT);
    }

    #[test]
    fn text_on_primary_is_the_higher_contrast_candidate() {
        assert_eq!(on_color(rgb("#0b6e4f")), WHITE);
        assert_eq!(on_color(rgb("#3a4fd8")), WHITE);
        assert_eq!(on_color(rgb("#ffd400")), BLACK);
        assert_eq!(on_color(rgb("#8c9cff")), BLACK);
        // Any background gets at least AA.
        for c in [
            "#777777", "#808080", "#00ff00", "#ff0000", "#0000ff", "#7f7fff",
        ] {
            let c = rgb(c);
            assert!(contrast(on_color(c), c) >= AA_TEXT, "{c}");
        }
    }

    #[test]
    fn hover_shade_keeps_or_raises_text_contrast() {
        for c in ["#0b6e4f", "#ffd400", "#777777", "#3a4fd8"] {
            let c = rgb(c);
            let text = on_color(c);
            assert!(contrast(text, hover_shade(c)) >= contrast(text, c), "{c}");
            assert_ne!(hover_shade(c), c);
        }
    }

    #[test]
    fn accent_text_is_adjusted_until_it_reads_on_every_background() {
        let green = rgb("#0b6e4f");
        let light = readable_on(green, &LIGHT_BACKGROUNDS);
        assert_eq!(light, green, "already readable on light backgrounds");
        let dark = readable_on(green, &DARK_BACKGROUNDS);
        assert_ne!(dark, green, "too dark on the dark theme");
        for b in DARK_BACKGROUNDS {
            assert!(contrast(dark, b) >= AA_TEXT, "{dark} on {b}");
        }
        let yellow = readable_on(rgb("#ffd400"), &LIGHT_BACKGROUNDS);
        for b in LIGHT_BACKGROUNDS {
            assert!(contrast(yellow, b) >= AA_TEXT, "{yellow} on {b}");
        }
    }

    #[test]
    fn valid_tokens_become_properties_and_invalid_ones_warnings() {
        let input = ThemeInput::from_json(&serde_json::json!({
            "mode": "dark",
            "tokens": {
                "primary": "#0b6e4f", "radius": "4px", "font": "Inter, 'Noto Sans'",
                "spacing": "100px", "shadow": "none", "size": 3
            }
        }));
        let theme = resolve(&input);
        assert_eq!(theme.mode, Some(Mode::Dark));
        let get = |p: &str| {
            theme
                .properties
                .iter()
                .find(|(k, _)| *k == p)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("--lh-color-primary"), Some("#0b6e4f"));
        assert_eq!(get("--lh-color-on-primary"), Some("#ffffff"));
        assert_eq!(get("--lh-radius"), Some("4px"));
        let radius = |v: &str| {
            resolve(&ThemeInput {
                tokens: vec![("radius".into(), v.into())],
                ..ThemeInput::default()
            })
            .properties
        };
        assert_eq!(
            radius("0.5rem"),
            vec![("--lh-radius", "0.5rem".to_string())]
        );
        assert_eq!(radius("0"), vec![("--lh-radius", "0px".to_string())]);
        assert_eq!(radius("2rem"), vec![("--lh-radius", "2rem".to_string())]);
        assert_eq!(
            get("--lh-font"),
            Some("\"Inter\", \"Noto Sans\", system-ui, sans-serif")
        );
        assert_eq!(get("--lh-space"), None, "100px is out of range");
        let warnings = theme.warnings.join("\n");
        assert!(warnings.contains("spacing"), "{warnings}");
        assert!(warnings.contains("\"shadow\""), "{warnings}");
        assert!(warnings.contains("theme.tokens.size"), "{warnings}");
    }

    #[test]
    fn nothing_but_the_parsed_value_reaches_the_style_sheet() {
        // Regression guard: a value smuggling a declaration must not be set at all.
        for (token, value) in [
            ("primary", "#000;background:url(https://evil)"),
            ("radius", "4px;color:red"),
            ("radius", "calc(1px + 1px)"),
            ("font", "x;}body{display:none"),
            ("font", "url(https://evil)"),
            ("spacing", "-4px"),
            ("radius", "1e3px"),
            ("radius", "4.px"),
            ("spacing", "1.5px"),
            ("radius", "2.5rem"),
        ] {
            let input = ThemeInput {
                tokens: vec![(token.into(), value.into())],
                ..ThemeInput::default()
            };
            let theme = resolve(&input);
            assert!(theme.properties.is_empty(), "{token}={value}");
            assert_eq!(theme.warnings.len(), 1, "{token}={value}");
            assert!(theme.warnings[0].contains(token));
        }
    }

    #[test]
    fn a_mode_name_alone_or_a_bad_one() {
        assert_eq!(
            resolve(&ThemeInput::from_json(&serde_json::json!("light"))).mode,
            Some(Mode::Light)
        );
        let theme = resolve(&ThemeInput::from_json(&serde_json::json!("<script>")));
        assert_eq!(theme.mode, None);
        assert_eq!(theme.warnings.len(), 1);
        let theme = resolve(&ThemeInput::from_json(&serde_json::json!(42)));
        assert_eq!(theme.warnings.len(), 1);
    }

    #[test]
    fn a_brand_logo_must_be_https_or_an_image_data_url_and_have_a_name() {
        let (b, w) = brand(Some("Acme"), Some("https://acme.example/logo.svg"));
        assert_eq!(
            b.and_then(|b| b.logo).as_deref(),
            Some("https://acme.example/logo.svg")
        );
        assert!(w.is_empty());
        let (b, w) = brand(Some("Acme"), Some("data:image/png;base64,iVBORw0KGgo="));
        assert!(b.and_then(|b| b.logo).is_some() && w.is_empty());
        for bad in [
            "http://acme.example/logo.png",
            "javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "https://a.example/x\" onerror=\"x",
        ] {
            let (b, w) = brand(Some("Acme"), Some(bad));
            assert_eq!(b.map(|b| b.logo), Some(None), "{bad}");
            assert_eq!(w.len(), 1, "{bad}");
        }
        let (b, w) = brand(None, Some("https://acme.example/logo.svg"));
        assert_eq!(b, None);
        assert_eq!(w.len(), 1);
    }
}
