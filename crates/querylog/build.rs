fn main() {
    // sqlx::migrate! embeds migrations/ at compile time: rebuild when a migration is added.
    println!("cargo:rerun-if-changed=../../migrations");
}
