use serde_json::json;

use super::*;

fn templates() -> Templates {
    Templates::load().expect("every embedded template parses")
}

#[test]
fn loads_every_email_template_and_leaves_partials_out_of_names() {
    let t = templates();
    let names = t.names();
    for kind in [
        "invitation",
        "round_opened",
        "reminder",
        "thank_you",
        "withdrawal",
    ] {
        for part in ["subject.txt", "body.txt", "body.html"] {
            let name = format!("emails/{kind}/{part}");
            assert!(names.contains(&name), "{name} missing from {names:?}");
            assert!(t.has(&name));
        }
    }
    assert!(!names.iter().any(|n| n.contains("layout")), "{names:?}");
    assert!(!t.has("email_layout"));
}

#[test]
fn html_is_escaped_and_text_is_not() {
    let t = templates();
    let data = json!({"x": "<b>Tom & \"Jerry\"</b>"});
    assert_eq!(
        t.render_str("{{x}}", Format::Html, &data).unwrap(),
        "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"
    );
    assert_eq!(
        t.render_str("{{x}}", Format::Text, &data).unwrap(),
        "<b>Tom & \"Jerry\"</b>"
    );
    assert_eq!(Format::of_name("emails/x/subject.txt"), Format::Text);
    assert_eq!(Format::of_name("round.html"), Format::Html);
    assert_eq!(Format::of_name("chart.svg"), Format::Html);
}

#[test]
fn strict_mode_refuses_an_unknown_variable_and_names_it() {
    let t = templates();
    let err = t
        .render_str("Hello {{nmae}}", Format::Text, &json!({"name": "Ann"}))
        .unwrap_err();
    assert!(matches!(err, RenderError::Render { .. }), "{err:?}");
    assert!(err.to_string().contains("nmae"), "{err}");
    let err = t
        .render("emails/invitation/subject.txt", &json!({}))
        .unwrap_err();
    assert!(err.to_string().contains("study_title"), "{err}");
}

#[test]
fn bad_syntax_is_refused_with_its_position() {
    let t = templates();
    let err = t
        .render_str(
            "Hello {{#if name}}{{name}}",
            Format::Text,
            &json!({"name": "Ann"}),
        )
        .unwrap_err();
    assert!(matches!(err, RenderError::Syntax { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("line"), "{message}");
}

#[test]
fn unknown_template_is_an_error() {
    let err = templates()
        .render("emails/nothing/body.txt", &json!({}))
        .unwrap_err();
    assert!(matches!(err, RenderError::UnknownTemplate(_)), "{err:?}");
}

#[test]
fn null_optional_values_are_allowed_in_conditions() {
    let t = templates();
    let out = t
        .render_str(
            "{{#if deadline}}by {{deadline}}{{else}}no deadline{{/if}}",
            Format::Text,
            &json!({"deadline": null}),
        )
        .unwrap();
    assert_eq!(out, "no deadline");
}

#[test]
fn partials_blocks_and_hash_parameters_work() {
    let t = templates();
    let out = t
        .render_str(
            "{{#> email_layout signed=true}}<p>inner {{study_title}}</p>{{/email_layout}}",
            Format::Html,
            &json!({"study_title": "A & B", "withdraw_link": "https://x/p/t/withdraw"}),
        )
        .unwrap();
    assert!(out.contains("<p>inner A &amp; B</p>"), "{out}");
    assert!(out.contains("https://x/p/t/withdraw"), "{out}");
    let out = t
        .render_str(
            "{{> link_button label=\"Go\"}}",
            Format::Html,
            &json!({"link": "https://x/p/t"}),
        )
        .unwrap();
    assert!(out.contains(">Go</a>"), "{out}");
    assert!(out.contains("href=\"https://x/p/t\""), "{out}");
}

#[test]
fn templates_are_shared_cheaply() {
    let t = templates();
    let u = t.clone();
    assert!(Arc::ptr_eq(&t.inner, &u.inner));
}

#[test]
fn strict_mode_refuses_a_misspelt_condition_too() {
    let t = templates();
    let err = t
        .render_str(
            "{{#if deadlne}}x{{/if}}",
            Format::Text,
            &json!({"deadline": null}),
        )
        .unwrap_err();
    assert!(err.to_string().contains("deadlne"), "{err}");
}

#[test]
fn sources_are_kept_for_editing() {
    let t = templates();
    let subject = t.source("emails/invitation/subject.txt").unwrap();
    assert!(subject.contains("{{study_title}}"), "{subject}");
    assert!(t.source("email_layout").is_none());
}
