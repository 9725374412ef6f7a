//! The one portable schema. Both migration folders must produce exactly these columns
//! (checked by `tests/schema_matches.rs`).
#![allow(missing_docs)]

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    studies (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        description -> Text,
        consent_text -> Text,
        status -> Text,
        settings -> Text,
        rule_locked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        team_name -> Text,
        team_institution -> Text,
        team_contact -> Text,
        ethics_reference -> Text,
        registry_id -> Text,
        info_url -> Text,
        time_zone -> Text,
    }
}

diesel::table! {
    study_members (study_id, user_id) {
        study_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stakeholder_groups (id) {
        id -> Text,
        study_id -> Text,
        code -> Text,
        name -> Text,
        position -> Integer,
    }
}

diesel::table! {
    panellists (id) {
        id -> Text,
        study_id -> Text,
        group_id -> Text,
        email -> Text,
        name -> Nullable<Text>,
        pseudonym -> Text,
        token_hash -> Text,
        token_sealed -> Text,
        token_revoked_at -> Nullable<Timestamp>,
        consented_at -> Nullable<Timestamp>,
        withdrawn_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    items (id) {
        id -> Text,
        study_id -> Text,
        code -> Text,
        text -> Text,
        section -> Text,
        origin -> Text,
        origin_round -> Nullable<Integer>,
        replaces_id -> Nullable<Text>,
        change_note -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        status_reason -> Nullable<Text>,
    }
}

diesel::table! {
    rounds (id) {
        id -> Text,
        study_id -> Text,
        number -> Integer,
        status -> Text,
        instructions -> Text,
        deadline -> Nullable<Timestamp>,
        opened_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    round_items (round_id, item_id) {
        round_id -> Text,
        item_id -> Text,
        position -> Integer,
        disposition -> Text,
    }
}

diesel::table! {
    participations (round_id, panellist_id) {
        round_id -> Text,
        panellist_id -> Text,
        invited_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    responses (round_id, item_id, panellist_id) {
        round_id -> Text,
        item_id -> Text,
        panellist_id -> Text,
        rating -> Nullable<Integer>,
        unable_to_rate -> Bool,
        comment -> Nullable<Text>,
        reason -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    results (round_id, item_id, group_code) {
        round_id -> Text,
        item_id -> Text,
        group_code -> Text,
        n_valid -> Integer,
        n_utr -> Integer,
        classification -> Nullable<Text>,
        stats -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    comment_reviews (round_id, item_id, panellist_id) {
        round_id -> Text,
        item_id -> Text,
        panellist_id -> Text,
        decision -> Text,
        shown_text -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    email_templates (study_id, kind) {
        study_id -> Text,
        kind -> Text,
        subject -> Text,
        body_text -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        study_id -> Nullable<Text>,
        round_id -> Nullable<Text>,
        panellist_id -> Nullable<Text>,
        kind -> Text,
        recipient -> Text,
        context -> Text,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        study_id -> Nullable<Text>,
        actor -> Text,
        action -> Text,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    account_links (id) {
        id -> Text,
        token_hash -> Text,
        token_sealed -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    amendments (id) {
        id -> Text,
        study_id -> Text,
        made_at -> Timestamp,
        made_by -> Text,
        summary -> Text,
        reason -> Text,
        settings_before -> Text,
        settings_after -> Text,
    }
}

diesel::table! {
    study_sections (study_id, position) {
        study_id -> Text,
        position -> Integer,
        name -> Text,
    }
}

diesel::table! {
    plan_changes (study_id, round_number, item_code) {
        study_id -> Text,
        round_number -> Integer,
        item_code -> Text,
        kind -> Text,
        new_code -> Nullable<Text>,
        section -> Nullable<Text>,
        text -> Nullable<Text>,
        reason -> Text,
        source_round_id -> Nullable<Text>,
        source_item_id -> Nullable<Text>,
        source_panellist_id -> Nullable<Text>,
        decided_by -> Text,
        decided_at -> Timestamp,
        source_section -> Nullable<Text>,
    }
}

diesel::table! {
    open_answers (round_id, panellist_id, section) {
        round_id -> Text,
        panellist_id -> Text,
        section -> Text,
        text -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    background_answers (panellist_id, question_id) {
        panellist_id -> Text,
        question_id -> Text,
        answer -> Nullable<Text>,
        answered_at -> Timestamp,
    }
}

diesel::joinable!(study_members -> studies (study_id));
diesel::joinable!(study_members -> users (user_id));
diesel::joinable!(stakeholder_groups -> studies (study_id));
diesel::joinable!(panellists -> studies (study_id));
diesel::joinable!(panellists -> stakeholder_groups (group_id));
diesel::joinable!(rounds -> studies (study_id));
diesel::joinable!(round_items -> rounds (round_id));
diesel::joinable!(round_items -> items (item_id));
diesel::joinable!(participations -> rounds (round_id));
diesel::joinable!(participations -> panellists (panellist_id));
diesel::joinable!(responses -> rounds (round_id));
diesel::joinable!(responses -> items (item_id));
diesel::joinable!(responses -> panellists (panellist_id));
diesel::joinable!(results -> rounds (round_id));
diesel::joinable!(results -> items (item_id));
diesel::joinable!(outbox -> panellists (panellist_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    studies,
    study_members,
    stakeholder_groups,
    panellists,
    items,
    rounds,
    round_items,
    participations,
    responses,
    results,
    comment_reviews,
    email_templates,
    outbox,
    audit_log,
    plan_changes,
    open_answers,
    background_answers,
);
