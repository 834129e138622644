//! A browser as the page tests need one: it keeps the cookies the server sets, sends what a
//! browser sends (`Accept: text/html`, `Sec-Fetch-Site: same-origin`, a language), and follows
//! no redirect by itself so tests see each step.

use relais_access::totp::{self, TotpSecret};
use reqwest::StatusCode;

use crate::support::{Harness, PASSWORD};

/// A browser: keeps the cookies the server sets, follows no redirect by itself.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
    pub language: Option<&'static str>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The text of the element with `id` (up to its closing tag).
    pub fn by_id(&self, id: &str) -> String {
        let start =
            self.body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}: {}", self.body));
        let rest = &self.body[start..];
        let open = rest.find('>').unwrap() + 1;
        rest[open..open + rest[open..].find('<').unwrap()].to_owned()
    }
}

impl Browser {
    pub fn new(h: &Harness) -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { base: h.server().url.clone(), client, cookies: Vec::new(), language: None }
    }

    /// The `Cookie` header this browser would send (for a WebSocket opened by hand).
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn has_session(&self) -> bool {
        self.cookies.iter().any(|(name, value)| name == "relais-session" && !value.is_empty())
    }

    /// Sends `request` as this browser: its cookies and headers; keeps the cookies set.
    async fn respond(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let mut request = request.header("accept", "text/html").header("sec-fetch-site", "same-origin");
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
            request = request.header("cookie", jar.join("; "));
        }
        if let Some(language) = self.language {
            request = request.header("accept-language", language);
        }
        let response = request.send().await.unwrap();
        for line in response.headers().get_all("set-cookie") {
            let pair = line.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !line.to_str().unwrap().contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        response
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = self.respond(request).await;
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers.get("location").map(|v| v.to_str().unwrap().to_owned());
        Page { status, location, body: response.text().await.unwrap(), headers }
    }

    /// A GET whose body is left to the caller to read as it arrives (an event stream).
    pub async fn stream(&mut self, path: &str) -> reqwest::Response {
        let request = self.client.get(format!("{}{path}", self.base));
        let response = self.respond(request).await;
        assert_eq!(response.status(), StatusCode::OK);
        response
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }
}

/// A staff member signed in through the pages: password, then the second factor set up from
/// the enrolment page (as on a first sign-in). Answers the browser and the app's key.
pub async fn signed_in_staff(h: &Harness, email: &str) -> (Browser, TotpSecret) {
    signed_in_staff_with(h, email, PASSWORD).await
}

/// [`signed_in_staff`] with another password than the test accounts'.
pub async fn signed_in_staff_with(h: &Harness, email: &str, password: &str) -> (Browser, TotpSecret) {
    let mut browser = Browser::new(h);
    let secret = browser.sign_in_staff_with(email, password).await;
    (browser, secret)
}

impl Browser {
    /// Signs `email` in with the test password; a staff member without a second factor sets
    /// it up from the enrolment page first. Returns their authenticator's key, for the next
    /// sign-in.
    pub async fn sign_in_staff(&mut self, email: &str) -> TotpSecret {
        self.sign_in_staff_with(email, PASSWORD).await
    }

    async fn sign_in_staff_with(&mut self, email: &str, password: &str) -> TotpSecret {
        let step = self.post("/sign-in", &[("email", email), ("password", password)]).await;
        assert_eq!(step.location.as_deref(), Some("/sign-in/enrol"), "first sign-in of staff: {}", step.body);
        let setup = self.get("/sign-in/enrol").await;
        let secret = TotpSecret::from_base32(&setup.by_id("totp-secret").replace(' ', "")).unwrap();
        let code = totp::code_at(&secret, now()).unwrap();
        let done = self.post("/sign-in/enrol", &[("code", &code)]).await;
        assert_eq!((done.status, done.location.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
        secret
    }
}

pub fn now() -> jiff::Timestamp {
    use relais_core::Clock;
    relais_core::SystemClock.now()
}
