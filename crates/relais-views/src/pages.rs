//! What each page is filled with. Every page carries a [`Chrome`] (language, where it is, who is
//! signed in) for the layout in `templates/base.html`; forms carry [`FormErrors`], shown next to
//! the field they concern and announced to screen readers.

use askama::Template;

use crate::i18n::Tr;

/// The parts of the layout every page shares.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub tr: Tr,
    /// The path of this page (`/admin/users`): the current navigation link, and where the
    /// language switch comes back to.
    pub path: String,
    /// Who is signed in, if anyone.
    pub user: Option<UserBar>,
}

/// The signed-in person, as the header shows them.
#[derive(Debug, Clone)]
pub struct UserBar {
    pub name: String,
    pub email: String,
    /// Their roles, translated.
    pub roles: Vec<String>,
    pub is_patient: bool,
    pub is_admin: bool,
    /// Holds a clinical role: works from queues.
    pub is_clinical: bool,
}

/// What was wrong with a submitted form: a message for the whole form and messages for fields,
/// already translated.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    whole: Option<String>,
    fields: Vec<(String, String)>,
}

impl FormErrors {
    /// No error.
    pub fn none() -> Self {
        Self::default()
    }

    /// `message` about the form as a whole.
    pub fn whole(message: String) -> Self {
        Self { whole: Some(message), fields: Vec::new() }
    }

    /// `message` next to the field `name`.
    pub fn field(name: &str, message: String) -> Self {
        Self { whole: None, fields: vec![(name.to_owned(), message)] }
    }

    /// Sets the message about the whole form, keeping the fields' messages.
    pub fn with_whole(mut self, message: String) -> Self {
        self.whole = Some(message);
        self
    }

    /// Adds `message` next to the field `name`.
    pub fn and_field(mut self, name: &str, message: String) -> Self {
        self.fields.push((name.to_owned(), message));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.whole.is_none() && self.fields.is_empty()
    }

    /// Whether the field `name` has an error.
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(field, _)| field == name)
    }

    /// The error of the field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(field, _)| field == name).map(|(_, message)| message.as_str())
    }

    /// The error about the whole form.
    pub fn general(&self) -> Option<&str> {
        self.whole.as_deref()
    }
}

/// `/sign-in`: email and password. What was typed in the email field is kept on an error; the
/// password never is.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub email: String,
    /// Where to go once signed in (a local path).
    pub next: String,
    /// A message above the form (signed out, password changed), already translated.
    pub notice: String,
}

/// `/sign-in/code`: the TOTP code after the password.
#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub next: String,
}

/// `/sign-in/enrol`: setting up the authenticator app (a staff member's first sign-in).
#[derive(Template)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub next: String,
    /// The otpauth URI as an inline SVG QR code ([`qr_svg`]); empty if it could not be drawn.
    pub qr_svg: String,
    /// The secret in base32, in groups of four for typing.
    pub secret_grouped: String,
}

/// `/password-reset`: asking for a reset link.
#[derive(Template)]
#[template(path = "reset_request.html")]
pub struct ResetRequestPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub email: String,
    /// The request was taken: say to check the mailbox (whether or not the email has an
    /// account).
    pub sent: bool,
    /// How long the emailed link works, in minutes.
    pub valid_minutes: String,
}

/// `/password-reset?token=…`: choosing the new password.
#[derive(Template)]
#[template(path = "reset_complete.html")]
pub struct ResetCompletePage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub token: String,
    /// The shortest password accepted.
    pub min_chars: String,
}

/// `/my/welcome?token=…`: a patient choosing the password of their new account, from the link
/// in their enrolment email.
#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub token: String,
    /// The shortest password accepted.
    pub min_chars: String,
}

/// `/`: the signed-in person's home (a clinician's is [`crate::queues::QueuesPage`]). A
/// patient's shows their upcoming appointments and their messages.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub appointments: Vec<AppointmentRow>,
    pub messages: Vec<MessageRow>,
}

/// An upcoming appointment, ready to show.
#[derive(Debug, Clone)]
pub struct AppointmentRow {
    /// Local date and time (`2026-12-01 10:30`), and RFC 3339 for `<time datetime>`.
    pub when: String,
    pub when_iso: String,
    pub what: String,
    /// The professionals, joined.
    pub with: String,
    /// The status, translated; `cancelled` is also a class.
    pub status: String,
    pub cancelled: bool,
}

/// A message, ready to show.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub when: String,
    pub when_iso: String,
    pub from: String,
    pub text: String,
}

/// One access to a patient's record, ready to show.
#[derive(Debug, Clone)]
pub struct AccessRow {
    /// Local date and time, for reading.
    pub when: String,
    /// RFC 3339, for `<time datetime>`.
    pub when_iso: String,
    pub who: String,
    pub what: String,
    pub outcome: String,
    pub break_glass: bool,
}

/// `/me/accesses`: who accessed my record.
#[derive(Template)]
#[template(path = "my_accesses.html")]
pub struct MyAccessesPage {
    pub chrome: Chrome,
    pub rows: Vec<AccessRow>,
    /// The link to older entries, if there are more.
    pub next: Option<String>,
}

/// An error page (not found, forbidden, server error), translated.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
}

/// `text` as an SVG QR code to put inline in a page (without the XML declaration, with a role
/// and label for assistive technology), or `None` if it does not fit in a QR code.
pub fn qr_svg(text: &str, label: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg =
        code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    let start = svg.find("<svg")?;
    let label = askama::filters::escape(label, askama::filters::Html).ok()?.to_string();
    Some(svg[start..].replacen("<svg", &format!("<svg role=\"img\" aria-label=\"{label}\""), 1))
}

/// A base32 secret in groups of four characters, for typing it into an app by hand.
pub fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "pages_tests.rs"]
mod tests;
