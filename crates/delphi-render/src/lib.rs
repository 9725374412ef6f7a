//! The one handlebars setup shared by pages, emails and the report: templates embedded in the
//! binary, strict mode.
//!
//! Templates live in two folders of the repository and are compiled into the binary (also in
//! debug builds and tests, so a test always renders exactly what ships):
//!
//! - `web/templates/**/NAME.EXT.hbs` is registered as `NAME.EXT`, e.g. `web/templates/round.html.hbs`
//!   is `round.html`; files under `web/templates/partials/` are partials instead, named by
//!   their stem (`partials/header.html.hbs` is `{{> header}}`);
//! - `web/emails/KIND/PART.hbs` is registered as `emails/KIND/PART`, e.g.
//!   `emails/invitation/subject.txt`; files under `web/emails/partials/` are partials too.
//!
//! Templates whose name ends in `.txt` render without escaping (subjects, plain-text bodies);
//! every other template (`.html`, `.svg`, ...) escapes HTML. Strict mode is on everywhere: a
//! variable the context does not have is an error, never an empty string.
//!
//! A template given as text ([`Templates::render_str`], a researcher's own email wording) is
//! untrusted: it may use only variables, `if`/`unless`, comparisons and the shipped partials
//! by name, may nest at most [`MAX_UNTRUSTED_DEPTH`] deep and write at most
//! [`MAX_UNTRUSTED_OUTPUT`] bytes (see `untrusted.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use handlebars::Handlebars;

pub mod chart;
mod strict;
mod untrusted;
use rust_embed::RustEmbed;
use serde::Serialize;

pub use untrusted::{
    MAX_DEPTH as MAX_UNTRUSTED_DEPTH, MAX_OUTPUT as MAX_UNTRUSTED_OUTPUT,
    MAX_SOURCE as MAX_UNTRUSTED_SOURCE,
};

#[derive(RustEmbed)]
#[folder = "../../web/templates"]
struct PageFiles;

#[derive(RustEmbed)]
#[folder = "../../web/emails"]
struct EmailFiles;

/// How a template's output is escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HTML (and SVG/XML): `{{x}}` escapes `<`, `>`, `&`, quotes; `{{{x}}}` does not.
    Html,
    /// Plain text (subjects, text bodies): nothing is escaped.
    Text,
}

impl Format {
    /// The format a template name implies: `.txt` is text, anything else HTML.
    pub fn of_name(name: &str) -> Self {
        if name.ends_with(".txt") {
            Self::Text
        } else {
            Self::Html
        }
    }
}

/// Why a template could not be loaded or rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No template of that name is embedded.
    #[error("no template named {0:?}")]
    UnknownTemplate(String),
    /// A template does not parse.
    #[error("template {name:?} does not parse: {reason}")]
    Syntax {
        /// Template (or `"edited template"` for [`Templates::render_str`]).
        name: String,
        /// Handlebars' message, with line and column.
        reason: String,
    },
    /// An untrusted template uses something it may not (a loop, an inline partial, ...),
    /// nests too deep or writes too much; refused before or while rendering.
    #[error("template {name:?} is refused: {reason}")]
    Refused {
        /// Template (`"edited template"`).
        name: String,
        /// What it may not do, with the position or the limit.
        reason: String,
    },
    /// A template parsed but could not render against the data (in strict mode, usually a
    /// variable the data does not have).
    #[error("template {name:?} could not render: {reason}")]
    Render {
        /// Template.
        name: String,
        /// Handlebars' message, with line and column.
        reason: String,
    },
    /// An embedded file is not UTF-8, or two partials share a name.
    #[error("template file {path:?}: {reason}")]
    File {
        /// Path under `web/`.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The compiled templates; cheap to clone (shared).
#[derive(Clone)]
pub struct Templates {
    inner: Arc<Registries>,
}

struct Registries {
    html: Handlebars<'static>,
    text: Handlebars<'static>,
    /// Handlebars keeps partials in the same map as templates; these are left out of `names`.
    partials: BTreeSet<String>,
    /// The partials of the text registry (`greeting`, `signoff`): what an edited text may include.
    text_partials: BTreeSet<String>,
    /// The partials of the HTML registry.
    html_partials: BTreeSet<String>,
    /// Template sources by name (what a researcher starts editing from).
    sources: BTreeMap<String, String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("names", &self.names())
            .finish()
    }
}

/// One embedded file, classified.
struct Source {
    /// Registered name (template) or stem (partial).
    name: String,
    path: String,
    body: String,
    partial: bool,
}

fn embedded_sources() -> Result<Vec<Source>, RenderError> {
    let mut sources = Vec::new();
    let folders: [(&str, &str, Box<dyn Iterator<Item = _>>); 2] = [
        (
            "templates/",
            "",
            Box::new(PageFiles::iter().map(|p| (p.to_string(), PageFiles::get(&p)))),
        ),
        (
            "emails/",
            "emails/",
            Box::new(EmailFiles::iter().map(|p| (p.to_string(), EmailFiles::get(&p)))),
        ),
    ];
    for (folder, prefix, files) in folders {
        for (relative, file) in files {
            let Some(stripped) = relative.strip_suffix(".hbs") else {
                continue;
            };
            let path = format!("web/{folder}{relative}");
            let file = file.ok_or_else(|| RenderError::File {
                path: path.clone(),
                reason: "listed but not embedded".to_owned(),
            })?;
            let body =
                String::from_utf8(file.data.into_owned()).map_err(|_| RenderError::File {
                    path: path.clone(),
                    reason: "not UTF-8".to_owned(),
                })?;
            let (name, partial) = match stripped.strip_prefix("partials/") {
                Some(partial) => (partial.to_owned(), true),
                None => (format!("{prefix}{stripped}"), false),
            };
            sources.push(Source {
                name,
                path,
                body,
                partial,
            });
        }
    }
    Ok(sources)
}

fn registry(escape: Format) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_helper("if", Box::new(strict::StrictIf { positive: true }));
    hb.register_helper("unless", Box::new(strict::StrictIf { positive: false }));
    match escape {
        Format::Html => hb.register_escape_fn(handlebars::html_escape),
        Format::Text => hb.register_escape_fn(handlebars::no_escape),
    }
    hb
}

impl Templates {
    /// Compiles every embedded template and partial; fails on the first that does not parse.
    pub fn load() -> Result<Self, RenderError> {
        let mut html = registry(Format::Html);
        let mut text = registry(Format::Text);
        let mut partials: BTreeMap<(String, bool), String> = BTreeMap::new();
        let mut partial_names = BTreeSet::new();
        let (mut text_partials, mut html_partials) = (BTreeSet::new(), BTreeSet::new());
        let mut sources = BTreeMap::new();
        for source in embedded_sources()? {
            let is_text = Format::of_name(&source.name) == Format::Text;
            let hb = if is_text { &mut text } else { &mut html };
            let syntax = |e: handlebars::TemplateError| RenderError::Syntax {
                name: source.path.clone(),
                reason: syntax_reason(&e),
            };
            if source.partial {
                // Partials are named by their stem (without `.html`/`.txt`).
                let stem = source
                    .name
                    .rsplit_once('.')
                    .map_or(source.name.as_str(), |(stem, _)| stem)
                    .to_owned();
                if let Some(other) = partials.insert((stem.clone(), is_text), source.path.clone()) {
                    return Err(RenderError::File {
                        path: source.path,
                        reason: format!("partial {stem:?} is also defined by {other}"),
                    });
                }
                hb.register_partial(&stem, source.body.as_str())
                    .map_err(syntax)?;
                if is_text {
                    text_partials.insert(stem.clone());
                } else {
                    html_partials.insert(stem.clone());
                }
                partial_names.insert(stem);
            } else {
                hb.register_template_string(&source.name, source.body.as_str())
                    .map_err(syntax)?;
                sources.insert(source.name, source.body);
            }
        }
        Ok(Self {
            inner: Arc::new(Registries {
                html,
                text,
                partials: partial_names,
                text_partials,
                html_partials,
                sources,
            }),
        })
    }

    fn registry_for(&self, format: Format) -> &Handlebars<'static> {
        match format {
            Format::Html => &self.inner.html,
            Format::Text => &self.inner.text,
        }
    }

    /// Renders the template `name` (e.g. `emails/invitation/body.html`) with `data`.
    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String, RenderError> {
        let hb = self.registry_for(Format::of_name(name));
        if !self.has(name) {
            return Err(RenderError::UnknownTemplate(name.to_owned()));
        }
        hb.render(name, data).map_err(|e| RenderError::Render {
            name: name.to_owned(),
            reason: render_reason(&e),
        })
    }

    /// Whether a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        !self.inner.partials.contains(name)
            && self.registry_for(Format::of_name(name)).has_template(name)
    }

    /// Renders an untrusted template given as text (a researcher's edited email) with the same
    /// strict setup as the embedded ones. Refused ([`RenderError::Refused`]) before rendering
    /// when it is longer than [`MAX_UNTRUSTED_SOURCE`] bytes, nests deeper than
    /// [`MAX_UNTRUSTED_DEPTH`] or uses anything but variables, `if`/`unless` blocks,
    /// comparisons and the shipped partials of `format` by name; refused while rendering when
    /// it would write more than [`MAX_UNTRUSTED_OUTPUT`] bytes. A template that does not parse,
    /// or uses a variable `data` does not have, is refused with handlebars' reason.
    pub fn render_str(
        &self,
        source: &str,
        format: Format,
        data: &impl Serialize,
    ) -> Result<String, RenderError> {
        const NAME: &str = "edited template";
        let refused = |reason: String| RenderError::Refused {
            name: NAME.to_owned(),
            reason,
        };
        untrusted::check_source(source).map_err(refused)?;
        let template = handlebars::Template::compile(source).map_err(|e| RenderError::Syntax {
            name: NAME.to_owned(),
            reason: syntax_reason(&e),
        })?;
        let partials = match format {
            Format::Html => &self.inner.html_partials,
            Format::Text => &self.inner.text_partials,
        };
        untrusted::check_template(&template, partials).map_err(refused)?;
        let mut output = untrusted::LimitedOutput::default();
        let rendered =
            self.registry_for(format)
                .render_template_to_write(source, data, &mut output);
        if output.overflowed {
            return Err(refused(format!(
                "it would write more than {MAX_UNTRUSTED_OUTPUT} bytes, the limit for an \
                 edited template"
            )));
        }
        rendered.map_err(|e| RenderError::Render {
            name: NAME.to_owned(),
            reason: render_reason(&e),
        })?;
        String::from_utf8(output.bytes).map_err(|_| RenderError::Render {
            name: NAME.to_owned(),
            reason: "the output is not UTF-8".to_owned(),
        })
    }

    /// The source text of a template (not a partial), as embedded.
    pub fn source(&self, name: &str) -> Option<&str> {
        self.inner.sources.get(name).map(String::as_str)
    }

    /// Every registered template name (not partials), sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .inner
            .html
            .get_templates()
            .keys()
            .chain(self.inner.text.get_templates().keys())
            .filter(|name| !self.inner.partials.contains(*name))
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// A short parse error with its position: handlebars' own message lists every token the
/// grammar expected, which helps nobody editing an email.
fn syntax_reason(e: &handlebars::TemplateError) -> String {
    let reason = match e.reason() {
        handlebars::TemplateErrorReason::InvalidSyntax(_) => {
            "invalid handlebars syntax: check that every {{ has its }} and every {{#block}} \
             its {{/block}}"
                .to_owned()
        }
        other => other.to_string(),
    };
    match e.pos() {
        Some((line, column)) => format!("line {line}, column {column}: {reason}"),
        None => reason,
    }
}

/// Handlebars' message with its position, without repeating the template name.
fn render_reason(e: &handlebars::RenderError) -> String {
    let reason = match e.reason() {
        handlebars::RenderErrorReason::MissingVariable(Some(name)) => {
            format!("unknown variable {name:?}")
        }
        other => other.to_string(),
    };
    match (e.line_no, e.column_no) {
        (Some(line), Some(column)) => format!("line {line}, column {column}: {reason}"),
        _ => reason,
    }
}

#[cfg(test)]
#[path = "../../../fuzz/harness.rs"]
mod fuzz_harness;
#[cfg(test)]
mod tests;
