//! The text exports: complete, free of escape codes, well-formed.

use std::path::Path;

use super::*;
use crate::content;

fn shipped() -> Content {
    content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content")).unwrap()
}

#[test]
fn resume_carries_every_section_and_no_escape_codes() {
    let c = shipped();
    let text = resume(&c);
    for needle in [
        "Akshay Kale",
        "An Engineer & Athlete",
        "akshaykbkale@gmail.com",
        "EXPERIENCE — Where I've Worked",
        "7-Eleven (current)",
        "Amazon",
        "SKILLS — Technical Arsenal",
        "Designing Idempotent APIs (Stripe)",
        "Optimize for worst-case latency, not just average",
        "Kodai — Local-First AI Coding Agent (Open Source · 2025)",
        "CONTACT — Let's Build Something",
        "linkedin.com/in/akshaykbkale",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
    assert!(!text.contains('\x1b'));
    assert!(
        text.lines().all(|l| l.chars().count() <= WIDTH),
        "lines wrap at {WIDTH}"
    );
}

#[test]
fn json_has_the_six_top_level_keys() {
    let text = json(&shipped());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "contact",
            "experience",
            "insights",
            "profile",
            "projects",
            "skills"
        ]
    );
    // Printed in section order.
    let at = |key: &str| text.find(&format!("\n  \"{key}\": ")).unwrap();
    assert!(at("profile") < at("experience") && at("projects") < at("contact"));
    assert_eq!(value["projects"]["project"].as_array().unwrap().len(), 6);
    assert_eq!(value["contact"]["email"], "akshaykbkale@gmail.com");
}

#[test]
fn vcard_is_well_formed() {
    let card = vcard(&shipped());
    assert!(
        card.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Akshay Kale\r\nN:Kale;Akshay;;;\r\n")
    );
    assert!(card.ends_with("END:VCARD\r\n"));
    assert!(card.contains("EMAIL:akshaykbkale@gmail.com\r\n"));
    assert!(card.contains("URL:https://linkedin.com/in/akshaykbkale\r\n"));
    // Lines are folded at 75 octets; the NOTE (over 100 chars) is folded.
    for line in card.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
    let unfolded = card.replace("\r\n ", "");
    assert!(unfolded.contains(
        "NOTE:Open to senior SWE roles and interesting distributed systems challenges. Reach out directly or send a message.\r\n"
    ));
    assert!(!card.replace("\r\n", "").contains('\n'));
}

#[test]
fn vcard_escapes_and_folds_without_splitting_characters() {
    assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    let mut out = String::new();
    let line = format!("NOTE:{}", "é".repeat(60));
    fold(&mut out, &line);
    for piece in out.split("\r\n") {
        assert!(piece.len() <= 75);
    }
    assert_eq!(out.replace("\r\n ", "").trim_end(), line);
}

#[test]
fn parses_exec_commands() {
    let cases: &[(&[u8], Result<Exec, ()>)] = &[
        (b"resume", Ok(Exec::Resume)),
        (b"  RESUME \n", Ok(Exec::Resume)),
        (b"json", Ok(Exec::Json)),
        (b"vcard", Ok(Exec::Vcard)),
        (b"help", Ok(Exec::Help)),
        (b"projects", Ok(Exec::Section(Section::Projects))),
        (b"about", Ok(Exec::Section(Section::About))),
        (b"ls -la", Err(())),
        (b"", Err(())),
        (b"\xff\xfe", Err(())),
    ];
    for (raw, want) in cases {
        let got = Exec::parse(raw).map_err(|_| ());
        assert_eq!(&got, want, "{:?}", String::from_utf8_lossy(raw));
    }
    let err = Exec::parse(b"rm -rf /\x1b[2J").unwrap_err().to_string();
    assert_eq!(
        err,
        "sshfolio: unknown command \"rm -rf /[2J\"; try one of: resume, json, vcard, help, about, experience, skills, insights, projects, contact"
    );
}

#[test]
fn section_text_stands_alone() {
    let c = shipped();
    let text = section_text(&c, Section::Insights);
    assert!(text.starts_with("INSIGHTS — Engineering Insights"));
    assert!(text.contains("Real-Time Dispatch Architecture (Uber)"));
    assert!(!text.contains("Kodai"));
}
