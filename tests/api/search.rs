//! Search end to end: relevance, the query language, typo tolerance and
//! stemming, what each reader may find (and never find), and an index that
//! survives crashes, deletion and a second server on the same database.

mod support;

mod access;
mod durability;
mod language;
mod relevance;
