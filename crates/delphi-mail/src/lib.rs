//! Email transports (SMTP, .eml files) and the outbox delivery worker.
