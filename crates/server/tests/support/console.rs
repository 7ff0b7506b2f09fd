//! An operator signed in to the console, and the bits of its pages tests read.

use super::{API_KEY, TestApp};

/// The value a response's `Set-Cookie` gives to `name`, with the cookie's attributes.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, value) = pair.split_once('=')?;
            (k.trim() == name).then(|| (value.trim().to_string(), attrs.trim().to_string()))
        })
}

/// The value of the hidden `csrf` field of a console page.
pub fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("csrf value")
        .to_string()
}

/// An operator signed in to the console.
pub struct Console<'a> {
    pub server: &'a TestApp,
    /// `Cookie` header value.
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// Signs in to the console with the project API key.
    pub async fn console(&self) -> Console<'_> {
        let r = self
            .http
            .get(self.url("/console"))
            .send()
            .await
            .expect("GET /console");
        assert_eq!(r.status(), 200);
        let (pre, _) = set_cookie(&r, "lh_console_sign_in").expect("sign-in cookie");
        let form_token = csrf_field(&r.text().await.expect("html"));
        let r = self
            .http
            .post(self.url("/console"))
            .header("cookie", format!("lh_console_sign_in={pre}"))
            .form(&[("csrf", form_token.as_str()), ("api_key", API_KEY)])
            .send()
            .await
            .expect("POST /console");
        assert_eq!(r.status(), 303, "signed in");
        let (session, _) = set_cookie(&r, "lh_console").expect("session cookie");
        let cookie = format!("lh_console={session}");
        let r = self
            .http
            .get(self.url("/console/link"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("GET /console/link");
        assert_eq!(r.status(), 200);
        let csrf = csrf_field(&r.text().await.expect("html"));
        Console {
            server: self,
            cookie,
            csrf,
        }
    }
}

impl Console<'_> {
    /// GET a console page: status and HTML.
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let r = self
            .server
            .http
            .get(self.server.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.text().await.expect("html"))
    }

    /// POST a console form as given (add `csrf` yourself): status and HTML.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .server
            .http
            .post(self.server.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.text().await.expect("html"))
    }
}
