//! Reading `application/x-www-form-urlencoded` bodies strictly: a form with more fields than
//! [`MAX_FIELDS`], a field given twice, or bytes that are not UTF-8 once percent-decoded is
//! refused with what was wrong, instead of being guessed at (the framework's decoder keeps
//! the last of duplicated fields and replaces invalid bytes silently). Lookups are by hash,
//! so a large form costs linear time.

use std::collections::HashMap;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use percent_encoding::percent_decode;

/// Most fields a form may have (a round of 2,000 items has about 6,000).
pub const MAX_FIELDS: usize = 10_000;

/// Why a form body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// More fields than [`MAX_FIELDS`].
    #[error("the form has more than {MAX_FIELDS} fields")]
    TooManyFields,
    /// The same field twice.
    #[error("the form gives the field `{0}` more than once")]
    Duplicate(String),
    /// A name or value is not UTF-8 once decoded.
    #[error("field {0} of the form is not valid text (UTF-8)")]
    NotUtf8(usize),
    /// The body could not be read (too large, cut off).
    #[error("the form could not be read: {0}")]
    Body(String),
}

/// A form's fields, each given once, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    pairs: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

fn decode(part: &[u8], position: usize) -> Result<String, FormError> {
    let spaced: Vec<u8> = part
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| FormError::NotUtf8(position))
}

impl Fields {
    /// Parses a urlencoded body.
    pub fn parse(body: &[u8]) -> Result<Self, FormError> {
        let mut fields = Self::default();
        for (position, part) in body
            .split(|&b| b == b'&')
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            if position >= MAX_FIELDS {
                return Err(FormError::TooManyFields);
            }
            let (name, value) = match part.iter().position(|&b| b == b'=') {
                Some(at) => (&part[..at], &part[at + 1..]),
                None => (part, &b""[..]),
            };
            let name = decode(name, position + 1)?;
            let value = decode(value, position + 1)?;
            if fields.index.contains_key(&name) {
                return Err(FormError::Duplicate(name));
            }
            fields.index.insert(name.clone(), fields.pairs.len());
            fields.pairs.push((name, value));
        }
        Ok(fields)
    }

    /// The value of field `name` (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.index
            .get(name)
            .map_or("", |&i| self.pairs[i].1.as_str())
    }

    /// Every field, in the order sent.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Reads the fields into a typed form (`serde`), naming the field that does not fit.
    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        let encoded = serde_urlencoded::to_string(&self.pairs).map_err(|e| e.to_string())?;
        serde_urlencoded::from_str(&encoded).map_err(|e| e.to_string())
    }
}

impl FromRequest for Fields {
    type Error = FormError;
    type Future = LocalBoxFuture<'static, Result<Self, FormError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| FormError::Body(e.to_string()))?;
            Fields::parse(&body)
        })
    }
}

impl actix_web::ResponseError for FormError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        match self {
            Self::Body(_) => actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            _ => actix_web::http::StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        crate::errors::message_page(
            self.status_code(),
            "The form was not accepted",
            &self.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_decode_once_each() {
        let fields = Fields::parse(b"a=1&b=two+words&c=%C3%A9t%C3%A9&d").unwrap();
        assert_eq!(fields.get("a"), "1");
        assert_eq!(fields.get("b"), "two words");
        assert_eq!(fields.get("c"), "été");
        assert_eq!(fields.get("d"), "");
        assert_eq!(fields.get("missing"), "");
        assert_eq!(fields.pairs().len(), 4);
    }

    #[test]
    fn duplicates_bad_bytes_and_floods_are_refused() {
        assert_eq!(
            Fields::parse(b"a=1&a=2").unwrap_err(),
            FormError::Duplicate("a".into())
        );
        assert_eq!(
            Fields::parse(b"a=1&b=%FF%FE").unwrap_err(),
            FormError::NotUtf8(2)
        );
        let flood: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("f{i}=x")).collect();
        assert_eq!(
            Fields::parse(flood.join("&").as_bytes()).unwrap_err(),
            FormError::TooManyFields
        );
    }

    #[test]
    fn typed_forms_read_their_fields() {
        #[derive(serde::Deserialize)]
        struct Form {
            n: u32,
            s: String,
        }
        let form: Form = Fields::parse(b"n=7&s=x%20y&csrf=z")
            .unwrap()
            .typed()
            .unwrap();
        assert_eq!((form.n, form.s.as_str()), (7, "x y"));
        let bad = Fields::parse(b"n=seven&s=x").unwrap().typed::<Form>();
        assert!(bad.is_err());
    }
}
