//! F-OPS-5 through the binary: `config check`, `serve` and the other commands read one
//! configuration the same way and refuse the same errors.

use super::*;
use ninsho_testkit::process::ServerProcess;
use std::process::Output;

/// `ninsho ARGS` with only the variables given (none of the test run's own).
async fn ninsho(dir: &TempDir, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"));
    cmd.args(args).current_dir(&dir.path).env_clear().kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output()).await.expect("the command ends by itself").unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn f_ops_5_config_check_prints_the_effective_settings_secrets_masked() {
    let dir = TempDir::new().unwrap();
    let file = dir.path.join("ninsho.toml");
    std::fs::write(&file, "issuer = \"Shop Tokyo\"\n[smtp]\nurl = \"smtp://mailer:hunter2-smtp@127.0.0.1:2525\"\n[codes]\nttl_secs = 300\n").unwrap();
    let key = dir.path.join("master-key");
    std::fs::write(&key, format!("{TEST_MASTER_KEY}\n")).unwrap();
    let file_arg = file.to_str().unwrap();
    let out = ninsho(&dir, &["config", "check", "--config", file_arg], &[("NINSHO_MASTER_KEY_FILE", key.to_str().unwrap()), ("NINSHO_CODE_TTL_SECS", "240")]).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.contains("hunter2-smtp") && !stdout.contains(&TEST_MASTER_KEY[..16]), "{stdout}");
    let line = |key: &str| stdout.lines().find(|l| l.starts_with(&format!("{key} = "))).unwrap_or_else(|| panic!("no {key} in {stdout}")).to_string();
    assert!(line("issuer").ends_with(&format!("# file {file_arg}")), "{stdout}");
    assert!(line("codes.ttl_secs").starts_with("codes.ttl_secs = 240") && line("codes.ttl_secs").ends_with("# NINSHO_CODE_TTL_SECS"), "{stdout}");
    assert!(line("master_key").contains("********") && line("master_key").contains("NINSHO_MASTER_KEY_FILE"), "{stdout}");
    assert!(line("smtp.url").contains("smtp://mailer:********@127.0.0.1:2525"), "{stdout}");
    assert!(line("listen").ends_with("# default"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("# the configuration is valid"));
}

#[tokio::test]
async fn f_ops_5_serve_refuses_to_start_on_the_errors_config_check_reports() {
    let dir = TempDir::new().unwrap();
    let file = dir.path.join("ninsho.toml");
    std::fs::write(&file, "lisen = \"127.0.0.1:0\"\n[codes]\nttl_secs = \"soon\"\n").unwrap();
    let f = file.to_str().unwrap();
    let env = [("NINSHO_MASTER_KEY_FILE", "/nonexistent/master-key")];
    let check = ninsho(&dir, &["config", "check", "--config", f], &env).await;
    let serve = ninsho(&dir, &["serve", "--config", f, "--listen", "127.0.0.1:0"], &env).await;
    for out in [&check, &serve] {
        assert!(!out.status.success());
        let stderr = text(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{stderr}");
        assert_eq!(lines[0], format!("ninsho: lisen: unknown setting (did you mean listen?) (from file {f})"));
        assert_eq!(lines[1], "ninsho: NINSHO_MASTER_KEY_FILE: cannot read /nonexistent/master-key: No such file or directory (os error 2)");
    }
    assert_eq!(text(&check.stderr), text(&serve.stderr));
    // Once the keys are right, a bad value is found the same way.
    std::fs::write(&file, "[codes]\nttl_secs = \"soon\"\n").unwrap();
    for args in [&["config", "check", "--config", f][..], &["serve", "--config", f, "--listen", "127.0.0.1:0"][..]] {
        let out = ninsho(&dir, args, &[]).await;
        assert!(!out.status.success());
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("ninsho: codes.ttl_secs: invalid type: found string \"soon\"") && stderr.trim_end().ends_with(&format!("(from file {f})")), "{stderr}");
    }
}

#[tokio::test]
async fn f_ops_5_migrate_serve_and_admin_read_the_same_file() {
    for backend in backends().await {
        let dir = TempDir::new().unwrap();
        let db = fresh_db(backend).await.unwrap();
        let data = dir.path.join("state");
        let file = dir.path.join("ninsho.toml");
        std::fs::write(&file, format!("data_dir = {:?}\ndatabase_url = {:?}\nissuer = \"Shop Osaka\"\n[log]\nformat = \"json\"\n", data.display().to_string(), db.url)).unwrap();
        let f = file.to_str().unwrap();
        let key = dir.path.join("master-key");
        std::fs::write(&key, TEST_MASTER_KEY).unwrap();
        let env = [("NINSHO_MASTER_KEY_FILE", key.to_str().unwrap())];

        let migrate = ninsho(&dir, &["migrate", "--config", f], &env).await;
        assert!(migrate.status.success(), "{backend:?}: {}", text(&migrate.stderr));
        if backend == Backend::Sqlite {
            assert!(std::path::Path::new(db.url.trim_start_matches("sqlite://")).exists());
        }
        // The server on that file: an account made through it is found by the admin
        // command (an unknown account would be an error).
        let server = ServerProcess::spawn(env!("CARGO_BIN_EXE_ninsho"), &dir.path, &["--config", f], &env).unwrap();
        let http = client();
        let email = format!("cfg-{}@example.com", uuid::Uuid::new_v4().simple());
        let r = call(&http, &server.url, "POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": PASSWORD, "locale": "en"}))).await;
        assert_eq!(r.status, 202, "{backend:?}: {:?}", r.body);
        let released = ninsho(&dir, &["admin", "limits", "release", "--account", &email, "--config", f], &env).await;
        assert!(released.status.success(), "{backend:?}: {}", text(&released.stderr));
        assert!(text(&released.stdout).starts_with("released "), "{}", text(&released.stdout));
        // A service client made by the admin command works against that server, and
        // its call is logged with the client's id, never its secret.
        let added = ninsho(&dir, &["admin", "clients", "add", "probe", "--scope", "sessions:read", "--config", f], &env).await;
        assert!(added.status.success(), "{backend:?}: {}", text(&added.stderr));
        let out = text(&added.stdout);
        let field = |name: &str| out.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).unwrap().to_string();
        let (id, secret) = (field("client_id"), field("client_secret"));
        let r = http.post(format!("{}/api/v1/service/sessions/introspect", server.url)).bearer_auth(&secret).json(&json!({"token": "unknown"})).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{backend:?}");
        let mut logged = false;
        for _ in 0..50 {
            logged = server.log().lines().any(|l| l.contains("service call") && l.contains(&id));
            if logged {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(logged, "{backend:?}: no service call line with {id}:\n{}", server.log());
        assert!(!server.log().contains(&secret), "{backend:?}: the secret was logged");
        // The master key came from the file named by the variable: none was generated.
        assert!(!data.join("master.key").exists(), "{backend:?}");
        drop(server);
    }
}
