-- The stack's data, the same in every shard (a fixed random seed): users, posts spread over their authors,
-- follows that favour popular users (a few are followed by many), likes; with the indexes a feed needs.
CREATE DATABASE insta;
\c insta
SELECT setseed(0.42);
-- A profile's counts are kept on the user's row (written with the follows here), not counted per view.
CREATE TABLE users (
  id int PRIMARY KEY,
  username text NOT NULL,
  bio text NOT NULL,
  posts_count int NOT NULL DEFAULT 0,
  followers_count int NOT NULL DEFAULT 0,
  following_count int NOT NULL DEFAULT 0
);
CREATE TABLE posts (
  id int PRIMARY KEY,
  author_id int NOT NULL,
  caption text NOT NULL,
  like_count int NOT NULL DEFAULT 0,
  created_at timestamp NOT NULL
);
CREATE TABLE follows (follower_id int NOT NULL, followee_id int NOT NULL, PRIMARY KEY (follower_id, followee_id));
CREATE TABLE likes (user_id int NOT NULL, post_id int NOT NULL, PRIMARY KEY (user_id, post_id));

INSERT INTO users (id, username, bio) SELECT i, 'user' || i, 'the profile of user ' || i FROM generate_series(1, :users) i;
INSERT INTO posts
  SELECT p, 1 + (p - 1) % :users, 'post ' || p || ': a photo and its caption',
         0, timestamp '2017-01-01' + p * interval '13 seconds'
  FROM generate_series(1, :users * :posts_per_user) p;
INSERT INTO follows
  SELECT u, 1 + floor(power(random(), 2) * :users)::int
  FROM generate_series(1, :users) u, generate_series(1, :follows_per_user) k
  ON CONFLICT DO NOTHING;
DELETE FROM follows WHERE follower_id = followee_id;
INSERT INTO likes
  SELECT 1 + floor(random() * :users)::int, 1 + floor(random() * :users * :posts_per_user)::int
  FROM generate_series(1, :likes)
  ON CONFLICT DO NOTHING;
UPDATE users SET posts_count = :posts_per_user;
UPDATE users u SET followers_count = f.n FROM (SELECT followee_id, count(*) AS n FROM follows GROUP BY followee_id) f
  WHERE f.followee_id = u.id;
UPDATE users u SET following_count = f.n FROM (SELECT follower_id, count(*) AS n FROM follows GROUP BY follower_id) f
  WHERE f.follower_id = u.id;
UPDATE posts p SET like_count = l.n FROM (SELECT post_id, count(*) AS n FROM likes GROUP BY post_id) l WHERE l.post_id = p.id;
CREATE INDEX posts_by_author ON posts (author_id, created_at DESC, id DESC);
CREATE INDEX follows_by_followee ON follows (followee_id);
VACUUM ANALYZE;
