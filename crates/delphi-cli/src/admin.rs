//! `delphi admin ...`: tasks for whoever runs the installation.

use std::io::BufRead;

use anyhow::{bail, Context};

use crate::config::Config;

/// Administration subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create a researcher or analyst login. The password is read from standard input
    /// (one line) or, with --generate-password, made up and printed once.
    CreateUser {
        /// Login email address.
        #[arg(long)]
        email: String,
        /// Name shown to colleagues.
        #[arg(long)]
        name: String,
        /// Make up a strong password and print it instead of reading one.
        #[arg(long)]
        generate_password: bool,
        /// May create studies and manage every study.
        #[arg(long)]
        admin: bool,
    },
}

/// Runs one administration subcommand.
pub fn run(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            generate_password,
            admin,
        } => {
            let password = if generate_password {
                generate_password_text()
            } else {
                eprintln!("Password for {email} (one line on standard input):");
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                let password = line.trim_end_matches(['\r', '\n']).to_owned();
                if password.chars().count() < 12 {
                    bail!("the password must have at least 12 characters");
                }
                password
            };
            let app = crate::runtime::open_app(config, std::path::Path::new("delphi.secret"))?;
            let operator = delphi_app::Actor::Operator;
            delphi_app::users::create_user(&app, &operator, &email, &name, &password, admin)?;
            println!("Created user {email}.");
            if generate_password {
                println!("Password: {password}");
            }
            Ok(())
        }
    }
}

/// A password of 20 characters from the OS random source (about 119 bits).
pub fn generate_password_text() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 15];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
