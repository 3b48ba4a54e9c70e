//! Builds the web app (`web/`) into `$OUT_DIR/web`, which the binary embeds
//! (see `src/web.rs`).
//!
//! Cargo re-runs this only when something under `web/` that the build reads
//! (or the SDL the app's types are generated from) has changed, so
//! `cargo test` and `cargo clippy` on an unchanged tree do not rebuild it.
//! `npm ci` runs only when the lock file is newer than `node_modules`.
//!
//! Without Node.js the binary still builds: it serves the API, and `/`
//! says what to install. `YAOLIAN_WEB=skip` skips the web build on purpose
//! (a quick `cargo check`); `YAOLIAN_WEB=require` makes a failed web build
//! fail the Rust build (CI uses it).

// A build script reads its environment and runs programs: that is its job.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web = manifest.join("../web");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("web");
    for input in [
        "src",
        "index.html",
        "public",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "codegen.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("schema.graphql").display()
    );
    println!("cargo:rerun-if-env-changed=YAOLIAN_WEB");

    // Whatever happens below, the embedded directory exists: an empty one
    // means "no web app in this build".
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("create OUT_DIR/web");

    let mode = std::env::var("YAOLIAN_WEB").unwrap_or_default();
    if mode == "skip" {
        println!("cargo:warning=web app not built (YAOLIAN_WEB=skip); / will say so");
        return;
    }
    match build(&web, &out) {
        Ok(()) => {}
        Err(why) if mode == "require" => panic!("web app build failed: {why}"),
        Err(why) => {
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).expect("create OUT_DIR/web");
            println!(
                "cargo:warning=web app not built: {why}; the API works and / says what to install"
            );
        }
    }
}

fn build(web: &Path, out: &Path) -> Result<(), String> {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !node_ok {
        return Err("Node.js 20 or newer with npm is needed (https://nodejs.org)".into());
    }
    let stamp = web.join("node_modules/.package-lock.json");
    let lock = web.join("package-lock.json");
    if newer(&lock, &stamp) {
        run(Command::new(npm)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(web))?;
    }
    run(Command::new(npm)
        .args(["run", "build", "--", "--outDir"])
        .arg(out)
        .arg("--emptyOutDir")
        .current_dir(web))?;
    if !out.join("index.html").is_file() {
        return Err("vite build wrote no index.html".into());
    }
    Ok(())
}

/// Whether `a` was modified after `b` (or `b` is missing).
fn newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(a), Some(b)) => a > b,
        _ => true,
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let output = command
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .output()
        .map_err(|e| format!("{shown} could not start: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    // Cargo shows a build script's stderr only when it fails; say enough in
    // the warning line to act on.
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    let tail: String = String::from_utf8_lossy(&output.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&output.stderr).lines())
        .filter(|l| l.contains("error") || l.contains("Error"))
        .take(3)
        .collect::<Vec<_>>()
        .join(" | ");
    Err(format!("{shown} failed: {tail}"))
}
