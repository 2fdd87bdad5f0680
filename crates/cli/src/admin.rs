//! `switchboard admin …` and `switchboard migrate`: operator commands that open the store
//! directly, so they work with or without a running server.

use std::io::Read;

use anyhow::{Context, bail};
use clap::Subcommand;
use switchboard_domain::{EmailAddress, NewUser, Role};
use switchboard_store::PageRequest;

use crate::serve::open_store;
use crate::{Common, load_config, now};

/// Administration commands.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a user. Without --password-stdin a password is generated and printed.
    CreateUser {
        /// Login address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// admin, supervisor or agent.
        #[arg(long, value_parser = ["admin", "supervisor", "agent"])]
        role: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Department id (default: the first department).
        #[arg(long)]
        department: Option<i64>,
    },
    /// Print a new bearer API token for a user.
    CreateToken {
        /// The user's login address.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// `switchboard migrate`.
pub async fn migrate(common: Common) -> anyhow::Result<()> {
    let c = load_config(&common)?;
    let store = open_store(&c).await?;
    let (current, latest) = store.schema_version().await?;
    println!("database schema at version {current} (this build knows {latest})");
    store.close().await;
    Ok(())
}

/// Runs an admin command.
pub async fn run(common: Common, command: AdminCommand) -> anyhow::Result<()> {
    let c = load_config(&common)?;
    let store = open_store(&c).await?;
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            role,
            password_stdin,
            department,
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::parse(&role).context("--role must be admin, supervisor or agent")?;
            let (password, generated) = if password_stdin {
                let mut p = String::new();
                std::io::stdin()
                    .read_to_string(&mut p)
                    .context("cannot read the password from stdin")?;
                (p.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (
                    switchboard_store::auth::random_secret()[..20].to_string(),
                    true,
                )
            };
            let department_id = match department {
                Some(d) => switchboard_domain::DepartmentId(d),
                None => match store
                    .list_departments(&switchboard_domain::Scope::All, &PageRequest::first(1))
                    .await?
                    .items
                    .first()
                {
                    Some(d) => d.id,
                    None => bail!(
                        "no department exists yet: start the server once or pass --department"
                    ),
                },
            };
            let user = NewUser {
                department_id,
                email,
                name,
                role,
                password: Some(password.clone()),
                attributes: Default::default(),
                capacity: switchboard_domain::user::default_capacity(),
                reviewed: false,
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let u = store
                .create_user(user, now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user {} <{}> with role {}",
                u.id,
                u.email,
                u.role.as_str()
            );
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::CreateToken { email, name } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let user = store
                .user_by_email(&email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            let (_, secret) = store
                .create_token(user.id, &name, None, None, now())
                .await?;
            println!("{secret}");
        }
    }
    store.close().await;
    Ok(())
}
