//! Entry point of the linkhub widget: mounts the app into the page body.

fn main() {
    #[cfg(target_arch = "wasm32")]
    linkhub::start();
}
