//! The stylesheet and scripts the pages load, compiled into the binary: no front-end build
//! step, no third-party script, nothing fetched at run time.

/// A file served under `/assets/`.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static str,
}

const ASSETS: &[(&str, Asset)] = &[
    (
        "relais.css",
        Asset { content_type: "text/css; charset=utf-8", body: include_str!("../static/relais.css") },
    ),
    (
        "queues.js",
        Asset { content_type: "text/javascript; charset=utf-8", body: include_str!("../static/queues.js") },
    ),
    (
        "video.js",
        Asset { content_type: "text/javascript; charset=utf-8", body: include_str!("../static/video.js") },
    ),
    (
        "video-quality.js",
        Asset {
            content_type: "text/javascript; charset=utf-8",
            body: include_str!("../static/video-quality.js"),
        },
    ),
    (
        "video-screen.js",
        Asset {
            content_type: "text/javascript; charset=utf-8",
            body: include_str!("../static/video-screen.js"),
        },
    ),
    (
        "video-sides.js",
        Asset {
            content_type: "text/javascript; charset=utf-8",
            body: include_str!("../static/video-sides.js"),
        },
    ),
    (
        "relais.js",
        Asset { content_type: "text/javascript; charset=utf-8", body: include_str!("../static/relais.js") },
    ),
];

/// The asset named `name` (`relais.css`), if there is one.
pub fn asset(name: &str) -> Option<Asset> {
    ASSETS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}
