//! The web app as the binary serves it, and its cookie sessions.

use crate::common::{PASSWORD, TestApp, error_code};
use reqwest::header;
use serde_json::{Value, json};

const ME: &str = "{ me { username } }";

/// Signs in through `/session` as the web app does; returns the response.
async fn web_sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/session", app.base))
        .header("x-yaolian-web", "1")
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

/// The `yaolian_session=…` pair of a `Set-Cookie` header.
fn cookie_pair(response: &reqwest::Response) -> (String, String) {
    let set = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    let pair = set.split(';').next().unwrap().trim().to_string();
    (pair, set)
}

async fn gql_with_cookie(
    app: &TestApp,
    cookie: &str,
    web_header: bool,
    query: &str,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .header(header::COOKIE, cookie)
        .json(&json!({ "query": query }));
    if web_header {
        request = request.header("x-yaolian-web", "1");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_web_session_lives_in_an_http_only_strict_cookie_and_never_in_the_body() {
    let app = TestApp::spawn().await;
    let response = web_sign_in(&app, "pharmacist.vc0101", PASSWORD).await;
    assert_eq!(response.status().as_u16(), 200);
    let (pair, set) = cookie_pair(&response);
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    let token = pair.trim_start_matches("yaolian_session=").to_string();
    assert!(token.len() >= 32, "{pair}");
    let body = response.text().await.unwrap();
    assert!(
        !body.contains(&token),
        "the token must not reach page scripts: {body}"
    );
    assert!(body.contains("pharmacist.vc0101"), "{body}");

    let (status, body) = gql_with_cookie(&app, &pair, true, ME).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["username"], "pharmacist.vc0101");
}

#[tokio::test]
async fn a_cookie_without_the_web_header_cannot_change_anything() {
    let app = TestApp::spawn().await;
    let response = web_sign_in(&app, "pharmacist.vc0101", PASSWORD).await;
    let (pair, _) = cookie_pair(&response);
    // A cross-site form post carries the cookie (where a browser sends it)
    // but cannot add a custom header.
    let (status, body) = gql_with_cookie(&app, &pair, false, ME).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert!(status == 200 || status == 401, "{status}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("X-Yaolian-Web"),
        "{body}"
    );
    // Signing in or out from another site is refused the same way.
    let forged = app
        .client
        .post(format!("{}/session", app.base))
        .json(&json!({ "username": "pharmacist.vc0101", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert!(forged.headers().get(header::SET_COOKIE).is_none());
    let forged = app
        .client
        .post(format!("{}/session/logout", app.base))
        .header(header::COOKIE, &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let (_, body) = gql_with_cookie(&app, &pair, true, ME).await;
    assert_eq!(
        body["data"]["me"]["username"], "pharmacist.vc0101",
        "still signed in"
    );
}

#[tokio::test]
async fn downloads_take_the_cookie_on_get() {
    let app = TestApp::spawn().await;
    let (pair, _) = cookie_pair(&web_sign_in(&app, "buyer", PASSWORD).await);
    let export = app
        .client
        .get(format!("{}/exports/catalogue.xlsx", app.base))
        .header(header::COOKIE, &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status().as_u16(), 200);
}

#[tokio::test]
async fn sign_out_revokes_the_session_on_the_server_and_clears_the_cookie() {
    let app = TestApp::spawn().await;
    let (pair, _) = cookie_pair(&web_sign_in(&app, "doctor.th01", PASSWORD).await);
    let out = app
        .client
        .post(format!("{}/session/logout", app.base))
        .header(header::COOKIE, &pair)
        .header("x-yaolian-web", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 200);
    let (cleared, set) = cookie_pair(&out);
    assert_eq!(cleared, "yaolian_session=");
    assert!(set.contains("Max-Age=0"), "{set}");
    // The old cookie, replayed, no longer works: the session is revoked,
    // not only forgotten by the browser.
    let (_, body) = gql_with_cookie(&app, &pair, true, ME).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

#[tokio::test]
async fn wrong_credentials_set_no_cookie_and_say_why_in_both_languages() {
    let app = TestApp::spawn().await;
    let response = web_sign_in(&app, "pharmacist.vc0101", "not the password").await;
    assert_eq!(response.status().as_u16(), 401);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert_eq!(
        body["errors"][0]["extensions"]["messageZh"],
        "用户名或密码错误"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["messageEn"],
        "wrong username or password"
    );
}

#[tokio::test]
async fn bearer_tokens_work_as_before_and_win_over_a_cookie() {
    let app = TestApp::spawn().await;
    let token = app.login("warehouse").await;
    let (pair, _) = cookie_pair(&web_sign_in(&app, "doctor.th01", PASSWORD).await);
    let body: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .header(header::COOKIE, &pair)
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["me"]["username"], "warehouse");
}

#[tokio::test]
async fn the_app_is_served_at_the_root_with_its_routes_and_cached_assets() {
    let app = TestApp::spawn().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.base)).send();
    let root = get("/").await.unwrap();
    assert_eq!(root.status().as_u16(), 200);
    let csp = root.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    let html = root.text().await.unwrap();
    assert!(!csp.contains("http"), "{csp}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    if !yaolian_graphql::web::embedded() {
        // Built without Node.js: the page says what to install.
        assert!(html.contains("Node.js"), "{html}");
        return;
    }
    assert!(html.contains("<div id=\"app\">"), "{html}");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{csp}"
    );
    // A client-side route survives a reload.
    let deep = get("/stock/some/where").await.unwrap();
    assert_eq!(deep.status().as_u16(), 200);
    assert_eq!(deep.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(deep.text().await.unwrap(), html);
    // Every script the page names is served, immutable, from this host.
    let scripts: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(!scripts.is_empty(), "{html}");
    for src in scripts {
        assert!(src.starts_with("/assets/"), "{src}");
        let asset = get(src).await.unwrap();
        assert_eq!(asset.status().as_u16(), 200, "{src}");
        assert!(
            asset.headers()[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert!(
            asset.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
    }
    // A missing asset is a 404, not the page (which a browser would try
    // to run as a script).
    assert_eq!(
        get("/assets/missing-0000.js")
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    // The API routes are not swallowed by the app.
    assert_eq!(get("/healthz").await.unwrap().text().await.unwrap(), "ok");
}
