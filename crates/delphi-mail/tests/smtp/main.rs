//! delphi-mail against a real SMTP server on loopback (aiosmtpd, started by each test):
//! delivery with the right links, authentication, the file transport, and the fault tests
//! (server down, server killed midway, worker process killed midway).

mod delivery;
mod faults;
mod reminders;
mod support;
