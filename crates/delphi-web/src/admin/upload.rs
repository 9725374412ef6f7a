//! Uploaded files (`multipart/form-data`) read strictly and within limits: the whole body at
//! most [`MAX_BODY_BYTES`], at most [`MAX_PARTS`] parts, each part's name given once. The
//! [`CsrfUpload`] extractor is the upload's [`super::extract::CsrfForm`]: the session, then
//! the `csrf` part checked before anything else is used.
//!
//! A small parser rather than a dependency: the forms send at most four files, the body is
//! already bounded and in memory, and only the parts' names, file names and bytes are needed.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use delphi_app::AppError;
use futures_util::future::LocalBoxFuture;

use super::extract::{Rejection, SignedIn, CSRF_REFUSED};
use super::render::problem;
use super::session;
use crate::WebState;

/// Most bytes of an upload's body: 16 MiB (three files of the 5 MiB the importer reads).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most parts an upload may have.
pub const MAX_PARTS: usize = 8;

/// One part of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The form field's name.
    pub name: String,
    /// The file's name, for a file (empty when the browser sent no file for the field).
    pub filename: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Every part of an upload, by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts(pub Vec<Part>);

impl Parts {
    /// The part named `name`, when it holds something (a file input left empty is absent).
    pub fn get(&self, name: &str) -> Option<&Part> {
        self.0
            .iter()
            .find(|p| p.name == name)
            .filter(|p| !p.bytes.is_empty())
    }

    /// The text of a plain field (empty when absent or not UTF-8).
    pub fn text(&self, name: &str) -> &str {
        self.get(name)
            .and_then(|p| std::str::from_utf8(&p.bytes).ok())
            .unwrap_or("")
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary_of(content_type: &str) -> Result<String, String> {
    let (kind, params) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err("the form must be sent as multipart/form-data (a file upload)".to_owned());
    }
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or_else(|| "the upload names no boundary".to_owned())
}

/// A `name="..."` parameter of a Content-Disposition line.
fn parameter(line: &str, key: &str) -> Option<String> {
    let at = line.find(&format!("{key}=\""))? + key.len() + 2;
    let rest = &line[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Parses a multipart body.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Parts, String> {
    let boundary = boundary_of(content_type)?;
    let delimiter = format!("--{boundary}");
    let bad = || "the upload is cut off or malformed".to_owned();
    let start = find(body, delimiter.as_bytes()).ok_or_else(bad)?;
    let mut rest = &body[start + delimiter.len()..];
    let separator = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(Parts(parts));
        }
        rest = rest.strip_prefix(b"\r\n").ok_or_else(bad)?;
        let head_end = find(rest, b"\r\n\r\n").ok_or_else(bad)?;
        let head = std::str::from_utf8(&rest[..head_end])
            .map_err(|_| "a part's headers are not text".to_owned())?;
        let after = &rest[head_end + 4..];
        let end = find(after, separator.as_bytes()).ok_or_else(bad)?;
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .ok_or_else(|| "a part has no Content-Disposition".to_owned())?;
        let name = parameter(disposition, "name").ok_or_else(|| "a part has no name".to_owned())?;
        if parts.iter().any(|p: &Part| p.name == name) {
            return Err(format!(
                "the upload gives the field `{name}` more than once"
            ));
        }
        if parts.len() >= MAX_PARTS {
            return Err(format!("the upload has more than {MAX_PARTS} parts"));
        }
        parts.push(Part {
            filename: parameter(disposition, "filename"),
            name,
            bytes: after[..end].to_vec(),
        });
        rest = &after[end + separator.len()..];
    }
}

/// An upload of a signed-in user, with its `csrf` part checked.
pub struct CsrfUpload {
    /// Who sent it.
    pub signed: SignedIn,
    /// Its parts.
    pub parts: Parts,
}

fn reject(response: actix_web::HttpResponse) -> Rejection {
    actix_web::error::InternalError::from_response("upload refused", response).into()
}

impl FromRequest for CsrfUpload {
    type Error = Rejection;
    type Future = LocalBoxFuture<'static, Result<Self, Rejection>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed = SignedIn::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let signed = signed.await?;
            let Some(state) = req.app_data::<web::Data<WebState>>().cloned() else {
                return Err(reject(
                    actix_web::HttpResponse::InternalServerError().finish(),
                ));
            };
            let refuse = |error: AppError| reject(problem(&state, Some(&signed), &error));
            let body = match body.await {
                Ok(body) => body,
                Err(e) => {
                    return Err(refuse(AppError::invalid(
                        "upload",
                        format!(
                            "the upload could not be read (at most {MAX_BODY_BYTES} bytes): {e}"
                        ),
                    )))
                }
            };
            let content_type = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if boundary_of(content_type).is_err() {
                // Not an upload: read as the form it claims to be, with a form's limit, so
                // what is wrong is named as on every form.
                let problem = if body.len() > crate::rejections::FORM_LIMIT {
                    format!(
                        "the body has {} bytes; a form takes at most {} KiB (files go as multipart/form-data)",
                        body.len(),
                        crate::rejections::FORM_LIMIT / 1024
                    )
                } else {
                    match crate::forms::Fields::parse(&body) {
                        Err(e) => e.to_string(),
                        Ok(_) => "the form must be sent as multipart/form-data (a file upload)"
                            .to_owned(),
                    }
                };
                return Err(refuse(AppError::invalid("upload", problem)));
            }
            let parts =
                parse(content_type, &body).map_err(|e| refuse(AppError::invalid("upload", e)))?;
            if !session::csrf_ok(&state.app.secret, &signed.session, parts.text("csrf")) {
                return Err(refuse(AppError::Forbidden(CSRF_REFUSED.to_owned())));
            }
            Ok(Self { signed, parts })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=XyZ";

    #[test]
    fn parts_are_read_with_their_names_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"items\"; filename=\"items.csv\"\r\nContent-Type: text/csv\r\n\r\ncode,section,text\r\nA,B,C\r\n\r\n--XyZ--\r\n";
        let parts = parse(TYPE, body).unwrap();
        assert_eq!(parts.text("csrf"), "abc");
        let items = parts.get("items").unwrap();
        assert_eq!(items.filename.as_deref(), Some("items.csv"));
        assert_eq!(items.bytes, b"code,section,text\r\nA,B,C\r\n");
    }

    #[test]
    fn malformed_duplicated_and_flooded_uploads_are_refused() {
        assert!(parse("application/x-www-form-urlencoded", b"a=1").is_err());
        assert!(parse(
            TYPE,
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ncut"
        )
        .is_err());
        let twice = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--XyZ--";
        assert!(parse(TYPE, twice).unwrap_err().contains("more than once"));
        let mut flood = Vec::new();
        for i in 0..=MAX_PARTS {
            flood.extend(
                format!("--XyZ\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n")
                    .bytes(),
            );
        }
        flood.extend(b"--XyZ--");
        assert!(parse(TYPE, &flood).unwrap_err().contains("parts"));
    }
}
