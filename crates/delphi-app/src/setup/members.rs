//! A study's members: the owner gives an existing login a role, changes it, or removes it.
//! The last owner can be neither demoted nor removed (a study must keep someone who may manage
//! its members).

use delphi_core::states::Role;
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
