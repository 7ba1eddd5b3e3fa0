#!/usr/bin/env python3
"""Python's feedparser on the ingest benchmark's corpus: the baseline that
benches/ingest.rs compares itself with (not a test).

    python3 benches/feedparser_bench.py /tmp/commonroom-ingest-corpus [--passes N]

Reads manifest.tsv (file, URL, content type) written by the Rust benchmark,
loads every file into memory first, then times feedparser.parse on each with
the feed's URL and content type as response headers, so relative links are
resolved and HTML is sanitised as they are in a real fetch (feedparser's
defaults: sanitize_html and resolve_relative_uris on). feedparser 6.0 reads
RSS and Atom but not JSON Feed, so JSON files are skipped and said to be.

Prints a human summary and a last line `RESULT {json}` for the Rust side.
MB = 1,000,000 bytes; the figure is the median pass.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time

import feedparser

JSON_TYPES = {"application/feed+json", "application/json"}


def load(corpus):
    docs, skipped = [], []
    with open(os.path.join(corpus, "manifest.tsv"), encoding="utf-8") as manifest:
        for line in manifest:
            if line.startswith("#") or not line.strip():
                continue
            name, url, content_type = line.rstrip("\n").split("\t")
            if content_type in JSON_TYPES:
                skipped.append(name)
                continue
            with open(os.path.join(corpus, name), "rb") as f:
                docs.append((name, f.read(), {"content-location": url, "content-type": content_type}))
    return docs, skipped


def one_pass(docs):
    items = 0
    bozo = []
    start = time.perf_counter()
    for name, body, headers in docs:
        # A stream, so feedparser does not first try the bytes as a file name.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
        items += len(parsed.entries)
        if parsed.bozo:
            bozo.append(name)
    return time.perf_counter() - start, items, bozo


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--passes", type=int, default=1)
    args = ap.parse_args()

    docs, skipped = load(args.corpus)
    size = sum(len(body) for _, body, _ in docs)
    cpu_start = time.process_time()
    runs = [one_pass(docs) for _ in range(max(1, args.passes))]
    cpu = time.process_time() - cpu_start
    seconds = statistics.median(r[0] for r in runs)
    items = runs[0][1]
    bozo = runs[0][2]

    print(f"feedparser {feedparser.__version__} on Python {sys.version.split()[0]}: "
          f"{len(docs)} RSS/Atom files, {size / 1e6:.2f} MB, {items} items "
          f"({len(skipped)} JSON Feed files skipped)")
    print(f"{size / 1e6 / seconds:.2f} MB/s, {items / seconds:.0f} items/s "
          f"({seconds:.2f} s wall per pass, {cpu / len(runs):.2f} s CPU per pass)")
    if bozo:
        print(f"feedparser flagged {len(bozo)} files as malformed (bozo), e.g. {bozo[0]}")
    print("RESULT " + json.dumps({
        "feedparser": feedparser.__version__,
        "files": len(docs),
        "bytes": size,
        "items": items,
        "seconds": seconds,
        "cpu_seconds": cpu / len(runs),
        "mb_per_s": size / 1e6 / seconds,
        "items_per_s": items / seconds,
        "skipped": skipped,
    }))


if __name__ == "__main__":
    main()
