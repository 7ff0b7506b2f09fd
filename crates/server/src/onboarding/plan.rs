//! A plan as the host backend writes it, checked against the catalog and normalized, and
//! its stable id (no database).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use linkhub_protocol::catalog::CATEGORIES;
use linkhub_protocol::onboarding::{MAX_STEPS, OnboardingStep};

/// The longest step label, in characters.
pub const MAX_LABEL_CHARS: usize = 80;

/// A checked plan: its normalized steps and their id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub steps: Vec<OnboardingStep>,
}

/// The id of these (normalized) steps: the same steps in the same order, the same id.
pub fn plan_id(steps: &[OnboardingStep]) -> String {
    let canonical = serde_json::to_string(steps).unwrap_or_default();
    let digest = Sha256::digest(canonical.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("plan_{hex}")
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Checks `steps` against the catalog: the plan, or a message per problem, keyed by field
/// (`onboarding`, `onboarding[1]`, `onboarding[1].provider`…). Messages name the rule,
/// never the submitted value.
pub fn check(
    catalog: &Catalog,
    steps: &[OnboardingStep],
) -> Result<Plan, BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    if steps.is_empty() {
        problems.insert("onboarding".into(), "Must list at least one step".into());
    }
    if steps.len() > MAX_STEPS {
        problems.insert(
            "onboarding".into(),
            format!("At most {MAX_STEPS} steps are allowed"),
        );
    }
    let mut normalized = Vec::with_capacity(steps.len());
    // What each earlier step asks for, to refuse a repeat.
    let mut seen: BTreeMap<(bool, String), usize> = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        let at = format!("onboarding[{i}]");
        let provider = trimmed(&step.provider);
        let category = trimmed(&step.category).map(|c| c.to_ascii_lowercase());
        let label = step.label.as_deref().map(str::trim).map(str::to_string);
        match (&provider, &category) {
            (Some(_), Some(_)) => {
                problems.insert(
                    at.clone(),
                    "Give exactly one of provider and category, not both".into(),
                );
            }
            (None, None) => {
                problems.insert(
                    at.clone(),
                    "Give exactly one of provider and category".into(),
                );
            }
            (Some(p), None) => match catalog.by_provider(p) {
                None => {
                    problems.insert(
                        format!("{at}.provider"),
                        "No connector with this provider key in the catalog".into(),
                    );
                }
                Some(c) if !c.summary.active => {
                    problems.insert(
                        format!("{at}.provider"),
                        "This connector is not active".into(),
                    );
                }
                Some(_) => {}
            },
            (None, Some(c)) => {
                if !CATEGORIES.contains(&c.as_str()) {
                    problems.insert(
                        format!("{at}.category"),
                        format!("Unknown category (one of {})", CATEGORIES.join(", ")),
                    );
                } else if !catalog
                    .connectors
                    .iter()
                    .any(|k| k.summary.active && &k.summary.category == c)
                {
                    problems.insert(
                        format!("{at}.category"),
                        "No active connector of this category in the catalog".into(),
                    );
                }
            }
        }
        match &label {
            Some(l) if l.is_empty() => {
                problems.insert(format!("{at}.label"), "Must not be empty".into());
            }
            Some(l) if l.chars().count() > MAX_LABEL_CHARS => {
                problems.insert(
                    format!("{at}.label"),
                    format!("At most {MAX_LABEL_CHARS} characters"),
                );
            }
            _ => {}
        }
        let key = match (&provider, &category) {
            (Some(p), None) => Some((true, p.clone())),
            (None, Some(c)) => Some((false, c.clone())),
            _ => None,
        };
        if let Some(key) = key {
            if let Some(first) = seen.get(&key) {
                problems
                    .entry(at.clone())
                    .or_insert_with(|| format!("Same as onboarding[{first}]"));
            } else {
                seen.insert(key, i);
            }
        }
        normalized.push(OnboardingStep {
            provider,
            category,
            optional: step.optional,
            label: label.filter(|l| !l.is_empty()),
        });
    }
    if !steps.is_empty() && steps.iter().all(|s| s.optional) {
        problems
            .entry("onboarding".into())
            .or_insert_with(|| "At least one step must be required".into());
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan {
        id: plan_id(&normalized),
        steps: normalized,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog");
        Catalog::load(&dir).expect("test catalog")
    }

    fn provider(p: &str) -> OnboardingStep {
        OnboardingStep {
            provider: Some(p.into()),
            ..OnboardingStep::default()
        }
    }

    fn category(c: &str) -> OnboardingStep {
        OnboardingStep {
            category: Some(c.into()),
            ..OnboardingStep::default()
        }
    }

    #[test]
    fn the_same_steps_written_differently_are_the_same_plan() {
        let c = catalog();
        let a = check(&c, &[provider("docsign"), category("hris")]).expect("valid");
        let b = check(&c, &[provider(" docsign "), category("HRIS")]).expect("valid");
        assert_eq!(a, b);
        let other = check(&c, &[category("hris"), provider("docsign")]).expect("valid");
        assert_ne!(a.id, other.id, "order matters");
    }

    #[test]
    fn each_step_is_checked_against_the_catalog() {
        let c = catalog();
        let both = OnboardingStep {
            provider: Some("docsign".into()),
            category: Some("hris".into()),
            ..OnboardingStep::default()
        };
        let long = OnboardingStep {
            label: Some("x".repeat(MAX_LABEL_CHARS + 1)),
            ..provider("acme_hr")
        };
        let problems = check(
            &c,
            &[
                provider("nope"),
                provider("legacy"),
                category("bogus"),
                category("ats"),
                both,
                OnboardingStep::default(),
                long,
                provider("nope"),
            ],
        )
        .expect_err("invalid");
        assert!(problems["onboarding[0].provider"].contains("No connector"));
        assert!(problems["onboarding[1].provider"].contains("not active"));
        assert!(problems["onboarding[2].category"].contains("Unknown category"));
        assert!(problems["onboarding[3].category"].contains("No active connector"));
        assert!(problems["onboarding[4]"].contains("not both"));
        assert!(problems["onboarding[5]"].contains("exactly one"));
        assert!(problems["onboarding[6].label"].contains("80"));
        assert_eq!(problems["onboarding[7]"], "Same as onboarding[0]");
        assert!(!problems.values().any(|m| m.contains("nope")), "no echo");
    }

    #[test]
    fn a_plan_has_steps_and_one_of_them_required() {
        let c = catalog();
        assert!(check(&c, &[]).expect_err("empty")["onboarding"].contains("at least one"));
        let optional = OnboardingStep {
            optional: true,
            ..provider("docsign")
        };
        assert!(
            check(&c, &[optional]).expect_err("all optional")["onboarding"].contains("required")
        );
        let many: Vec<_> = (0..=MAX_STEPS).map(|_| provider("docsign")).collect();
        assert!(check(&c, &many).expect_err("too many")["onboarding"].contains("At most"));
    }
}
