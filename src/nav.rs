//! Which screen the hub shows, and the ways between them: the checklist of an onboarding
//! plan, the connector list (optionally filtered by a category), one connector's page, and
//! the owner's connections. No view code: the screens read and move this state through
//! [`use_nav`].

use leptos::prelude::*;
use linkhub_protocol::hub::ConnectorSummary;

/// A screen of the hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The onboarding checklist (sessions with a plan).
    Checklist,
    /// The connector list.
    List,
    /// The owner's linked accounts.
    Connections,
    /// One connector's page (its index in the session's connectors); `account`: the
    /// account it edits (reconnect), if any.
    Page {
        connector: usize,
        account: Option<String>,
    },
}

/// A part of the onboarding screens, built by their chunk
/// (`crate::components::onboarding::view`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The checklist of the session's plan.
    Checklist,
    /// "Your connections".
    Connections,
    /// The links above the connector list: back to the checklist, "Your connections".
    ListHeader,
}

/// The hub's navigation state, shared by every screen (a `Copy` handle).
#[derive(Clone, Copy)]
pub struct Nav {
    /// The screen on show.
    pub screen: RwSignal<Screen>,
    /// The list's category filter (`""`: every category).
    pub category: RwSignal<String>,
    /// What does not change the view by itself (one stored value: each stored type is
    /// code of its own on the first screen).
    data: StoredValue<NavData>,
    /// The session has an onboarding plan: the checklist is the home screen.
    pub onboarding: bool,
}

struct NavData {
    /// Every connector of the session.
    connectors: Vec<ConnectorSummary>,
    /// What the backend offers beyond the StackOne protocol (`HubSettings.extensions`).
    extensions: Vec<String>,
    /// The edit-mode account of the session itself (`existing_account_id`).
    existing_account_id: Option<String>,
    /// Where a connector page's "back" returns to.
    back_to: Screen,
}

impl Nav {
    /// The navigation of a session, on its home screen.
    pub fn new(
        connectors: Vec<ConnectorSummary>,
        extensions: Vec<String>,
        onboarding: bool,
        existing_account_id: Option<String>,
    ) -> Nav {
        let home = if onboarding {
            Screen::Checklist
        } else {
            Screen::List
        };
        Nav {
            screen: RwSignal::new(home.clone()),
            category: RwSignal::new(String::new()),
            data: StoredValue::new(NavData {
                connectors,
                extensions,
                existing_account_id,
                back_to: home,
            }),
            onboarding,
        }
    }

    /// Whether the backend offers this extension (`linkhub_protocol::onboarding::extension`).
    pub fn offers(&self, extension: &str) -> bool {
        self.data
            .with_value(|d| d.extensions.iter().any(|x| x == extension))
    }

    /// The home screen: the checklist when the session has a plan, else the list.
    pub fn home_screen(&self) -> Screen {
        if self.onboarding {
            Screen::Checklist
        } else {
            Screen::List
        }
    }

    /// Back to the home screen.
    pub fn home(&self) {
        self.screen.set(self.home_screen());
    }

    /// The list, with every category.
    pub fn open_list(&self) {
        self.category.set(String::new());
        self.screen.set(Screen::List);
    }

    /// The list, filtered on one category.
    pub fn open_category(&self, category: &str) {
        self.category.set(category.to_owned());
        self.screen.set(Screen::List);
    }

    /// The owner's connections.
    pub fn open_connections(&self) {
        self.screen.set(Screen::Connections);
    }

    /// The session's active connector for `provider` (or, failing that, for
    /// `integration_id`), if it has one.
    pub fn connector(
        &self,
        provider: &str,
        integration_id: Option<&str>,
    ) -> Option<ConnectorSummary> {
        self.data.with_value(|d| {
            let active = || d.connectors.iter().filter(|c| c.active);
            integration_id
                .and_then(|id| active().find(|c| c.integration_id == id))
                .or_else(|| active().find(|c| c.provider == provider))
                .cloned()
        })
    }

    /// The session's connector at `index`.
    pub fn connector_at(&self, index: usize) -> Option<ConnectorSummary> {
        self.data.with_value(|d| d.connectors.get(index).cloned())
    }

    /// A connector's page (editing `account` when given); "back" returns to the screen the
    /// user is on now.
    pub fn open_page(&self, connector: &ConnectorSummary, account: Option<String>) {
        let here = self.screen.get_untracked();
        let Some((index, existing)) = self
            .data
            .try_update_value(|d| {
                if !matches!(here, Screen::Page { .. }) {
                    d.back_to = here;
                }
                let index = d
                    .connectors
                    .iter()
                    .position(|c| c.integration_id == connector.integration_id)?;
                Some((index, d.existing_account_id.clone()))
            })
            .flatten()
        else {
            return;
        };
        let account = account.or(existing);
        self.screen.set(Screen::Page {
            connector: index,
            account,
        });
    }

    /// Opens `provider`'s page; `false` when the session has no such active connector.
    pub fn open_provider(&self, provider: &str, account: Option<String>) -> bool {
        match self.connector(provider, None) {
            Some(c) => {
                self.open_page(&c, account);
                true
            }
            None => false,
        }
    }

    /// The screen a connector page goes back to (the one it was opened from).
    pub fn back_screen(&self) -> Screen {
        self.data
            .try_with_value(|d| d.back_to.clone())
            .unwrap_or(Screen::List)
    }

    /// Leaves a connector page for the screen it was opened from.
    pub fn back(&self) {
        if let Some(to) = self.data.try_with_value(|d| d.back_to.clone()) {
            self.screen.set(to);
        }
    }

    /// An account was linked or updated on a connector page. With a plan, or after a
    /// reconnect from "Your connections", the hub returns to that screen (which reloads);
    /// otherwise the success screen stays, as in a session without extensions. The switch
    /// waits for the current render to finish: the page that reported the link is the one
    /// it takes away.
    pub fn linked(&self) {
        let back_to = self.data.try_with_value(|d| d.back_to.clone());
        let target = if self.onboarding {
            Some(Screen::Checklist)
        } else if back_to == Some(Screen::Connections) {
            Some(Screen::Connections)
        } else {
            None
        };
        if let Some(target) = target {
            let screen = self.screen;
            set_timeout(
                move || {
                    screen.try_set(target);
                },
                std::time::Duration::from_millis(0),
            );
        }
    }
}

/// The navigation of the hub, when the screen is inside one (not in isolated component tests).
pub fn use_nav() -> Option<Nav> {
    use_context::<Nav>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(provider: &str, active: bool) -> ConnectorSummary {
        ConnectorSummary {
            active,
            name: provider.to_uppercase(),
            provider: provider.into(),
            category: "hris".into(),
            version: None,
            authentication_config_key: None,
            environment: None,
            integration_id: format!("int_{provider}"),
            logo_url: None,
        }
    }

    #[test]
    fn a_plan_makes_the_checklist_home_and_a_page_goes_back_where_it_came_from() {
        let owner = Owner::new();
        owner.with(|| {
            let nav = Nav::new(
                vec![connector("dagster", true), connector("gone", false)],
                vec!["onboarding".into()],
                true,
                None,
            );
            assert_eq!(nav.screen.get_untracked(), Screen::Checklist);
            assert!(nav.offers("onboarding") && !nav.offers("handoffs"));
            assert!(
                !nav.open_provider("gone", None),
                "inactive connectors do not open"
            );
            nav.open_connections();
            assert!(nav.open_provider("dagster", Some("acc_1".into())));
            assert!(matches!(
                nav.screen.get_untracked(),
                Screen::Page { account: Some(ref a), .. } if a == "acc_1"
            ));
            nav.back();
            assert_eq!(nav.screen.get_untracked(), Screen::Connections);
            nav.open_category("hris");
            assert_eq!(nav.category.get_untracked(), "hris");
            nav.open_list();
            assert_eq!(nav.category.get_untracked(), "");
            nav.home();
            assert_eq!(nav.screen.get_untracked(), Screen::Checklist);
        });
    }

    #[test]
    fn without_a_plan_the_list_is_home() {
        let owner = Owner::new();
        owner.with(|| {
            let nav = Nav::new(
                vec![connector("dagster", true)],
                vec![],
                false,
                Some("acc_9".into()),
            );
            assert_eq!(nav.home_screen(), Screen::List);
            nav.open_page(&connector("dagster", true), None);
            assert!(
                matches!(
                    nav.screen.get_untracked(),
                    Screen::Page { account: Some(ref a), .. } if a == "acc_9"
                ),
                "the session's own edit-mode account still applies"
            );
        });
    }
}
