//! The protocol locked at round 1 and amended only with a reason.

use super::*;

#[test]
fn the_protocol_locks_at_round_one_and_changes_after_are_amendments_with_reasons() {
    on_each_backend(|app| {
        let slug = import(app, &small("protocol"));
        let mut settings = protocol::view(app, OPERATOR, &slug).unwrap().settings;
        settings.stopping.max_rounds = 4;
        assert_eq!(
            protocol::update(app, OPERATOR, &slug, &settings, "").unwrap(),
            Updated::Saved
        );
        assert!(protocol::view(app, OPERATOR, &slug)
            .unwrap()
            .locked_at
            .is_none());

        // A draft previews on a simulated panel.
        let preview = protocol::preview(app, OPERATOR, &slug, &settings.consensus).unwrap();
        assert!(preview.source.contains("simulated"), "{}", preview.source);
        assert_eq!(preview.lines.len(), 4);

        open_first(app, &slug);
        let tokens = tokens(app, &slug);
        for token in &tokens {
            participation::consent(app, &panellist(token)).unwrap();
            for code in ["A1", "A2", "A3", "A4"] {
                rate(app, token, code, 8);
            }
            participation::submit(app, &panellist(token)).unwrap();
        }
        closing::close_round(app, OPERATOR, &slug).unwrap();
        let view = protocol::view(app, OPERATOR, &slug).unwrap();
        assert!(view.locked_at.is_some(), "round 1 locked the protocol");
        let stored_before = format!(
            "{:?}",
            queries::round_results(app, OPERATOR, &slug, 1).unwrap()
        );

        let mut scale = view.settings.clone();
        scale.scale.max = 7;
        scale.scale.agree = [6, 7];
        scale.scale.labels.clear();
        let message = refused_changing_nothing(app, "an edit of the locked scale", || {
            protocol::update(app, OPERATOR, &slug, &scale, "a reason").map(drop)
        });
        assert!(message.contains("scale is locked"), "{message}");

        let mut rule = view.settings.clone();
        rule.consensus.consensus_in = "pct(7, 9) >= 80".to_owned();
        rule.consensus.preset = None;
        let message = refused_changing_nothing(app, "an amendment without a reason", || {
            protocol::update(app, OPERATOR, &slug, &rule, "  ").map(drop)
        });
        assert!(message.contains("needs a reason"), "{message}");

        let outcome = protocol::update(
            app,
            OPERATOR,
            &slug,
            &rule,
            "The steering group asked for 80 %",
        )
        .unwrap();
        assert!(
            matches!(outcome, Updated::Amended(ref s) if s.contains("pct(7, 9) >= 80")),
            "{outcome:?}"
        );
        let view = protocol::view(app, OPERATOR, &slug).unwrap();
        assert_eq!(view.amendments.len(), 1);
        assert_eq!(
            view.amendments[0].reason,
            "The steering group asked for 80 %"
        );
        let mut conn = app.conn().unwrap();
        let audit = delphi_store::audit::for_study(&mut conn, &study_id(app, &slug)).unwrap();
        assert!(audit
            .iter()
            .any(|a| a.action == "protocol.amended" && a.detail.contains("steering group")));
        // Round 1 keeps the classification made under the rule in force then.
        assert_eq!(
            format!(
                "{:?}",
                queries::round_results(app, OPERATOR, &slug, 1).unwrap()
            ),
            stored_before
        );
        // The latest results preview under the draft rule.
        let preview = protocol::preview(app, OPERATOR, &slug, &rule.consensus).unwrap();
        assert_eq!(preview.source, "round 1's answers");
        assert_eq!(preview.tally[0], 4, "all rated 8: in under 80 % too");

        // A second amendment whose reason is markup; both are carried into the report's
        // record, oldest first, and shown in the report's protocol section, escaped.
        let mut again = rule.clone();
        again.consensus.consensus_in = "pct(7, 9) >= 75".to_owned();
        let hostile = "<script>alert(1)</script> & the panel's \"view\"";
        protocol::update(app, OPERATOR, &slug, &again, hostile).unwrap();
        let record = delphi_app::exports::record(app, OPERATOR, &slug).unwrap();
        let amendments = &record.protocol.amendments;
        assert_eq!(amendments.len(), 2);
        assert_eq!(amendments[0].reason, "The steering group asked for 80 %");
        assert!(
            amendments[0].change.contains("pct(7, 9) >= 80"),
            "{}",
            amendments[0].change
        );
        assert_eq!(amendments[1].reason, hostile);
        assert!(amendments[0].at <= amendments[1].at);
        let templates = delphi_render::Templates::load().unwrap();
        let html = delphi_report::report::render_report_html(&record, &templates).unwrap();
        let section = &html[html.find("Amendments after the lock").expect("the section")..];
        assert!(
            section.contains("The steering group asked for 80 %"),
            "{section}"
        );
        assert!(
            section.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "escaped"
        );
        assert!(!html.contains("<script>alert(1)"), "never as markup");
        assert!(!section.starts_with("Amendments after the lock</h3>\n  <p>No amendments"));
    });
}
