//! The headers of a panellist's message and the message itself: From the configured sender,
//! Reply-To the study's team contact (else the configured reply-to), and `List-Unsubscribe`
//! with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058) pointing to the
//! panellist's withdrawal link, so a mail client's "unsubscribe" withdraws them.

use delphi_app::email_templates::ComposedEmail;
use lettre::message::header::{self, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `List-Unsubscribe: <https://...>` (RFC 2369).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        let url = s.trim().trim_start_matches('<').trim_end_matches('>');
        Ok(Self(url.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnsubscribePost;

/// The body a one-click unsubscription POSTs.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        if s.trim() == ONE_CLICK {
            Ok(Self)
        } else {
            Err(format!("not {ONE_CLICK}").into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), ONE_CLICK.to_owned())
    }
}

/// Who a message is from and to, where replies go, and how to leave the study.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The configured sender.
    pub from: Mailbox,
    /// The panellist (or the researcher, for a test).
    pub to: Mailbox,
    /// Where replies go: the study team's contact, else the configured reply-to.
    pub reply_to: Option<Mailbox>,
    /// The withdrawal link for `List-Unsubscribe` (none for the withdrawal confirmation).
    pub unsubscribe: Option<String>,
}

impl Envelope {
    /// The envelope of a message: `team_contact` (when it is a usable address) wins over the
    /// configured `reply_to`.
    pub fn new(
        from: Mailbox,
        to: Mailbox,
        reply_to: Option<&Mailbox>,
        team_contact: &str,
        unsubscribe: Option<String>,
    ) -> Self {
        let team = Some(team_contact.trim())
            .filter(|c| !c.is_empty())
            .and_then(|c| c.parse::<Mailbox>().ok());
        Self {
            from,
            to,
            reply_to: team.or_else(|| reply_to.cloned()),
            unsubscribe,
        }
    }
}

/// Builds the message: the headers of `envelope`, the subject, plain text and HTML parts.
pub fn message(
    message_id: String,
    envelope: Envelope,
    subject: String,
    mail: ComposedEmail,
) -> Result<Message, String> {
    let mut builder = Message::builder()
        .message_id(Some(message_id))
        .from(envelope.from)
        .to(envelope.to)
        .subject(subject);
    if let Some(reply_to) = envelope.reply_to {
        builder = builder.reply_to(reply_to);
    }
    if let Some(link) = envelope.unsubscribe {
        builder = builder
            .header(ListUnsubscribe(link))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(mail.text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(mail.html),
                ),
        )
        .map_err(|e| format!("the message could not be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(text: &str) -> Mailbox {
        text.parse().unwrap()
    }

    #[test]
    fn the_team_contact_is_the_reply_to_and_the_withdraw_link_unsubscribes() {
        let configured = mailbox("Replies <replies@example.org>");
        let envelope = Envelope::new(
            mailbox("Delphi <delphi@example.org>"),
            mailbox("p@example.org"),
            Some(&configured),
            "team@example.ac.uk",
            Some("https://d.org/p/abc/withdraw".to_owned()),
        );
        let mail = ComposedEmail {
            subject: "S".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
        };
        let built = message("<1@d.org>".into(), envelope, "S".into(), mail).unwrap();
        let headers = built.headers().to_string();
        assert!(
            headers.contains("Reply-To: team@example.ac.uk"),
            "{headers}"
        );
        assert!(
            headers.contains("List-Unsubscribe: <https://d.org/p/abc/withdraw>"),
            "{headers}"
        );
        assert!(
            headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{headers}"
        );
        let fallback = Envelope::new(
            mailbox("d@example.org"),
            mailbox("p@example.org"),
            Some(&configured),
            "not an address",
            None,
        );
        assert_eq!(fallback.reply_to, Some(configured));
    }
}
