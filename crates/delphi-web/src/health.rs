//! Liveness: the process answers and can reach its database.

use actix_web::{web, HttpResponse};

use crate::WebState;

/// `GET /healthz`: 200 `{"status": "ok", "database": "ok"}`, or 503 when the database is
/// unreachable.
pub async fn healthz(state: web::Data<WebState>) -> HttpResponse {
    let app = state.app.clone();
    let database = web::block(move || app.conn().map(drop)).await;
    match database {
        Ok(Ok(())) => HttpResponse::Ok().json(serde_json::json!({
            "status": "ok",
            "database": "ok",
            "version": env!("CARGO_PKG_VERSION"),
        })),
        _ => HttpResponse::ServiceUnavailable().json(serde_json::json!({
            "status": "unavailable",
            "database": "unreachable",
            "version": env!("CARGO_PKG_VERSION"),
        })),
    }
}
