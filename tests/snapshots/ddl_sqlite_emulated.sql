CREATE TABLE "teams" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "name" TEXT NOT NULL UNIQUE,
  "captain_id" INTEGER
);
CREATE TABLE "players" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "team_id" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "mentor_id" INTEGER,
  "rank" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "players_name_idx" ON "players" ("name");
CREATE TABLE "scores" (
  "player_id" INTEGER NOT NULL,
  "round" INTEGER NOT NULL,
  "points" REAL NOT NULL DEFAULT 1.5,
  "note" TEXT NOT NULL DEFAULT 'n/a',
  "referee_id" INTEGER,
  "team_name" TEXT NOT NULL,
  PRIMARY KEY ("player_id", "round")
);
CREATE INDEX "teams_captain_id_idx" ON "teams" ("captain_id");
CREATE INDEX "players_team_id_idx" ON "players" ("team_id");
CREATE INDEX "players_mentor_id_idx" ON "players" ("mentor_id");
CREATE INDEX "scores_referee_id_idx" ON "scores" ("referee_id");
