//! Rows the store's unit tests start from.

/// A running study with an open round `r` of two items (`i1`, `i2`) and three panellists:
/// `p1` invited (link hash `h1`), `p2` invited but withdrawn (`h2`), `p3` not invited (`h3`).
pub(crate) const OPEN_ROUND: &str = "
    INSERT INTO studies (id, slug, title, description, consent_text, status, settings,
        created_at, updated_at)
        VALUES ('s', 's', 'S', '', '', 'running', '{}', '2026-01-01 00:00:00',
        '2026-01-01 00:00:00');
    INSERT INTO stakeholder_groups VALUES ('g', 's', 'g', 'G', 0);
    INSERT INTO panellists (id, study_id, group_id, email, pseudonym, token_hash,
        token_sealed, withdrawn_at, created_at) VALUES
        ('p1', 's', 'g', 'a@x.org', 'P001', 'h1', 't1', NULL, '2026-01-01 00:00:00'),
        ('p2', 's', 'g', 'b@x.org', 'P002', 'h2', 't2', '2026-01-01 08:00:00',
         '2026-01-01 00:00:00'),
        ('p3', 's', 'g', 'c@x.org', 'P003', 'h3', 't3', NULL, '2026-01-01 00:00:00');
    INSERT INTO rounds (id, study_id, number, status, instructions, created_at)
        VALUES ('r', 's', 1, 'open', '', '2026-01-01 00:00:00');
    INSERT INTO items (id, study_id, code, text, section, origin, status, created_at) VALUES
        ('i1', 's', 'A1', 'One', 'S', 'seeded', 'active', '2026-01-01 00:00:00'),
        ('i2', 's', 'A2', 'Two', 'S', 'seeded', 'active', '2026-01-01 00:00:00');
    INSERT INTO participations (round_id, panellist_id, invited_at) VALUES
        ('r', 'p1', '2026-01-01 00:00:00'), ('r', 'p2', '2026-01-01 00:00:00');";
