//! A study's members: the owner adds someone by address (a new login, which chooses its
//! password from a one-time link, or an existing one, told by email), changes a role, or
//! removes a member. The last owner can be neither demoted nor removed (a study must keep
//! someone who may manage its members).

use delphi_core::states::{AccountLinkPurpose, MailKind, Role};
use delphi_core::text::{self, TextKind};
use delphi_core::values::Email;
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{drafts, read_tx, studies, users, write_tx, DbConnection};
use serde::Serialize;

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// One member as the members page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberLine {
    /// Login.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// A study's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MembersView {
    /// Short name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Members, oldest first.
    pub members: Vec<MemberLine>,
}

fn lines(conn: &mut DbConnection, study_id: &str) -> Result<Vec<MemberLine>, AppError> {
    let mut out = Vec::new();
    for member in drafts::members(conn, study_id)? {
        if let Some(user) = users::find(conn, &member.user_id)? {
            out.push(MemberLine {
                email: user.email,
                name: user.display_name,
                role: member.role,
            });
        }
    }
    Ok(out)
}

/// The members page (owners only).
pub fn list(app: &App, actor: &Actor, slug: &str) -> Result<MembersView, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Own)?;
        Ok(MembersView {
            members: lines(conn, &study.id)?,
            slug: study.slug,
            title: study.title,
        })
    })
}

/// Refuses when `email` is the study's only owner.
fn keep_an_owner(members: &[MemberLine], email: &str) -> Result<(), AppError> {
    let owners: Vec<&MemberLine> = members.iter().filter(|m| m.role == Role::Owner).collect();
    if owners.len() == 1 && owners[0].email.eq_ignore_ascii_case(email) {
        return Err(AppError::Conflict(format!(
            "{email} is the study's last owner: make someone else an owner first"
        )));
    }
    Ok(())
}

/// Gives the login `email` the role `role` in the study (added when not a member yet).
pub fn set_role(
    app: &App,
    actor: &Actor,
    slug: &str,
    email: &str,
    role: Role,
) -> Result<(), AppError> {
    let email = email.trim();
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Own)?;
        let user = users::find_by_email(conn, email)?.ok_or_else(|| {
            AppError::invalid(
                "email",
                format!("no login with the email {email}: they need an account on this site first"),
            )
        })?;
        if role != Role::Owner {
            keep_an_owner(&lines(conn, &study.id)?, &user.email)?;
        }
        studies::remove_member(conn, &study.id, &user.id)?;
        studies::add_member(
            conn,
            &studies::MemberRow {
                study_id: study.id.clone(),
                user_id: user.id.clone(),
                role,
                created_at: delphi_store::now(),
            },
        )?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "member.role_set",
            serde_json::json!({"user": user.email, "role": role}),
        )
    })
}

/// Removes the login `email` from the study's members.
pub fn remove(app: &App, actor: &Actor, slug: &str, email: &str) -> Result<(), AppError> {
    let email = email.trim();
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Own)?;
        let user = users::find_by_email(conn, email)?
            .filter(|u| {
                studies::member_role(conn, &study.id, &u.id)
                    .ok()
                    .flatten()
                    .is_some()
            })
            .ok_or_else(|| AppError::NotFound(format!("{email} is not a member of this study")))?;
        keep_an_owner(&lines(conn, &study.id)?, &user.email)?;
        studies::remove_member(conn, &study.id, &user.id)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "member.removed",
            serde_json::json!({"user": user.email}),
        )
    })
}

/// The add-a-member form.
#[derive(Debug, Clone, Copy)]
pub struct NewMember<'a> {
    /// Their address (their login, existing or new).
    pub email: &'a str,
    /// Their name, for a new login (the part before the @ when left empty).
    pub name: &'a str,
    /// Their role in the study.
    pub role: Role,
}

/// What adding someone did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Added {
    /// A new login, emailed a one-time link to choose its password.
    NewLogin,
    /// An existing login that has never chosen a password, emailed a fresh link.
    LinkSentAgain,
    /// An existing login, emailed that it may now open the study.
    ExistingLogin,
    /// Already a member: only the role changed (no email).
    RoleChanged,
}

/// Adds the person of `member.email` to the study with `member.role` (owners only), in one
/// transaction: the login is created when there is none (without a usable password), the
/// membership and the audit entry are written, and the email is queued: an
/// `account_invitation` with a one-time link (valid [`crate::accounts::SET_PASSWORD_DAYS`]
/// days) to a login without a password, a `member_added` to one that has a password.
pub fn add(
    app: &App,
    actor: &Actor,
    slug: &str,
    member: &NewMember<'_>,
) -> Result<Added, AppError> {
    let email = Email::parse(member.email).map_err(|e| AppError::invalid("email", e.0))?;
    let name =
        text::clean(TextKind::Name, member.name).map_err(|e| AppError::invalid("name", e.0))?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Own)?;
        let now = delphi_store::now();
        let existing = users::find_by_email(conn, email.as_str())?;
        let (user, added) = match existing {
            Some(user) => {
                let member_now = studies::member_role(conn, &study.id, &user.id)?.is_some();
                let added = if member_now {
                    if member.role != Role::Owner {
                        keep_an_owner(&lines(conn, &study.id)?, &user.email)?;
                    }
                    Added::RoleChanged
                } else if user.password_hash == crate::password::UNUSABLE {
                    Added::LinkSentAgain
                } else {
                    Added::ExistingLogin
                };
                (user, added)
            }
            None => {
                let fallback = email.as_str().split('@').next().unwrap_or_default();
                let row = users::UserRow {
                    id: crate::new_id(),
                    email: email.as_str().to_owned(),
                    display_name: if name.is_empty() {
                        fallback.to_owned()
                    } else {
                        name
                    },
                    password_hash: crate::password::UNUSABLE.to_owned(),
                    is_admin: false,
                    created_at: now,
                };
                users::insert(conn, &row)?;
                (row, Added::NewLogin)
            }
        };
        studies::remove_member(conn, &study.id, &user.id)?;
        studies::add_member(
            conn,
            &studies::MemberRow {
                study_id: study.id.clone(),
                user_id: user.id.clone(),
                role: member.role,
                created_at: now,
            },
        )?;
        let added_by = match &grant.user_id {
            Some(id) => users::find(conn, id)?.map(|u| u.display_name),
            None => None,
        };
        let mut context = serde_json::json!({
            "study_title": study.title,
            "name": user.display_name,
            "role": member.role,
            "added_by": added_by,
        });
        let kind = match added {
            Added::RoleChanged => None,
            Added::ExistingLogin => Some(MailKind::MemberAdded),
            Added::NewLogin | Added::LinkSentAgain => {
                let purpose = AccountLinkPurpose::SetPassword;
                let link = crate::accounts::issue_in(conn, &app.secret, &user.id, purpose, now)?;
                context["account_link"] = serde_json::json!(link.id);
                Some(MailKind::AccountInvitation)
            }
        };
        if let Some(kind) = kind {
            outbox::enqueue(
                conn,
                &NewOutboxMessage {
                    study_id: Some(study.id.clone()),
                    round_id: None,
                    panellist_id: None,
                    kind,
                    recipient: user.email.clone(),
                    context,
                    dedupe_key: None,
                },
                now,
            )?;
        }
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "member.added",
            serde_json::json!({"user": user.email, "role": member.role, "outcome": added}),
        )?;
        Ok(added)
    })
}
