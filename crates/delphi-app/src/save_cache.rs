//! What a panellist's saves keep needing to know and cannot change while their round is
//! open, kept per process: whose a link is, the round they write to, its items and the
//! study's scale. With it, a save reads nothing before its write.
//!
//! Everything here is fixed while the round is open: a round's items are frozen when it is
//! created, the scale and "unable to rate" are locked when round 1 opens, and consent is
//! never taken back (withdrawal is a state of its own). What can change while the round is
//! open — the round closing, a withdrawal, a revoked or reissued link, the invitation — is
//! checked again by the write's own statement ([`delphi_store::saves::save`]) against the
//! database, on every instance. So an entry can be out of date only in ways that write
//! refuses, and a refused write drops the entry and is checked afresh
//! (`participation::save_answer`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use delphi_core::lifecycle::Disposition;
use delphi_core::values::Scale;

/// Links kept at most (an entry is a couple of hundred bytes); past it the cache starts over.
const CACHED_LINKS: usize = 50_000;

/// Per-process memory of who may save into which open round; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SaveCache(Arc<Mutex<Entries>>);

#[derive(Debug, Default)]
struct Entries {
    /// By the link's stored hash.
    links: HashMap<String, Arc<KnownWriter>>,
    /// By round id.
    rounds: HashMap<String, Arc<OpenRound>>,
}

/// A panellist seen able to write to an open round: consented, invited, link live.
#[derive(Debug)]
pub(crate) struct KnownWriter {
    /// The panellist.
    pub(crate) panellist_id: String,
    /// Their round.
    pub(crate) round: Arc<OpenRound>,
}

/// What an open round's answers are checked against.
#[derive(Debug)]
pub(crate) struct OpenRound {
    /// The round.
    pub(crate) round_id: String,
    /// The study's scale.
    pub(crate) scale: Scale,
    /// The study offers "unable to rate".
    pub(crate) unable_to_rate: bool,
    /// The round's items: code -> (item id, disposition).
    pub(crate) items: HashMap<String, (String, Disposition)>,
    /// The codes of the items to rate (not those shown for information), in page order.
    pub(crate) to_rate: Vec<String>,
}

impl SaveCache {
    /// The writer known for the link hashed `link`, if any.
    pub(crate) fn writer(&self, link: &str) -> Option<Arc<KnownWriter>> {
        self.lock().links.get(link).cloned()
    }

    /// The open round `round_id` as remembered, if it is.
    pub(crate) fn round(&self, round_id: &str) -> Option<Arc<OpenRound>> {
        self.lock().rounds.get(round_id).cloned()
    }

    /// Remembers that the holder of `link` writes to `round` as `panellist_id`.
    pub(crate) fn remember(&self, link: String, panellist_id: String, round: Arc<OpenRound>) {
        let mut entries = self.lock();
        if entries.links.len() >= CACHED_LINKS {
            entries.links.clear();
            entries.rounds.clear();
        }
        entries
            .rounds
            .entry(round.round_id.clone())
            .or_insert_with(|| Arc::clone(&round));
        entries.links.insert(
            link,
            Arc::new(KnownWriter {
                panellist_id,
                round,
            }),
        );
    }

    /// Forgets the link hashed `link` (its save was refused: it is checked afresh).
    pub(crate) fn forget(&self, link: &str) {
        self.lock().links.remove(link);
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // The maps hold only finished values, so a panic elsewhere leaves them consistent.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
