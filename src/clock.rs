//! The wall clock, for the commands that *record* a time: the hook's signing
//! time, the dates `init` and `keyring add/revoke/rotate` write, and the key
//! status `keyring list` and `doctor` show. Deciding commands (`verify`,
//! `report`, `show`, `pre-push`, the cache) never read the clock: a verdict
//! rests on the signed time and the trusted keyring alone, so it is the same
//! on any day, in any time zone.
//!
//! Tests fix the clock with `AVOW_TEST_NOW` (seconds since the epoch), which
//! only debug builds read: a release binary in CI or in a server hook ignores
//! it. Even where it is read it changes nothing a verifier decides, because
//! no deciding command calls [`now`]. docs/threat-model.md ("A test clock").

use chrono::{DateTime, Utc};

/// The variable debug builds read as the current time.
#[cfg(debug_assertions)]
const TEST_NOW: &str = "AVOW_TEST_NOW";

/// The current time (whole seconds are what avow records).
pub fn now() -> DateTime<Utc> {
    #[cfg(debug_assertions)]
    if let Some(t) = std::env::var(TEST_NOW).ok().and_then(|s| s.trim().parse::<i64>().ok()) {
        if let Some(at) = DateTime::from_timestamp(t, 0) {
            return at;
        }
    }
    Utc::now()
}
