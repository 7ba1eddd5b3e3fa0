//! Curation end to end: feeds in (every format, safely), polling with
//! leases and backoff, dedupe, OPML, and the curator's inbox.
