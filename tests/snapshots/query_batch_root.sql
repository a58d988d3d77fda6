-- filtered (Sqlite)
SELECT "t0"."id", "t0"."name", "t0"."nickname" FROM "users" AS "t0" WHERE ((rel_lower("t0"."name") LIKE rel_lower(?) ESCAPE '\' AND EXISTS (SELECT 1 FROM "posts" AS "t1" WHERE "t1"."author_id" = "t0"."id" AND ("t1"."score" > ?) LIMIT 1)) OR ("t0"."nickname" IS NULL AND "t0"."id" IN (?, ?))) ORDER BY "t0"."nickname" DESC NULLS FIRST, "t0"."id" ASC LIMIT ? OFFSET ?;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (Sqlite)
SELECT "t0"."id", "t0"."name", "t0"."nickname" FROM "users" AS "t0" WHERE NOT (NOT EXISTS (SELECT 1 FROM "groups" AS "t1" JOIN "memberships" AS "t2" ON "t2"."group_id" = "t1"."id" WHERE "t2"."user_id" = "t0"."id" LIMIT 1)) ORDER BY "t0"."id" ASC;
-- binds: []

-- filtered (Postgres)
SELECT "t0"."id", "t0"."name", "t0"."nickname" FROM "users" AS "t0" WHERE ((LOWER("t0"."name") LIKE LOWER($1) ESCAPE '\' AND EXISTS (SELECT 1 FROM "posts" AS "t1" WHERE "t1"."author_id" = "t0"."id" AND ("t1"."score" > $2))) OR ("t0"."nickname" IS NULL AND "t0"."id" IN ($3, $4))) ORDER BY "t0"."nickname" DESC NULLS FIRST, "t0"."id" ASC LIMIT $5 OFFSET $6;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (Postgres)
SELECT "t0"."id", "t0"."name", "t0"."nickname" FROM "users" AS "t0" WHERE NOT (NOT EXISTS (SELECT 1 FROM "groups" AS "t1" JOIN "memberships" AS "t2" ON "t2"."group_id" = "t1"."id" WHERE "t2"."user_id" = "t0"."id")) ORDER BY "t0"."id" ASC;
-- binds: []

-- filtered (MySql)
SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname` FROM `users` AS `t0` WHERE ((LOWER(`t0`.`name`) LIKE LOWER(?) ESCAPE '\\' AND EXISTS (SELECT 1 FROM `posts` AS `t1` WHERE `t1`.`author_id` = `t0`.`id` AND (`t1`.`score` > ?))) OR (`t0`.`nickname` IS NULL AND `t0`.`id` IN (?, ?))) ORDER BY `t0`.`nickname` IS NULL DESC, `t0`.`nickname` DESC, `t0`.`id` ASC LIMIT ? OFFSET ?;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (MySql)
SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname` FROM `users` AS `t0` WHERE NOT (NOT EXISTS (SELECT 1 FROM `groups` AS `t1` JOIN `memberships` AS `t2` ON `t2`.`group_id` = `t1`.`id` WHERE `t2`.`user_id` = `t0`.`id`)) ORDER BY `t0`.`id` ASC;
-- binds: []

-- filtered (MySql8)
SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname` FROM `users` AS `t0` WHERE ((LOWER(`t0`.`name`) LIKE LOWER(?) ESCAPE '\\' AND EXISTS (SELECT 1 FROM `posts` AS `t1` WHERE `t1`.`author_id` = `t0`.`id` AND (`t1`.`score` > ?))) OR (`t0`.`nickname` IS NULL AND `t0`.`id` IN (?, ?))) ORDER BY `t0`.`nickname` IS NULL DESC, `t0`.`nickname` DESC, `t0`.`id` ASC LIMIT ? OFFSET ?;
-- binds: [Text("a%"), I32(3), I64(1), I64(2), I64(10), I64(5)]

-- nested (MySql8)
SELECT `t0`.`id`, `t0`.`name`, `t0`.`nickname` FROM `users` AS `t0` WHERE NOT (NOT EXISTS (SELECT 1 FROM `groups` AS `t1` JOIN `memberships` AS `t2` ON `t2`.`group_id` = `t1`.`id` WHERE `t2`.`user_id` = `t0`.`id`)) ORDER BY `t0`.`id` ASC;
-- binds: []

