//! The `yaolian` command as an operator meets it.

use std::process::Command;

fn yaolian() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yaolian"));
    cmd.env_remove("DATABASE_URL").env_remove("YAOLIAN_LISTEN");
    cmd
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "demo", "--help"],
        vec!["schema", "--help"],
    ] {
        let out = yaolian().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn schema_prints_the_sdl() {
    let out = yaolian().arg("schema").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        yaolian_graphql::schema::sdl()
    );
}

#[test]
fn bad_urls_busy_ports_and_unwritable_files_fail_clearly() {
    let out = yaolian()
        .args(["migrate", "--database-url", "mysql://x@y/z"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL"), "{err}");

    let out = yaolian()
        .args([
            "migrate",
            "--database-url",
            "sqlite:///proc/no/such/dir/y.db",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot open the database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = yaolian()
        .args([
            "serve",
            "--listen",
            &addr,
            "--database-url",
            "sqlite://unused.db",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on"), "{err}");
    assert!(
        !std::path::Path::new("unused.db").exists(),
        "nothing was created"
    );

    let out = yaolian()
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn seeding_the_demo_twice_adds_nothing() {
    let dir = std::env::temp_dir().join(format!("yaolian-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let first = yaolian()
        .args(["seed", "demo", "--database-url", &url])
        .output()
        .unwrap();
    assert!(first.status.success());
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(
        err.contains("demo county loaded: 11 institutions, 16 users, 54 items"),
        "{err}"
    );
    assert!(err.contains("pharmacist.vc0101"));
    let second = yaolian()
        .args(["seed", "demo", "--database-url", &url])
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("nothing added"));
    let _ = std::fs::remove_dir_all(&dir);
}
