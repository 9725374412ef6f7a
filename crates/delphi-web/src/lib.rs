//! actix-web: thin handlers, pages, JSON API, auth and sessions.
