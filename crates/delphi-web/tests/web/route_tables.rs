//! The route tables of `src/`, read from the source, and the test that the authorisation
//! matrix (`matrix.rs`) lists every registered route once and no route that is gone.

use std::collections::BTreeSet;
use std::path::Path;

/// Every `(method, path)` the route tables in `src/` register, read from the source: the
/// `web::scope("…")` and `web::resource("…")` blocks and their `.route(…, web::get()…)`
/// lines, and top-level `.route("…", web::post()…)` calls.
pub fn registered_routes() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("src is readable") {
                files.push(entry.expect("an entry").path());
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).expect("a source file");
            let code: Vec<&str> = source
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            let flat = code
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("");
            let before = found.len();
            collect(&flat, "", &closures(&flat), &mut found);
            let registered = methods(&flat).len();
            assert_eq!(
                found.len() - before,
                registered,
                "{}: {registered} routes registered, {} understood: teach `registered_routes` \
                 (tests/web/matrix.rs) this way of registering them",
                path.display(),
                found.len() - before
            );
        }
    }
    found
}

/// The end of the call whose arguments start at `from` (the index of its closing paren).
fn closing(text: &str, from: usize) -> usize {
    let (mut depth, mut quoted) = (0usize, false);
    for (i, c) in text[from..].char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth == 0 => return from + i,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn literal(text: &str) -> &str {
    text.split('"').next().unwrap_or_default()
}

fn methods(text: &str) -> Vec<String> {
    text.match_indices("web::")
        .filter_map(|(at, _)| {
            let name = text[at + 5..].split('(').next()?;
            ["get", "post", "put", "delete", "patch", "head"]
                .contains(&name)
                .then(|| name.to_uppercase())
        })
        .collect()
}

/// The path-building closures of a file, `let NAME = |PARAM: &str| format!("FORMAT")`, as
/// NAME -> (PARAM, FORMAT), so `.route(&NAME("/x"), ...)` reads as the path it builds.
fn closures(text: &str) -> std::collections::BTreeMap<String, (String, String)> {
    let mut found = std::collections::BTreeMap::new();
    for (at, _) in text.match_indices("let") {
        let rest = &text[at + 3..];
        let Some((name, rest)) = rest.split_once("=|") else {
            continue;
        };
        let Some((param, rest)) = rest.split_once(":&str|format!(\"") else {
            continue;
        };
        let simple = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if simple(name) && simple(param) {
            found.insert(
                name.to_owned(),
                (param.to_owned(), literal(rest).to_owned()),
            );
        }
    }
    found
}

/// The path a closure of [`closures`] builds from `argument`.
fn built(format: &str, param: &str, argument: &str) -> String {
    format
        .replace("{{", "\u{1}")
        .replace("}}", "\u{2}")
        .replace(&format!("{{{param}}}"), argument)
        .replace('\u{1}', "{")
        .replace('\u{2}', "}")
}

/// Collects the routes of whitespace-free source `text` under `prefix`.
fn collect(
    text: &str,
    prefix: &str,
    closures: &std::collections::BTreeMap<String, (String, String)>,
    found: &mut BTreeSet<(String, String)>,
) {
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let next = ["web::scope(\"", "web::resource(\"", ".route(\"", ".route(&"]
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i, *m)))
            .min();
        let Some((i, marker)) = next else { break };
        let start = at + i + marker.len();
        if marker == ".route(&" {
            // `.route(&NAME("/x"), web::get()...)`: the path a closure of this file builds.
            let call = &text[start..];
            let name = call.split('(').next().unwrap_or_default();
            let argument = call[name.len()..].strip_prefix("(\"").map(literal);
            let end = closing(text, start);
            if let (Some((param, format)), Some(argument)) = (closures.get(name), argument) {
                for method in methods(&text[start..end]).into_iter().take(1) {
                    found.insert((method, built(format, param, argument)));
                }
            }
            at = end;
            continue;
        }
        let path = literal(&text[start..]);
        let after = start + path.len() + 1;
        match marker {
            ".route(\"" => {
                let end = closing(text, after);
                for method in methods(&text[after..end]).into_iter().take(1) {
                    found.insert((method, format!("{prefix}{path}")));
                }
                at = end;
            }
            _ => {
                // The scope or resource is the argument of `.service(`: it ends where that does.
                let end = closing(text, after + 1);
                let inner = &text[after + 1..end];
                let full = format!("{prefix}{path}");
                if marker == "web::resource(\"" {
                    for method in methods(inner) {
                        found.insert((method, full.clone()));
                    }
                } else {
                    collect(inner, &full, closures, found);
                }
                at = end;
            }
        }
    }
}

#[test]
fn every_registered_route_is_in_the_matrix() {
    let registered = registered_routes();
    assert!(
        registered.len() >= 20,
        "the route tables were not read: {registered:?}"
    );
    let listed: BTreeSet<(String, String)> = crate::matrix::ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(
        listed.len(),
        crate::matrix::ROUTES.len(),
        "a route is listed twice"
    );
    let missing: Vec<String> = registered
        .difference(&listed)
        .map(|(m, p)| format!("    r(\"{m}\", \"{p}\", \"BODY\", \"none here elsewhere analyst researcher stranger ended\"),"))
        .collect();
    let gone: Vec<String> = listed
        .difference(&registered)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "add to ROUTES in tests/web/matrix.rs:\n{}\nno longer registered:\n{}",
        missing.join("\n"),
        gone.join("\n")
    );
}
