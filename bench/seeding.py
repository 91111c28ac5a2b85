"""The suite's seed: 10,000 users with blogs, 1,000,000 posts, heavy-tailed follows and 10,000 external
feeds (× --scale), written by PostgreSQL itself with generate_series (no ORM), plus the named blogs of
fixed size every scenario reads (harness.NAMED_BLOGS).
"""

# SQL here is built from the suite's own constants and numbers, never from outside input.
# ruff: noqa: S608

from __future__ import annotations

import time

from harness import NAMED_BLOGS, psql

POST_COLUMNS = """blog_id, uuid, kind, name, summary, content, content_is_html, content_html, status,
    visibility, published, created_at, slug, path, in_reply_to, like_of, repost_of, bookmark_of, syndication,
    syndicate_to, extra_properties"""
# One post row from `g` (a series number) and `blog` (an id) and `ts` (its publication time).
POST_VALUES = """{blog}, gen_random_uuid(), 'note', '', '', 'Post ' || g, false,
    '<p>Post ' || g || '. ' || repeat('Some words about the day, a link or two and a thought. ', 4) || '</p>',
    'published', 'public', {ts}, {ts}, 'p' || g,
    to_char({ts} AT TIME ZONE 'UTC', '/YYYY/MM/DD/') || 'p' || g || '/',
    '', '', '', '', '[]', '[]', '{{}}'"""


def seed_sql(scale: float) -> list[str]:
    """Server-side seeding (generate_series, no ORM) at `scale` × 10k users, 1M posts, 10k external feeds."""
    users, posts, feeds = int(10_000 * scale), int(1_000_000 * scale), int(10_000 * scale)
    ts = "(now() - g * interval '13 seconds')"
    sql = [
        f"""INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined, display_name, bio, avatar)
            SELECT '!', false, 'u' || g, '', '', 'u' || g || '@bench.test', false, true, now(), 'User ' || g,
            '', ''
            FROM generate_series(1, {users}) g""",
        """INSERT INTO accounts_blog (user_id, subdomain, title, description, timezone, changed_at)
           SELECT id, username, '', '', 'UTC', now() FROM accounts_user""",
        # Skewed authors: blog rank ~ users × random()³, so a few blogs write most posts.
        f"""INSERT INTO posts_post ({POST_COLUMNS})
            SELECT {POST_VALUES.format(blog=f"b.min + floor(power(random(), 3) * {users})::bigint", ts=ts)}
            FROM generate_series(1, {posts}) g, (SELECT min(id) AS min FROM accounts_blog) b""",
        # Heavy-tailed follows: each user follows 1 + 1000 × random()⁶ blogs (mean ~140), popular ones more.
        f"""INSERT INTO timeline_follow (user_id, blog_id, channel, created_at)
            SELECT u.id, b.min + floor(power(random(), 2) * {users})::bigint + 0 * g, 'default', now()
            FROM accounts_user u, (SELECT min(id) AS min FROM accounts_blog) b,
                 LATERAL generate_series(1, 1 + floor(power(random(), 6) * 1000)::int + 0 * u.id::int) g
            ON CONFLICT DO NOTHING""",
        f"""INSERT INTO timeline_feed (url, final_url, format, title, site_url, etag, last_modified,
            body_hash, state, error_count, last_error, last_warning, interval, next_poll_at, websub_hub,
            websub_topic, websub_secret, created_at)
            SELECT 'http://feed' || g || '.invalid/feed.xml', '', 'rss', 'Feed ' || g, '', '', '', '', 'ok',
            0, '', '', 3600, now() + interval '100 years', '', '', '', now()
            FROM generate_series(1, {feeds}) g""",
        """INSERT INTO timeline_follow (user_id, feed_id, channel, created_at)
           SELECT u.min + (f.id % (SELECT count(*) FROM accounts_user)), f.id, 'default', now()
           FROM timeline_feed f, (SELECT min(id) AS min FROM accounts_user) u ON CONFLICT DO NOTHING""",
    ]
    for username, count, custom in NAMED_BLOGS:
        sql += [
            f"""INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
                is_staff, is_active, date_joined, display_name, bio, avatar)
                VALUES ('!', false, '{username}', '', '', '{username}@bench.test', false, true, now(),
                '{username.title()}', '', '')""",
            f"""INSERT INTO accounts_blog (user_id, subdomain, title, description, timezone, changed_at,
                custom_domain)
                SELECT id, username, 'The {username} blog', '', 'UTC', now(),
                {f"'{custom}'" if custom else "NULL"}
                FROM accounts_user WHERE username = '{username}'""",
            f"""INSERT INTO posts_post ({POST_COLUMNS})
                SELECT {POST_VALUES.format(blog="b.id", ts=ts)}
                FROM generate_series(1, {count}) g,
                     (SELECT blog.id FROM accounts_blog blog WHERE subdomain = '{username}') b""",
        ]
    # The archive's month counts (posts/archive_months.py keeps them on ORM writes; these rows skipped
    # it): every blog here is UTC, listed = PostQuerySet.listed().
    sql.append(
        """INSERT INTO posts_archivemonth (blog_id, month, count)
           SELECT blog_id, date_trunc('month', published AT TIME ZONE 'UTC')::date, count(*)
           FROM posts_post
           WHERE status = 'published' AND visibility = 'public' AND deleted_at IS NULL
             AND published IS NOT NULL
           GROUP BY 1, 2"""
    )
    return [*sql, "ANALYZE"]


def seed(scale: float) -> float:
    started = time.perf_counter()
    for statement in seed_sql(scale):
        psql(statement)
    return time.perf_counter() - started


def row_counts() -> dict[str, int]:
    tables = ("accounts_user", "posts_post", "timeline_follow", "timeline_feed")
    return {t: int(psql(f"SELECT count(*) FROM {t}", capture=True)) for t in tables}
