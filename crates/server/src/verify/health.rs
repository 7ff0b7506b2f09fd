//! Account health: stored accounts re-checked with their connector's credential check,
//! several at a time but never more than a limit, on a jittered interval so a fleet of
//! servers (or one restarted often) does not check everything at the same instant.
//!
//! This module decides; the caller stores. [`check_all`] runs the checks, and
//! [`transition`] says what each outcome means for the account: a credential the provider
//! refuses is broken, one it accepts is healthy, and a provider that did not answer says
//! nothing about the credential (the account keeps its status).

use std::sync::Arc;
use std::time::Duration;

use linkhub_protocol::check::CheckDefinition;
use rand::Rng;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{Checker, NotSent, Outcome, Values};

/// One stored account to re-check.
#[derive(Debug, Clone)]
pub struct HealthItem {
    pub account_id: String,
    pub connector: String,
    pub check: Arc<CheckDefinition>,
    pub values: Values,
}

/// What a re-check means for the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The credential works: the account is (again) active.
    Healthy,
    /// The credential stopped working: the account is in error.
    Broken,
    /// Nothing was learnt about the credential (the provider did not answer, or the
    /// check could not be made): the account keeps its status.
    Unknown,
}

/// What `outcome` means for an account.
pub fn transition(outcome: &Outcome) -> Transition {
    match outcome {
        Outcome::Ok { .. } => Transition::Healthy,
        Outcome::Refused(_) => Transition::Broken,
        // Values that can no longer be sent where they go, or that now lead to a
        // non-public address, are as broken as refused ones.
        Outcome::NotSent {
            reason:
                NotSent::BadValue
                | NotSent::HostNotAllowed
                | NotSent::NonPublicAddress
                | NotSent::InsecureScheme,
            ..
        } => Transition::Broken,
        Outcome::NotSent {
            reason: NotSent::NoSelfUrl,
            ..
        }
        | Outcome::Unreachable { .. }
        | Outcome::Failed { .. } => Transition::Unknown,
    }
}

/// Checks every item, at most `concurrency` at a time; the outcomes come back in the
/// items' order.
pub async fn check_all(
    checker: &Checker,
    items: Vec<HealthItem>,
    concurrency: usize,
) -> Vec<(HealthItem, Outcome)> {
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let count = items.len();
    for (i, item) in items.into_iter().enumerate() {
        let limit = limit.clone();
        let checker = checker.clone();
        tasks.spawn(async move {
            // The semaphore is never closed, so a permit always comes.
            let _permit = limit.acquire_owned().await;
            let outcome = checker
                .check(&item.connector, &item.check, &item.values)
                .await;
            (i, item, outcome)
        });
    }
    let mut done: Vec<Option<(HealthItem, Outcome)>> = (0..count).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((i, item, outcome)) = joined
            && let Some(slot) = done.get_mut(i)
        {
            *slot = Some((item, outcome));
        }
    }
    done.into_iter().flatten().collect()
}

/// `every`, give or take a tenth, at random.
pub fn jittered(every: Duration) -> Duration {
    let factor: f64 = rand::rng().random_range(0.9..=1.1);
    every.mul_f64(factor)
}

/// Runs `pass` every `every` (jittered) until `stop` turns true; the first pass comes after
/// one interval, not at start-up, so a restart loop does not hammer the providers.
pub async fn run_every<F, Fut>(
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    mut pass: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    loop {
        tokio::select! {
            () = tokio::time::sleep(jittered(every)) => pass().await,
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{Failure, Refusal};

    #[test]
    fn only_what_the_provider_says_about_the_credential_flips_an_account() {
        assert_eq!(
            transition(&Outcome::Ok { status: 200 }),
            Transition::Healthy
        );
        let refused = Outcome::Refused(Refusal {
            status: 401,
            fields: vec![],
            key: None,
            excerpt: None,
        });
        assert_eq!(transition(&refused), Transition::Broken);
        for transient in [
            Outcome::Failed {
                reason: Failure::Timeout,
            },
            Outcome::Failed {
                reason: Failure::ServerError(503),
            },
            Outcome::Unreachable {
                reason: String::new(),
            },
        ] {
            assert_eq!(transition(&transient), Transition::Unknown, "{transient:?}");
        }
    }

    #[tokio::test]
    async fn passes_repeat_until_stopped() {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = count.clone();
        let runner = tokio::spawn(run_every(Duration::from_millis(40), stop_rx, move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = stop_tx.send(true);
        tokio::time::timeout(Duration::from_secs(2), runner)
            .await
            .expect("stops when told")
            .expect("no panic");
        let n = count.load(std::sync::atomic::Ordering::SeqCst);
        assert!((3..=9).contains(&n), "{n} passes in 300 ms at ~40 ms");
    }

    #[test]
    fn jitter_stays_within_a_tenth() {
        let every = Duration::from_secs(3600);
        for _ in 0..200 {
            let d = jittered(every);
            assert!(
                d >= Duration::from_secs(3240) && d <= Duration::from_secs(3960),
                "{d:?}"
            );
        }
    }
}
