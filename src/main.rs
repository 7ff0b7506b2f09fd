//! Entry point of the linkhub widget: mounts the app into the page body.

fn main() {
    // The development widget (`cargo xtask dev`) prints a panic's message and location to
    // the browser console; the release widget traps without formatting anything.
    #[cfg(all(target_arch = "wasm32", feature = "dev"))]
    console_error_panic_hook::set_once();
    #[cfg(target_arch = "wasm32")]
    linkhub::start();
}
