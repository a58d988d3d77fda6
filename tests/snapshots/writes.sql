-- update (Sqlite)
UPDATE "w_users" SET "name" = ?, "score" = ? WHERE ("w_users"."id" > ? AND EXISTS (SELECT 1 FROM "w_posts" AS "t1" WHERE "t1"."author_id" = "w_users"."id" LIMIT 1));
-- binds: [Text("Ada"), I32(3), I64(10)]

-- delete (Sqlite)
DELETE FROM "w_posts" WHERE "w_posts"."published" = ?;
-- binds: [Bool(false)]

-- delete all (Sqlite)
DELETE FROM "w_posts";
-- binds: []

-- upsert (Sqlite)
INSERT INTO "w_users" ("id", "email", "name", "score") VALUES (?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "email" = excluded."email", "name" = excluded."name", "score" = excluded."score" RETURNING "id";
-- binds: [I64(7), Text("a@x"), Text("A"), I32(1)]

-- upsert on email (Sqlite)
INSERT INTO "w_users" ("email", "name", "score") VALUES (?, ?, ?) ON CONFLICT ("email") DO UPDATE SET "score" = excluded."score" RETURNING "id";
-- binds: [Text("a@x"), Text("A"), I32(1)]

-- update (Postgres)
UPDATE "w_users" SET "name" = $1, "score" = $2 WHERE ("w_users"."id" > $3 AND EXISTS (SELECT 1 FROM "w_posts" AS "t1" WHERE "t1"."author_id" = "w_users"."id"));
-- binds: [Text("Ada"), I32(3), I64(10)]

-- delete (Postgres)
DELETE FROM "w_posts" WHERE "w_posts"."published" = $1;
-- binds: [Bool(false)]

-- delete all (Postgres)
DELETE FROM "w_posts";
-- binds: []

-- upsert (Postgres)
INSERT INTO "w_users" ("id", "email", "name", "score") VALUES ($1, $2, $3, $4) ON CONFLICT ("id") DO UPDATE SET "email" = excluded."email", "name" = excluded."name", "score" = excluded."score" RETURNING "id";
-- binds: [I64(7), Text("a@x"), Text("A"), I32(1)]

-- upsert on email (Postgres)
INSERT INTO "w_users" ("email", "name", "score") VALUES ($1, $2, $3) ON CONFLICT ("email") DO UPDATE SET "score" = excluded."score" RETURNING "id";
-- binds: [Text("a@x"), Text("A"), I32(1)]

-- update (MySql)
UPDATE `w_users` SET `name` = ?, `score` = ? WHERE (`w_users`.`id` > ? AND EXISTS (SELECT 1 FROM `w_posts` AS `t1` WHERE `t1`.`author_id` = `w_users`.`id`));
-- binds: [Text("Ada"), I32(3), I64(10)]

-- delete (MySql)
DELETE FROM `w_posts` WHERE `w_posts`.`published` = ?;
-- binds: [Bool(false)]

-- delete all (MySql)
DELETE FROM `w_posts`;
-- binds: []

-- upsert (MySql)
INSERT INTO `w_users` (`id`, `email`, `name`, `score`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `id` = LAST_INSERT_ID(`id`), `email` = VALUES(`email`), `name` = VALUES(`name`), `score` = VALUES(`score`) RETURNING `id`;
-- binds: [I64(7), Text("a@x"), Text("A"), I32(1)]

-- upsert on email (MySql)
INSERT INTO `w_users` (`email`, `name`, `score`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `id` = LAST_INSERT_ID(`id`), `score` = VALUES(`score`) RETURNING `id`;
-- binds: [Text("a@x"), Text("A"), I32(1)]

-- update (MySql8)
UPDATE `w_users` SET `name` = ?, `score` = ? WHERE (`w_users`.`id` > ? AND EXISTS (SELECT 1 FROM `w_posts` AS `t1` WHERE `t1`.`author_id` = `w_users`.`id`));
-- binds: [Text("Ada"), I32(3), I64(10)]

-- delete (MySql8)
DELETE FROM `w_posts` WHERE `w_posts`.`published` = ?;
-- binds: [Bool(false)]

-- delete all (MySql8)
DELETE FROM `w_posts`;
-- binds: []

-- upsert (MySql8)
INSERT INTO `w_users` (`id`, `email`, `name`, `score`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `id` = LAST_INSERT_ID(`id`), `email` = VALUES(`email`), `name` = VALUES(`name`), `score` = VALUES(`score`);
-- binds: [I64(7), Text("a@x"), Text("A"), I32(1)]

-- upsert on email (MySql8)
INSERT INTO `w_users` (`email`, `name`, `score`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `id` = LAST_INSERT_ID(`id`), `score` = VALUES(`score`);
-- binds: [Text("a@x"), Text("A"), I32(1)]

