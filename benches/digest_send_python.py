#!/usr/bin/env python3
"""The weekly digest sent the straightforward Python way, for comparison
(not a test, not part of the product): for each recipient, the app's
queries as written for one reader (their account and memberships, the
channels they may read and follow, the week's picks and most engaged posts
of those, threads they took part in with new replies, mentions, new
channels), a text and an HTML part from Jinja2 templates, and smtplib over
one connection to the same sink. It writes no outbox, so it does less than
the app does.

    benches/digest_send_python.py DB --week 2026-W49 --port 2525 [--limit N]

Prints one line: `=> python: N messages in S s, R msg/s`.
"""

import argparse
import datetime as dt
import hashlib
import hmac
import re
import smtplib
import sqlite3
import time
import zoneinfo
from email.message import EmailMessage

import jinja2

TEXT = jinja2.Template(
    """Your Commonroom week, {{ week }}
{% if note %}
From the editor
{{ note }}
{% endif %}{% if picks %}
Picked for you
{% for p in picks %}- {{ p.title }}
  {{ base }}/p/{{ p.id }}
  {{ p.excerpt }}
{% endfor %}{% endif %}{% for s in sections %}
{{ s.name }}
{% for p in s.posts %}- {{ p.title }} ({{ p.replies }} replies, {{ p.reactions }} reactions)
  {{ base }}/p/{{ p.id }}
  {{ p.excerpt }}
{% endfor %}{% endfor %}{% if threads %}
New replies in your threads
{% for t in threads %}- {{ t.title }}: {{ t.new_replies }} new
  {{ base }}/p/{{ t.id }}
{% endfor %}{% endif %}{% if mentions %}
You were mentioned
{% for m in mentions %}- {{ m.by }} in {{ m.title }}
  {{ base }}/p/{{ m.post_id }}
{% endfor %}{% endif %}{% if new_channels %}
New channels
{% for c in new_channels %}- {{ c.name }}: {{ c.description }}
  {{ base }}/c/{{ c.slug }}
{% endfor %}{% endif %}
View in browser: {{ base }}/digest/{{ week }}
Unsubscribe: {{ unsubscribe }}
""",
    trim_blocks=False,
)

HTML = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Your Commonroom week</title></head>
<body style="margin:0;padding:0;background:#f4f4f4">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;font-family:Arial,sans-serif;color:#1b1b1b">
<tr><td style="padding:16px"><h1 style="font-size:22px">Your Commonroom week, {{ week }}</h1>
<p><a href="{{ base }}/digest/{{ week }}">View in browser</a></p></td></tr>
{% if note %}<tr><td style="padding:16px"><h2 style="font-size:18px">From the editor</h2><p>{{ note }}</p></td></tr>{% endif %}
{% if picks %}<tr><td style="padding:16px"><h2 style="font-size:18px">Picked for you</h2>
{% for p in picks %}<h3 style="font-size:16px"><a href="{{ base }}/p/{{ p.id }}">{{ p.title }}</a></h3><p>{{ p.excerpt }}</p>{% endfor %}
</td></tr>{% endif %}
{% for s in sections %}<tr><td style="padding:16px"><h2 style="font-size:18px">{{ s.name }}</h2>
{% for p in s.posts %}<h3 style="font-size:16px"><a href="{{ base }}/p/{{ p.id }}">{{ p.title }}</a></h3>
<p>{{ p.excerpt }}</p><p style="color:#505050">{{ p.replies }} replies · {{ p.reactions }} reactions</p>{% endfor %}
</td></tr>{% endfor %}
{% if threads %}<tr><td style="padding:16px"><h2 style="font-size:18px">New replies in your threads</h2><ul>
{% for t in threads %}<li><a href="{{ base }}/p/{{ t.id }}">{{ t.title }}</a>: {{ t.new_replies }} new</li>{% endfor %}
</ul></td></tr>{% endif %}
{% if mentions %}<tr><td style="padding:16px"><h2 style="font-size:18px">You were mentioned</h2><ul>
{% for m in mentions %}<li>{{ m.by }} in <a href="{{ base }}/p/{{ m.post_id }}">{{ m.title }}</a></li>{% endfor %}
</ul></td></tr>{% endif %}
{% if new_channels %}<tr><td style="padding:16px"><h2 style="font-size:18px">New channels</h2><ul>
{% for c in new_channels %}<li><a href="{{ base }}/c/{{ c.slug }}">{{ c.name }}</a>: {{ c.description }}</li>{% endfor %}
</ul></td></tr>{% endif %}
<tr><td style="padding:16px;font-size:12px"><a href="{{ unsubscribe }}">Unsubscribe</a></td></tr>
</table></td></tr></table></body></html>
"""
)

POST_COLUMNS = (
    "p.id, p.title, p.url, p.body_md, p.reply_count, c.slug, c.name, "
    "(SELECT COUNT(*) FROM post_reactions r WHERE r.post_id = p.id) AS reactions"
)


def marks(n):
    return ", ".join("?" * max(n, 1))


def excerpt(md, limit=240):
    text = re.sub(r"[*_`#>\[\]]", "", md).replace("\n", " ").strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def post(row):
    return {
        "id": row[0],
        "title": row[1],
        "url": row[2],
        "excerpt": excerpt(row[3]),
        "replies": row[4],
        "slug": row[5],
        "name": row[6],
        "reactions": row[7],
    }


def contents(db, user_id, week, start, until):
    status = db.execute("SELECT status FROM users WHERE id = ?", (user_id,)).fetchone()
    if not status or status[0] != "active":
        return None
    member_of = {r[0] for r in db.execute("SELECT channel_id FROM channel_members WHERE user_id = ?", (user_id,))}
    readable = [
        r[0]
        for r in db.execute("SELECT id, visibility FROM channels")
        if r[1] == "open" or r[0] in member_of
    ]
    pref = db.execute("SELECT id, frequency, channels FROM digest_subscribers WHERE user_id = ?", (user_id,)).fetchone()
    if pref and pref[1] == "never":
        return None
    if pref and pref[2] == "picked":
        chosen = [r[0] for r in db.execute("SELECT channel_id FROM digest_subscriber_channels WHERE subscriber_id = ?", (pref[0],))]
    else:
        chosen = [r[0] for r in db.execute("SELECT channel_id FROM channel_follows WHERE user_id = ?", (user_id,))]
    covered = [c for c in chosen if c in readable]
    note = db.execute("SELECT body_md FROM digest_notes WHERE week = ?", (week,)).fetchone()
    picks, sections = [], []
    if covered:
        picks = [
            post(r)
            for r in db.execute(
                f"SELECT {POST_COLUMNS} FROM digest_features f JOIN posts p ON p.id = f.post_id "
                f"JOIN channels c ON c.id = p.channel_id WHERE f.week = ? AND p.published_at < ? "
                f"AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.channel_id IN ({marks(len(covered))}) "
                f"ORDER BY f.featured_at, p.id",
                [week, until, *covered],
            )
        ]
        rows = db.execute(
            f"SELECT {POST_COLUMNS} FROM posts p JOIN channels c ON c.id = p.channel_id "
            f"WHERE p.published_at >= ? AND p.published_at < ? AND p.deleted_at IS NULL AND p.hidden_at IS NULL "
            f"AND p.id NOT IN (SELECT f.post_id FROM digest_features f WHERE f.week = ?) "
            f"AND p.channel_id IN ({marks(len(covered))}) "
            f"ORDER BY p.reply_count * 3 + (SELECT COUNT(*) FROM post_reactions r WHERE r.post_id = p.id) DESC, "
            f"p.published_at DESC, p.id DESC LIMIT 20",
            [start, until, week, *covered],
        )
        for r in rows:
            p = post(r)
            for s in sections:
                if s["slug"] == p["slug"]:
                    s["posts"].append(p)
                    break
            else:
                sections.append({"slug": p["slug"], "name": p["name"], "posts": [p]})
    threads = [
        {"id": r[0], "title": r[1], "new_replies": r[2]}
        for r in db.execute(
            f"SELECT p.id, p.title, COUNT(r.id) FROM posts p JOIN replies r ON r.post_id = p.id "
            f"WHERE p.id IN (SELECT mine.id FROM posts mine WHERE mine.author_id = ? "
            f"UNION SELECT mine.post_id FROM replies mine WHERE mine.author_id = ? AND mine.deleted_at IS NULL) "
            f"AND r.created_at >= ? AND r.created_at < ? AND r.author_id <> ? "
            f"AND r.deleted_at IS NULL AND r.hidden_at IS NULL AND p.deleted_at IS NULL AND p.hidden_at IS NULL "
            f"AND p.channel_id IN ({marks(len(readable))}) "
            f"GROUP BY p.id, p.title ORDER BY MAX(r.created_at) DESC, p.id DESC LIMIT 10",
            [user_id, user_id, start, until, user_id, *readable],
        )
    ]
    mentions = [
        {"post_id": r[0], "title": r[2], "by": r[3]}
        for r in db.execute(
            f"SELECT m.post_id, m.reply_id, p.title, u.name FROM mentions m JOIN posts p ON p.id = m.post_id "
            f"JOIN users u ON u.id = m.author_id LEFT JOIN replies r ON r.id = m.reply_id "
            f"WHERE m.user_id = ? AND m.created_at >= ? AND m.created_at < ? AND p.deleted_at IS NULL "
            f"AND p.hidden_at IS NULL AND p.published_at < ? "
            f"AND (m.reply_id IS NULL OR (r.deleted_at IS NULL AND r.hidden_at IS NULL)) "
            f"AND p.channel_id IN ({marks(len(readable))}) ORDER BY m.created_at DESC, m.id DESC LIMIT 10",
            [user_id, start, until, until, *readable],
        )
    ]
    new_channels = [
        {"slug": r[0], "name": r[1], "description": r[2]}
        for r in db.execute(
            f"SELECT slug, name, description FROM channels WHERE created_at >= ? AND created_at < ? "
            f"AND archived_at IS NULL AND id IN ({marks(len(readable))}) ORDER BY LOWER(name), id",
            [start, until, *readable],
        )
    ]
    if not (picks or sections or threads or mentions or new_channels):
        return None
    return {
        "week": week,
        "note": note[0] if note else None,
        "picks": picks,
        "sections": sections,
        "threads": threads,
        "mentions": mentions,
        "new_channels": new_channels,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--week", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    year, w = args.week.split("-W")
    london = zoneinfo.ZoneInfo("Europe/London")
    monday = dt.datetime.fromisocalendar(int(year), int(w), 1).replace(tzinfo=london)
    fmt = "%Y-%m-%dT%H:%M:%S+00:00"
    start = monday.astimezone(dt.timezone.utc).strftime(fmt)
    end = min((monday + dt.timedelta(days=7)).astimezone(dt.timezone.utc), dt.datetime.now(dt.timezone.utc))
    until = end.strftime(fmt)
    base, key = "https://commonroom.example.org", b"bench-key"
    db = sqlite3.connect(args.db)
    recipients = db.execute(
        "SELECT u.id, u.email FROM users u LEFT JOIN digest_subscribers s ON s.user_id = u.id "
        "WHERE u.status = 'active' AND COALESCE(s.frequency, 'weekly') = 'weekly' ORDER BY u.id"
    ).fetchall()
    if args.limit:
        recipients = recipients[: args.limit]
    started = time.perf_counter()
    sent = 0
    with smtplib.SMTP("127.0.0.1", args.port) as smtp:
        for user_id, email in recipients:
            c = contents(db, user_id, args.week, start, until)
            if c is None:
                continue
            token = hmac.new(key, f"a{user_id}".encode(), hashlib.sha256).hexdigest()
            c.update(base=base, unsubscribe=f"{base}/unsubscribe/{token}")
            msg = EmailMessage()
            msg["From"] = "Commonroom <digest@council.example>"
            msg["To"] = email
            msg["Subject"] = f"Your Commonroom week, {args.week}"
            msg["Message-ID"] = f"<digest-{args.week}-a{user_id}@commonroom.example.org>"
            msg["List-Id"] = "Commonroom weekly digest <digest.commonroom.example.org>"
            msg["List-Unsubscribe"] = f"<{c['unsubscribe']}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            msg.set_content(TEXT.render(**c))
            msg.add_alternative(HTML.render(**c), subtype="html")
            smtp.send_message(msg)
            sent += 1
    secs = time.perf_counter() - started
    print(f"=> python: {sent} messages in {secs:.2f} s, {sent / secs:.1f} msg/s")


if __name__ == "__main__":
    main()
