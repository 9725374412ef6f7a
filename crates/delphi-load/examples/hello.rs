//! actix-web's plain hello-world: the ceiling the load generator measures our server against
//! (`scripts/bench-load.sh`). Prints its address, then serves `GET /` until killed.
//!
//!     cargo run --release -p delphi-load --example hello [-- ADDRESS [WORKERS]]

use actix_web::{web, App, HttpServer};

async fn hello() -> &'static str {
    "Hello world!"
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    let server = HttpServer::new(|| App::new().route("/", web::get().to(hello)))
        .workers(workers)
        .bind(&address)?;
    for addr in server.addrs() {
        println!("http://{addr}");
    }
    server.run().await
}
