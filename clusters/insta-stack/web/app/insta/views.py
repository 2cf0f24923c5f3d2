# The feed, a profile and a like. A feed is read from memcached; on a miss it is built from the user's
# shard (the newest posts of the users they follow, with like counts and whether they liked each) and
# stored. FEED_CACHE_HIT sets the share of requests that look up the user's own feed key; the others
# look up a key no one stored (a fresh one each time), so they miss, as a cold or evicted cache does.
import json
import os
import random
import uuid

from django.core.cache import cache
from django.db import connections, transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed, HttpResponseNotFound

from django.conf import settings

FEED_CACHE_HIT = float(os.environ.get("FEED_CACHE_HIT", "0.9"))
FEED_ROWS = int(os.environ.get("FEED_ROWS", "20"))
FEED_TTL = int(os.environ.get("FEED_TTL", "300"))
# A feed stored under a key no one will ask for again: kept briefly, so memcached's memory stays bounded.
MISS_TTL = 10
PROFILE_TTL = int(os.environ.get("PROFILE_TTL", "60"))
SHARDS = list(settings.DATABASES)

FEED_SQL = """
SELECT p.id, p.author_id, u.username, p.caption, p.like_count, p.created_at,
       EXISTS (SELECT 1 FROM likes l WHERE l.user_id = %s AND l.post_id = p.id) AS liked
FROM follows f
JOIN posts p ON p.author_id = f.followee_id
JOIN users u ON u.id = p.author_id
WHERE f.follower_id = %s
ORDER BY p.created_at DESC, p.id DESC
LIMIT %s
"""

PROFILE_SQL = """
SELECT id, username, bio, posts_count, followers_count, following_count FROM users WHERE id = %s
"""


def shard(user):
    return SHARDS[user % len(SHARDS)]


def json_response(body, source=None, status=200):
    res = HttpResponse(body, content_type="application/json", status=status)
    if source:
        res["X-Source"] = source
    return res


def feed(request, user):
    if random.random() < FEED_CACHE_HIT:
        key, ttl = f"feed:{user}", FEED_TTL
    else:
        key, ttl = f"feed:{user}:{uuid.uuid4().hex}", MISS_TTL
    body = cache.get(key)
    if body is not None:
        return json_response(body, "cache")
    with connections[shard(user)].cursor() as c:
        c.execute(FEED_SQL, [user, user, FEED_ROWS])
        rows = c.fetchall()
    posts = [
        {"id": r[0], "author": r[1], "username": r[2], "caption": r[3], "likes": r[4], "at": r[5].isoformat(), "liked": r[6]}
        for r in rows
    ]
    body = json.dumps({"user": user, "posts": posts})
    cache.set(key, body, ttl)
    return json_response(body, "db")


def profile(request, user):
    key = f"profile:{user}"
    body = cache.get(key)
    if body is not None:
        return json_response(body, "cache")
    with connections[shard(user)].cursor() as c:
        c.execute(PROFILE_SQL, [user])
        row = c.fetchone()
    if row is None:
        return HttpResponseNotFound("no such user\n")
    body = json.dumps(
        {"id": row[0], "username": row[1], "bio": row[2], "posts": row[3], "followers": row[4], "following": row[5]}
    )
    cache.set(key, body, PROFILE_TTL)
    return json_response(body, "db")


def like(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        data = json.loads(request.body)
        user, post = int(data["user"]), int(data["post"])
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest('expected {"user": <id>, "post": <id>}\n')
    alias = shard(user)
    with transaction.atomic(using=alias), connections[alias].cursor() as c:
        c.execute("INSERT INTO likes (user_id, post_id) VALUES (%s, %s) ON CONFLICT DO NOTHING", [user, post])
        new = c.rowcount == 1
        if new:
            c.execute("UPDATE posts SET like_count = like_count + 1 WHERE id = %s", [post])
    # The liker's cached feed shows whether they liked each post: it is stale now.
    cache.delete(f"feed:{user}")
    return json_response(json.dumps({"user": user, "post": post, "new": new}), "db")


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")
