#!/usr/bin/env python3
"""A week of an organisation's content for the digest benchmark (not a test).

Adds, to a database the app has created and migrated (`commonroom demo`
loads the demo organisation into it first), READERS staff accounts and one
busy ISO week: channels open and private (with members), who follows what,
posts with replies, reactions and mentions, some hidden or deleted, the
curators' picks, an editor's note, new channels, and some readers who chose
their own channels or switched the digest off. Everything goes in through
the app's own tables, timestamps written as the app writes them.

    benches/digest_data.py DB --week 2026-W49 [--readers 10000] [--seed 7]
"""

import argparse
import datetime as dt
import random
import sqlite3

WORDS = (
    "budget council housing planning transport library school waste recycling "
    "consultation policy ward report meeting committee roads parking grant "
    "community health care social services climate energy heating flood "
    "tenants repairs licensing events parks leisure digital data cyber "
    "procurement contract audit risk staff training wellbeing payroll pension "
    "election register census survey draft final review update guidance"
).split()


def stamp(t):
    """A time as the app stores it (sqlx writes RFC 3339 with an offset)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def sentence(rng, lo, hi):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize()


def paragraph(rng):
    return " ".join(sentence(rng, 6, 16) + "." for _ in range(rng.randint(2, 5)))


def week_start(week):
    year, w = week.split("-W")
    return dt.datetime.fromisocalendar(int(year), int(w), 1).replace(tzinfo=dt.timezone.utc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--week", required=True)
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    start = week_start(args.week)
    before = start - dt.timedelta(days=60)
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA foreign_keys = ON")
    cur = db.cursor()

    def at_in_week():
        return start + dt.timedelta(seconds=rng.randrange(7 * 86400 - 3600))

    # Staff: READERS active accounts, ordinary members.
    created = stamp(before)
    first = (cur.execute("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0]) + 1
    cur.executemany(
        "INSERT INTO users (id, email, handle, name, job_title, department, password_hash, status, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, '', '', NULL, 'active', ?, ?)",
        [
            (first + i, f"reader{i}@staff.example.org", f"reader{i}", f"Reader {i}", created, created)
            for i in range(args.readers)
        ],
    )
    cur.executemany(
        "INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, 'member', ?)",
        [(first + i, created) for i in range(args.readers)],
    )
    readers = list(range(first, first + args.readers))

    # Channels: the demo's, and 40 more (a quarter private, with members);
    # three of them new this week.
    owner = readers[0]
    for n in range(40):
        private = n % 4 == 3
        made = at_in_week() if n < 3 else before
        cur.execute(
            "INSERT INTO channels (slug, name, description, visibility, archived_at, created_by, created_at, digest_open) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            (
                f"team-{n}",
                f"Team {n} {rng.choice(WORDS)}",
                sentence(rng, 6, 12),
                "private" if private else "open",
                owner,
                stamp(made),
                not private and n % 5 == 0,
            ),
        )
    channels = [
        (cid, vis)
        for cid, vis in cur.execute("SELECT id, visibility FROM channels WHERE archived_at IS NULL")
    ]
    open_channels = [c for c, v in channels if v == "open"]
    private_channels = [c for c, v in channels if v != "open"]
    members = {c: set(rng.sample(readers, min(len(readers), 400))) for c in private_channels}
    cur.executemany(
        "INSERT INTO channel_members (channel_id, user_id, added_by, added_at) VALUES (?, ?, NULL, ?)",
        [(c, u, created) for c, us in members.items() for u in us],
    )
    readable = {u: list(open_channels) for u in readers}
    for c, us in members.items():
        for u in us:
            readable[u].append(c)
    follows = []
    for u in readers:
        for c in rng.sample(readable[u], min(len(readable[u]), rng.randint(4, 12))):
            follows.append((u, c, created))
    cur.executemany(
        "INSERT OR IGNORE INTO channel_follows (user_id, channel_id, created_at) VALUES (?, ?, ?)", follows
    )

    # Preferences: most keep the default (weekly, followed channels); some
    # pick channels, a few switched the digest off.
    for u in readers:
        r = rng.random()
        if r < 0.10:
            cur.execute(
                "INSERT INTO digest_subscribers (user_id, email, frequency, channels, confirmed_at, created_at, updated_at) "
                "VALUES (?, NULL, 'weekly', 'picked', ?, ?, ?)",
                (u, created, created, created),
            )
            sid = cur.lastrowid
            cur.executemany(
                "INSERT INTO digest_subscriber_channels (subscriber_id, channel_id) VALUES (?, ?)",
                [(sid, c) for c in rng.sample(readable[u], min(len(readable[u]), rng.randint(2, 6)))],
            )
        elif r < 0.13:
            cur.execute(
                "INSERT INTO digest_subscribers (user_id, email, frequency, channels, confirmed_at, created_at, updated_at) "
                "VALUES (?, NULL, 'never', 'followed', ?, ?, ?)",
                (u, created, created, created),
            )

    # The week: posts in every channel (busier ones more), by people who can
    # read them; replies, reactions and mentions; a few hidden or deleted.
    def author_for(c):
        return rng.choice(list(members[c])) if c in members else rng.choice(readers)

    weights = {c: rng.choice([1, 1, 2, 3, 5, 8]) for c, _ in channels}
    all_ids = [c for c, _ in channels]
    post_rows = []
    for _ in range(3000):
        c = rng.choices(all_ids, weights=[weights[x] for x in all_ids])[0]
        published = at_in_week()
        title = sentence(rng, 4, 11)
        is_link = rng.random() < 0.6
        body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(1, 3)))
        post_rows.append((c, author_for(c), title, is_link, body, published))
    # Older threads readers took part in, still getting replies this week.
    for _ in range(2000):
        c = rng.choice(all_ids)
        published = before + dt.timedelta(seconds=rng.randrange(59 * 86400))
        post_rows.append((c, author_for(c), sentence(rng, 4, 11), False, paragraph(rng), published))
    post_ids = []
    for c, author, title, is_link, body, published in post_rows:
        url = f"https://www.gov.uk/{title.lower().replace(' ', '-')}" if is_link else None
        r = rng.random()
        deleted = stamp(published) if r < 0.01 else None
        hidden = stamp(published) if 0.01 <= r < 0.02 else None
        cur.execute(
            "INSERT INTO posts (channel_id, author_id, kind, title, url, url_domain, body_md, body_html, created_at, "
            "published_at, edited_at, deleted_at, deleted_by, hidden_at, reply_count, last_activity_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, 0, ?)",
            (
                c,
                author,
                "link" if is_link else "discussion",
                title,
                url,
                "www.gov.uk" if is_link else None,
                body,
                "<p>" + body.replace("\n\n", "</p><p>") + "</p>",
                stamp(published),
                stamp(published),
                deleted,
                hidden,
                stamp(published),
            ),
        )
        post_ids.append((cur.lastrowid, c, published))

    replies = []
    reply_counts = {}
    for _ in range(15000):
        pid, c, published = rng.choice(post_ids)
        when = max(published + dt.timedelta(minutes=5), at_in_week())
        if when >= start + dt.timedelta(days=7):
            continue
        body = sentence(rng, 5, 25) + "."
        cur.execute(
            "INSERT INTO replies (post_id, author_id, quote_of, body_md, body_html, created_at, edited_at, deleted_at, "
            "deleted_by, hidden_at) VALUES (?, ?, NULL, ?, ?, ?, NULL, ?, NULL, NULL)",
            (pid, author_for(c), body, f"<p>{body}</p>", stamp(when), stamp(when) if rng.random() < 0.01 else None),
        )
        replies.append((cur.lastrowid, pid, c, when))
        reply_counts[pid] = reply_counts.get(pid, 0) + 1
    cur.executemany("UPDATE posts SET reply_count = ? WHERE id = ?", [(n, p) for p, n in reply_counts.items()])

    reactions = set()
    for _ in range(40000):
        pid, c, published = rng.choice(post_ids)
        reactions.add((pid, author_for(c), rng.choice(["like", "insightful", "thanks"])))
    cur.executemany(
        "INSERT INTO post_reactions (post_id, user_id, kind, created_at) VALUES (?, ?, ?, ?)",
        [(p, u, k, stamp(at_in_week())) for p, u, k in reactions],
    )

    mentions = []
    for _ in range(4000):
        rid, pid, c, when = rng.choice(replies)
        mentions.append((author_for(c), pid, rid, author_for(c), stamp(when)))
    cur.executemany(
        "INSERT INTO mentions (user_id, post_id, reply_id, author_id, created_at) VALUES (?, ?, ?, ?, ?)", mentions
    )

    # The curators' picks and the editor's note for the week.
    week_posts = [p for p in post_ids if p[2] >= start]
    for pid, _, published in rng.sample(week_posts, 6):
        cur.execute(
            "INSERT INTO digest_features (week, post_id, featured_by, featured_at) VALUES (?, ?, NULL, ?)",
            (args.week, pid, stamp(published + dt.timedelta(hours=1))),
        )
    cur.execute(
        "INSERT OR REPLACE INTO digest_notes (week, body_md, author_id, updated_at) VALUES (?, ?, NULL, ?)",
        (args.week, "**This week:** " + paragraph(rng), stamp(start + dt.timedelta(days=6))),
    )
    db.commit()
    print(
        f"{args.readers} readers, {len(channels)} channels ({len(private_channels)} private), {len(follows)} follows, "
        f"{len(post_rows)} posts, {len(replies)} replies, {len(reactions)} reactions, {len(mentions)} mentions"
    )


if __name__ == "__main__":
    main()
