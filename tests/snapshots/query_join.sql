-- filtered (Sqlite)
SELECT "t0"."id", "t0"."name", "t0"."nickname" FROM "users" AS "t0" WHERE ((rel_lower("t0"."name") LIKE rel_lower(?) ESCAPE '\' AND EXISTS (SELECT 1 FROM "posts" AS "t1" WHERE "t1"."author_id" = "t0"."id" AND ("t1"."score" > ?) LIMIT 1)) OR ("t0"."nickname" IS NULL AND "t0"."id" IN (?, ?))) ORDER BY "t0"."nickname" DESC NULLS FIRST, "t0"."id" ASC LIMIT ? OFFSET ?;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (Sqlite)
SELECT "t0"."id", "t0"."name", "t0"."nickname", (SELECT json_group_array(json(s.j) ORDER BY s.n) FROM (SELECT json_array("t1"."id", "t1"."author_id", "t1"."score", CASE WHEN "t1"."body" IS NULL THEN NULL ELSE hex("t1"."body") END) AS j, ROW_NUMBER() OVER (ORDER BY "t1"."score" DESC NULLS FIRST, "t1"."id" ASC) AS n FROM "posts" AS "t1" WHERE "t1"."author_id" = "t0"."id" AND ("t1"."score" IS NOT NULL) ORDER BY "t1"."score" DESC NULLS FIRST, "t1"."id" ASC LIMIT ?) AS s) AS "r0", (SELECT json_group_array(json_array("t2"."id", "t2"."name") ORDER BY "t2"."name" ASC, "t2"."id" ASC) FROM "groups" AS "t2" JOIN "memberships" AS "t3" ON "t3"."group_id" = "t2"."id" WHERE "t3"."user_id" = "t0"."id") AS "r1", (SELECT COUNT(*) FROM "posts" AS "t4" WHERE "t4"."author_id" = "t0"."id") AS "r2" FROM "users" AS "t0" WHERE NOT (NOT EXISTS (SELECT 1 FROM "groups" AS "t5" JOIN "memberships" AS "t6" ON "t6"."group_id" = "t5"."id" WHERE "t6"."user_id" = "t0"."id" LIMIT 1)) ORDER BY "t0"."id" ASC;
-- binds: [I64(3)]

-- filtered (Postgres)
SELECT "t0"."id", "t0"."name", "t0"."nickname" FROM "users" AS "t0" WHERE ((LOWER("t0"."name") LIKE LOWER($1) ESCAPE '\' AND EXISTS (SELECT 1 FROM "posts" AS "t1" WHERE "t1"."author_id" = "t0"."id" AND ("t1"."score" > $2))) OR ("t0"."nickname" IS NULL AND "t0"."id" IN ($3, $4))) ORDER BY "t0"."nickname" DESC NULLS FIRST, "t0"."id" ASC LIMIT $5 OFFSET $6;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (Postgres)
SELECT "t0"."id", "t0"."name", "t0"."nickname", CAST((SELECT COALESCE(json_agg(s.j ORDER BY s.n), '[]'::json) FROM (SELECT json_build_array("t1"."id", "t1"."author_id", "t1"."score", CASE WHEN "t1"."body" IS NULL THEN NULL ELSE encode("t1"."body", 'hex') END) AS j, ROW_NUMBER() OVER (ORDER BY "t1"."score" DESC NULLS FIRST, "t1"."id" ASC) AS n FROM "posts" AS "t1" WHERE "t1"."author_id" = "t0"."id" AND ("t1"."score" IS NOT NULL) ORDER BY "t1"."score" DESC NULLS FIRST, "t1"."id" ASC LIMIT $1) AS s) AS TEXT) AS "r0", CAST((SELECT COALESCE(json_agg(json_build_array("t2"."id", "t2"."name") ORDER BY "t2"."name" ASC, "t2"."id" ASC), '[]'::json) FROM "groups" AS "t2" JOIN "memberships" AS "t3" ON "t3"."group_id" = "t2"."id" WHERE "t3"."user_id" = "t0"."id") AS TEXT) AS "r1", (SELECT COUNT(*) FROM "posts" AS "t4" WHERE "t4"."author_id" = "t0"."id") AS "r2" FROM "users" AS "t0" WHERE NOT (NOT EXISTS (SELECT 1 FROM "groups" AS "t5" JOIN "memberships" AS "t6" ON "t6"."group_id" = "t5"."id" WHERE "t6"."user_id" = "t0"."id")) ORDER BY "t0"."id" ASC;
-- binds: [I64(3)]

-- filtered (MySql)
SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname` FROM `users` AS `t0` WHERE ((LOWER(`t0`.`name`) LIKE LOWER(?) ESCAPE '\\' AND EXISTS (SELECT 1 FROM `posts` AS `t1` WHERE `t1`.`author_id` = `t0`.`id` AND (`t1`.`score` > ?))) OR (`t0`.`nickname` IS NULL AND `t0`.`id` IN (?, ?))) ORDER BY `t0`.`nickname` IS NULL DESC, `t0`.`nickname` DESC, `t0`.`id` ASC LIMIT ? OFFSET ?;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (MySql)
SET STATEMENT group_concat_max_len = 4294967295 FOR SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname`, (SELECT COALESCE(JSON_ARRAYAGG(JSON_ARRAY(`t1`.`id`, `t1`.`author_id`, `t1`.`score`, CASE WHEN `t1`.`body` IS NULL THEN NULL ELSE hex(`t1`.`body`) END) ORDER BY `t1`.`score` IS NULL DESC, `t1`.`score` DESC, `t1`.`id` ASC LIMIT ?), JSON_ARRAY()) FROM `posts` AS `t1` WHERE `t1`.`author_id` = `t0`.`id` AND (`t1`.`score` IS NOT NULL)) AS `r0`, (SELECT COALESCE(JSON_ARRAYAGG(JSON_ARRAY(`t2`.`id`, `t2`.`name`) ORDER BY `t2`.`name` ASC, `t2`.`id` ASC), JSON_ARRAY()) FROM `groups` AS `t2` JOIN `memberships` AS `t3` ON `t3`.`group_id` = `t2`.`id` WHERE `t3`.`user_id` = `t0`.`id`) AS `r1`, (SELECT COUNT(*) FROM `posts` AS `t4` WHERE `t4`.`author_id` = `t0`.`id`) AS `r2` FROM `users` AS `t0` WHERE NOT (NOT EXISTS (SELECT 1 FROM `groups` AS `t5` JOIN `memberships` AS `t6` ON `t6`.`group_id` = `t5`.`id` WHERE `t6`.`user_id` = `t0`.`id`)) ORDER BY `t0`.`id` ASC;
-- binds: [I64(3)]

-- filtered (MySql8)
SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname` FROM `users` AS `t0` WHERE ((LOWER(`t0`.`name`) LIKE LOWER(?) ESCAPE '\\' AND EXISTS (SELECT 1 FROM `posts` AS `t1` WHERE `t1`.`author_id` = `t0`.`id` AND (`t1`.`score` > ?))) OR (`t0`.`nickname` IS NULL AND `t0`.`id` IN (?, ?))) ORDER BY `t0`.`nickname` IS NULL DESC, `t0`.`nickname` DESC, `t0`.`id` ASC LIMIT ? OFFSET ?;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (MySql8)
SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname`, (SELECT COALESCE(JSON_ARRAYAGG(JSON_ARRAY(`t1`.`id`, `t1`.`author_id`, `t1`.`score`, CASE WHEN `t1`.`body` IS NULL THEN NULL ELSE hex(`t1`.`body`) END) ORDER BY `t1`.`score` IS NULL DESC, `t1`.`score` DESC, `t1`.`id` ASC LIMIT ?), JSON_ARRAY()) FROM `posts` AS `t1` WHERE `t1`.`author_id` = `t0`.`id` AND (`t1`.`score` IS NOT NULL)) AS `r0`, (SELECT COALESCE(JSON_ARRAYAGG(JSON_ARRAY(`t2`.`id`, `t2`.`name`) ORDER BY `t2`.`name` ASC, `t2`.`id` ASC), JSON_ARRAY()) FROM `groups` AS `t2` JOIN `memberships` AS `t3` ON `t3`.`group_id` = `t2`.`id` WHERE `t3`.`user_id` = `t0`.`id`) AS `r1`, (SELECT COUNT(*) FROM `posts` AS `t4` WHERE `t4`.`author_id` = `t0`.`id`) AS `r2` FROM `users` AS `t0` WHERE NOT (NOT EXISTS (SELECT 1 FROM `groups` AS `t5` JOIN `memberships` AS `t6` ON `t6`.`group_id` = `t5`.`id` WHERE `t6`.`user_id` = `t0`.`id`)) ORDER BY `t0`.`id` ASC;
-- binds: [I64(3)]

