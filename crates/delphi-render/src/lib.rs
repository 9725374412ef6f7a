//! The one handlebars setup shared by pages, emails and the report: templates embedded in the binary, strict mode.
