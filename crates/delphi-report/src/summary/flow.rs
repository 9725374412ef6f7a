//! Participant flow: per round and stakeholder group, who was invited, opened, consented,
//! responded, withdrew, and who was lost since the previous round.

use std::collections::HashSet;

use crate::record::RecordIndex;

/// One round for one stakeholder group (or the whole panel).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRow {
    /// Round number.
    pub round: i32,
    /// Group position in the record, `None` for the whole panel.
    pub group: Option<usize>,
    /// Invited to the round.
    pub invited: u64,
    /// Of those, opened the round's page.
    pub opened: u64,
    /// Of those, had consented by the round's close.
    pub consented: u64,
    /// Of those, submitted the round.
    pub responded: u64,
    /// Of those invited, had withdrawn by the round's close.
    pub withdrawn: u64,
    /// Submitted the previous round but not this one (`None` for the first round, and for a
    /// round still open: who does not continue is known only when it closes).
    pub lost_since_previous: Option<u64>,
    /// 100 · responded / invited.
    pub response_rate: Option<f64>,
}

/// Rows for every round (in number order): the whole panel first, then each group in
/// display order.
pub fn flow(index: &RecordIndex<'_>) -> Vec<FlowRow> {
    let record = index.record;
    let mut rounds: Vec<usize> = (0..record.rounds.len()).collect();
    rounds.sort_by_key(|&r| record.rounds[r].number);
    let mut rows = Vec::new();
    let mut previous: Option<HashSet<&str>> = None;
    for r in rounds {
        let round = &record.rounds[r];
        let slots = index.group_order.len() + 1;
        let mut counts = vec![[0u64; 6]; slots];
        let slot_of_group: Vec<usize> = {
            let mut map = vec![0; record.groups.len()];
            for (k, &g) in index.group_order.iter().enumerate() {
                map[g] = k + 1;
            }
            map
        };
        let by_close = |t: Option<&chrono::DateTime<chrono::Utc>>| match (t, round.closed_at) {
            (Some(t), Some(close)) => *t <= close,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let mut responded: HashSet<&str> = HashSet::new();
        for part in &round.participation {
            let Some(&p) = index.panellists.get(part.pseudonym.as_str()) else {
                continue;
            };
            let panellist = &record.panellists[p];
            let slot = index
                .groups
                .get(panellist.group.as_str())
                .map_or(0, |&g| slot_of_group[g]);
            let lost = previous
                .as_ref()
                .is_some_and(|prev| prev.contains(part.pseudonym.as_str()))
                && part.submitted_at.is_none();
            let flags = [
                true,
                part.opened_at.is_some(),
                by_close(panellist.consented_at.as_ref()),
                part.submitted_at.is_some(),
                by_close(panellist.withdrawn_at.as_ref()),
                lost,
            ];
            let targets: &[usize] = if slot == 0 { &[0] } else { &[0, slot] };
            for &s in targets {
                for (c, f) in counts[s].iter_mut().zip(flags) {
                    *c += u64::from(f);
                }
            }
            if part.submitted_at.is_some() {
                responded.insert(part.pseudonym.as_str());
            }
        }
        // Responders of the previous round who were not even invited to this one are lost too.
        if let Some(prev) = &previous {
            let invited: HashSet<&str> = round
                .participation
                .iter()
                .map(|p| p.pseudonym.as_str())
                .collect();
            for &who in prev.iter().filter(|w| !invited.contains(*w)) {
                let slot = index.group_of(who).map_or(0, |g| slot_of_group[g]);
                counts[0][5] += 1;
                if slot != 0 {
                    counts[slot][5] += 1;
                }
            }
        }
        for (s, c) in counts.iter().enumerate() {
            rows.push(FlowRow {
                round: round.number,
                group: (s > 0).then(|| index.group_order[s - 1]),
                invited: c[0],
                opened: c[1],
                consented: c[2],
                responded: c[3],
                withdrawn: c[4],
                lost_since_previous: (previous.is_some() && round.closed_at.is_some())
                    .then_some(c[5]),
                response_rate: super::rate(c[3], c[0]),
            });
        }
        previous = Some(responded);
    }
    rows
}
