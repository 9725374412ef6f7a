//! Who asks, and what they may do. Every use case that reads or changes a study takes the
//! caller as an [`Actor`] and asks [`study`] (or [`panellist`]) inside its own transaction
//! what that caller may do there, so no handler or command can reach a study without naming
//! who asks, and a refusal changes nothing.
//!
//! | caller | may |
//! | --- | --- |
//! | [`Actor::Anonymous`] | nothing |
//! | [`Actor::User`], analyst | read the study and its results; never addresses or names |
//! | [`Actor::User`], researcher | read, see contacts, run the study |
//! | [`Actor::User`], owner (or a site administrator) | everything, members included |
//! | [`Actor::Operator`] (the `delphi` command on the server) | everything |
//! | [`Actor::MailWorker`] | deliver email and queue scheduled reminders; no study use case |
//! | [`Actor::Panellist`] | their own page and answers (the `participation` and `panellist` use cases) |

use delphi_core::states::Role;
use delphi_store::{panellists, studies, users, DbConnection};

use crate::AppError;

/// The caller of a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Nobody identified (a request without a valid session).
    Anonymous,
    /// A signed-in researcher or analyst, by user id (the login is re-read inside every use
    /// case, so a deleted login can do nothing).
    User(String),
    /// Whoever runs the `delphi` command on the server: they hold the database and its key.
    Operator,
    /// The email delivery worker.
    MailWorker,
    /// A panellist, by the token of their personal link.
    Panellist(String),
}

/// Why a caller may not do something. Every refusal of authorisation is one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody is signed in, or the login no longer exists.
    NotSignedIn,
    /// The study does not exist, or the caller may not know it exists.
    NoSuchStudy {
        /// The short name asked for.
        slug: String,
    },
    /// The caller's role in the study is read-only.
    ReadOnly,
    /// Only the study's owners may do this.
    OwnersOnly,
    /// The personal link is unknown or revoked (the same answer for both).
    UnknownLink,
    /// This kind of caller never does this (e.g. a panellist calling a researcher's use case).
    WrongCaller,
}

impl Refusal {
    /// The message shown to the caller.
    pub fn message(&self) -> String {
        match self {
            Self::NotSignedIn => "please sign in first".to_owned(),
            Self::NoSuchStudy { slug } => format!("there is no study `{slug}` you can open"),
            Self::ReadOnly => "your role in this study is read-only".to_owned(),
            Self::OwnersOnly => "only the study's owners may do this".to_owned(),
            Self::UnknownLink => crate::participation::UNKNOWN_LINK.to_owned(),
            Self::WrongCaller => "this is not something you can do here".to_owned(),
        }
    }
}

/// What a caller wants to do in a study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// Read the study, its results and exports (pseudonyms only).
    Read,
    /// Read addresses and names as well.
    SeeContacts,
    /// Change the study: items, panel, rounds, email.
    Manage,
    /// Owners' business: members, the contact list.
    Own,
}

/// What the caller may do in the study, once [`study`] has let them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// How the caller is named in the audit log (`user:ID`, `operator`...).
    pub label: String,
    /// The signed-in user's id, when the caller is a user.
    pub user_id: Option<String>,
    /// The user's email, when the caller is a user (test messages go there).
    pub user_email: Option<String>,
    /// The caller's role in the study (`None` for the operator and site administrators
    /// without a role).
    pub role: Option<Role>,
    /// The highest permission the caller holds.
    pub highest: Permission,
}

impl Grant {
    /// Whether the caller may also act (not only read).
    pub fn may_manage(&self) -> bool {
        self.highest >= Permission::Manage
    }

    /// Whether the caller may see addresses and names.
    pub fn sees_contacts(&self) -> bool {
        self.highest >= Permission::SeeContacts
    }
}

fn highest_of(role: Role) -> Permission {
    match role {
        Role::Owner => Permission::Own,
        Role::Researcher => Permission::Manage,
        Role::Analyst => Permission::Read,
    }
}

/// The signed-in user behind an actor, re-read from the database.
pub(crate) fn signed_in_user(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<users::UserRow, AppError> {
    match actor {
        Actor::User(id) => users::find(conn, id)?.ok_or(AppError::Refused(Refusal::NotSignedIn)),
        Actor::Anonymous => Err(AppError::Refused(Refusal::NotSignedIn)),
        _ => Err(AppError::Refused(Refusal::WrongCaller)),
    }
}

/// Lets `actor` into the study `slug` for `permission`, inside the caller's transaction:
/// the study row and what the actor holds there. A study the actor may not read is
/// [`Refusal::NoSuchStudy`], like one that does not exist.
pub(crate) fn study(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    permission: Permission,
) -> Result<(studies::StudyRow, Grant), AppError> {
    let refuse = |why| Err(AppError::Refused(why));
    let user = match actor {
        Actor::Operator => None,
        Actor::User(_) | Actor::Anonymous => Some(signed_in_user(conn, actor)?),
        Actor::MailWorker | Actor::Panellist(_) => return refuse(Refusal::WrongCaller),
    };
    let no_such_study = || Refusal::NoSuchStudy {
        slug: slug.to_owned(),
    };
    let Some(study) = studies::find_by_slug(conn, slug)? else {
        return refuse(no_such_study());
    };
    let grant = match user {
        None => Grant {
            label: "operator".to_owned(),
            user_id: None,
            user_email: None,
            role: None,
            highest: Permission::Own,
        },
        Some(user) => {
            let role = studies::member_role(conn, &study.id, &user.id)?;
            let highest = match (role, user.is_admin) {
                (_, true) => Permission::Own,
                (Some(role), false) => highest_of(role),
                (None, false) => return refuse(no_such_study()),
            };
            Grant {
                label: format!("user:{}", user.email),
                user_id: Some(user.id),
                user_email: Some(user.email),
                role,
                highest,
            }
        }
    };
    if grant.highest < permission {
        return refuse(match permission {
            Permission::Own => Refusal::OwnersOnly,
            _ => Refusal::ReadOnly,
        });
    }
    Ok((study, grant))
}

/// Lets a panellist in by their link: the panellist row of the token, if the link is live.
/// Unknown and revoked links are the same [`Refusal::UnknownLink`]; any other actor is
/// [`Refusal::WrongCaller`].
pub(crate) fn panellist(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<panellists::PanellistRow, AppError> {
    match panellists::find_by_token_hash(conn, &panellist_link_hash(actor)?)? {
        Some(person) if person.token_revoked_at.is_none() => Ok(person),
        _ => Err(AppError::Refused(Refusal::UnknownLink)),
    }
}

/// The stored hash of a panellist actor's link: [`Refusal::WrongCaller`] for any other
/// actor, [`Refusal::UnknownLink`] for a link that cannot be one (the same as an unknown one).
pub(crate) fn panellist_link_hash(actor: &Actor) -> Result<String, AppError> {
    let Actor::Panellist(token) = actor else {
        return Err(AppError::Refused(Refusal::WrongCaller));
    };
    if !crate::tokens::looks_like_token(token) {
        return Err(AppError::Refused(Refusal::UnknownLink));
    }
    Ok(crate::tokens::hash(token))
}

/// Lets the operator or the mail worker run work that spans every study (the scheduled
/// reminders).
pub(crate) fn system(actor: &Actor) -> Result<&'static str, AppError> {
    match actor {
        Actor::Operator => Ok("operator"),
        Actor::MailWorker => Ok("mail-worker"),
        Actor::Anonymous => Err(AppError::Refused(Refusal::NotSignedIn)),
        _ => Err(AppError::Refused(Refusal::WrongCaller)),
    }
}
