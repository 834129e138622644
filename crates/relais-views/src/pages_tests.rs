use super::*;
use crate::i18n::Locale;

fn chrome(locale: Locale) -> Chrome {
    Chrome { tr: Tr::new(locale), path: "/sign-in".to_owned(), user: None }
}

#[test]
fn a_refused_sign_in_keeps_the_email_drops_the_password_and_ties_the_error_to_its_field() {
    let page = SignInPage {
        chrome: chrome(Locale::Fr),
        errors: FormErrors::field("email", "Entrez une adresse <valide>".to_owned()),
        email: "awa@\"exemple\".ca".to_owned(),
        next: "/".to_owned(),
        notice: String::new(),
    };
    let html = page.render().unwrap();
    assert!(html.contains(r#"<html lang="fr">"#));
    assert!(html.contains("<title>Connexion · Relais</title>"));
    assert!(html.contains(r#"value="awa@&#34;exemple&#34;.ca""#), "the email is kept, escaped");
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="email-error""#));
    assert!(html.contains(r#"<p class="error" id="email-error">Entrez une adresse &#60;valide&#62;</p>"#));
    let password = &html[html.find(r#"id="password""#).unwrap()..];
    assert!(password.contains(r#"type="password" value="""#), "the password is never sent back");
    assert!(!password[..200].contains("aria-invalid"), "only the email is marked");
    assert!(!html.contains("role=\"alert\""), "no message about the whole form");
}

#[test]
fn the_page_speaks_english_when_asked_and_offers_french() {
    let page = SignInPage {
        chrome: chrome(Locale::En),
        errors: FormErrors::whole(Tr::new(Locale::En).t("error-sign-in-failed")),
        email: String::new(),
        next: "/".to_owned(),
        notice: String::new(),
    };
    let html = page.render().unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains(
        r#"<div class="alert" role="alert" id="form-error">The email address or password is wrong"#
    ));
    assert!(html.contains(r#"value="fr" lang="fr" class="link">Français</button>"#));
    assert!(html.contains(r#"<input type="hidden" name="back" value="/sign-in">"#));
}

#[test]
fn a_signed_in_person_sees_their_name_their_links_and_sign_out() {
    let user = UserBar {
        name: "Awa Diallo".to_owned(),
        email: "awa@example.ca".to_owned(),
        roles: vec!["Patient".to_owned()],
        is_patient: true,
        is_admin: false,
        is_clinical: false,
    };
    let page = HomePage {
        chrome: Chrome { tr: Tr::new(Locale::Fr), path: "/".to_owned(), user: Some(user) },
        appointments: Vec::new(),
        messages: Vec::new(),
    };
    let html = page.render().unwrap();
    assert!(html.contains("<h1>Bonjour, Awa Diallo</h1>"));
    assert!(html.contains(r#"<a href="/" aria-current="page">Accueil</a>"#));
    assert!(html.contains(r#"href="/me/accesses""#));
    assert!(!html.contains(r#"href="/admin/users""#), "not an administrator");
    assert!(!html.contains(r#"href="/patients""#), "not a clinician");
    assert!(html.contains(r#"action="/sign-out""#));
}

#[test]
fn the_enrolment_qr_code_is_inline_svg_with_a_label() {
    let svg = qr_svg("otpauth://totp/Relais:a%40b.ca?secret=JBSWY3DPEHPK3PXP&issuer=Relais", "Code \"QR\"")
        .unwrap();
    assert!(svg.starts_with(r#"<svg role="img" aria-label="Code &#34;QR&#34;""#), "{}", &svg[..80]);
    assert!(!svg.contains("<?xml"));
    assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
    assert_eq!(grouped("ABCDEF"), "ABCD EF");
}
