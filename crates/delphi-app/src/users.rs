//! Researcher and analyst logins (argon2id) and who may do what in a study.

use delphi_core::lifecycle::Role;
use delphi_core::values::Email;
use delphi_store::{studies, users};

use crate::access::{self, Actor, Permission, Refusal};
use crate::{App, AppError};

/// A logged-in user as the pages need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Site administrator.
    pub is_admin: bool,
}

impl From<users::UserRow> for User {
    fn from(row: users::UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            is_admin: row.is_admin,
        }
    }
}

/// Creates a login (the operator, or a site administrator). The password needs at least 12
/// characters.
pub fn create_user(
    app: &App,
    actor: &Actor,
    email: &str,
    name: &str,
    password: &str,
    is_admin: bool,
) -> Result<User, AppError> {
    let mut conn = app.conn()?;
    if *actor != Actor::Operator {
        let creator = access::signed_in_user(&mut conn, actor)?;
        if !creator.is_admin {
            return Err(AppError::Refused(Refusal::WrongCaller));
        }
    }
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.0))?;
    if password.chars().count() < 12 {
        return Err(AppError::invalid(
            "password",
            "the password must have at least 12 characters",
        ));
    }
    if name.trim().is_empty() {
        return Err(AppError::invalid("name", "the name is empty"));
    }
    let hash = crate::password::hash(password)?;
    let row = users::UserRow {
        id: crate::new_id(),
        email: email.as_str().to_owned(),
        display_name: name.trim().to_owned(),
        password_hash: hash,
        is_admin,
        created_at: delphi_store::now(),
    };
    if users::find_by_email(&mut conn, &row.email)?.is_some() {
        return Err(AppError::Conflict(format!(
            "a user with the email {} exists already",
            row.email
        )));
    }
    users::insert(&mut conn, &row)?;
    Ok(row.into())
}

/// Checks a login; the same error for an unknown email and a wrong password.
pub fn verify_login(app: &App, email: &str, password: &str) -> Result<User, AppError> {
    let refused = || AppError::Forbidden("the email or password is not right".to_owned());
    let email = Email::parse(email).map_err(|_| refused())?;
    let mut conn = app.conn()?;
    let row = users::find_by_email(&mut conn, email.as_str())?;
    // An unknown user is checked against a dummy hash, so timing does not tell; the gate
    // caps concurrent hashing (too many at once is `AppError::Busy`).
    let ok = crate::password::verify(password, row.as_ref().map(|r| r.password_hash.as_str()))?;
    match (row, ok) {
        (Some(row), true) => Ok(row.into()),
        _ => Err(refused()),
    }
}

/// The user with this id, if the login still exists (a session names its user by id).
pub fn find(app: &App, id: &str) -> Result<Option<User>, AppError> {
    let mut conn = app.conn()?;
    Ok(users::find(&mut conn, id)?.map(User::from))
}

/// Gives the user with `email` a role in the study `slug`, or changes the role they have
/// (owners only).
pub fn add_member(
    app: &App,
    actor: &Actor,
    slug: &str,
    email: &str,
    role: Role,
) -> Result<Role, AppError> {
    let mut conn = app.conn()?;
    delphi_store::write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Own)?;
        let user = users::find_by_email(conn, email.trim())?.ok_or_else(|| {
            AppError::NotFound(format!(
                "no user with the email {email}; create it with `delphi admin create-user`"
            ))
        })?;
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
        crate::audit::record(
            conn,
            &study.id,
            &grant.label,
            "member.added",
            serde_json::json!({"user": user.email, "role": role}),
        )
    })?;
    Ok(role)
}
