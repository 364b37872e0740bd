//! End-to-end tests of the ledger commands (`status`, `review`, `mark`, `forget`) on real git repositories.

mod support;

use support::TempRepo;

#[test]
fn help_has_examples() {
    let repo = TempRepo::new();
    for cmd in ["status", "review", "mark", "forget"] {
        let out = repo.vouch(&[cmd, "--help"]).expect_code(0);
        assert!(out.stdout().contains("vouch "), "{cmd} --help lacks an example");
    }
}
