CREATE TABLE "teams" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "name" TEXT NOT NULL UNIQUE,
  "captain_id" INTEGER,
  CONSTRAINT "teams_captain_fkey" FOREIGN KEY ("captain_id") REFERENCES "players" ("id") ON DELETE SET NULL
);
CREATE TABLE "players" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "team_id" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "mentor_id" INTEGER,
  "rank" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "players_team_fkey" FOREIGN KEY ("team_id") REFERENCES "teams" ("id") ON DELETE CASCADE ON UPDATE RESTRICT,
  CONSTRAINT "players_mentor_fkey" FOREIGN KEY ("mentor_id") REFERENCES "players" ("id") ON DELETE SET NULL
);
CREATE INDEX "players_name_idx" ON "players" ("name");
CREATE TABLE "scores" (
  "player_id" INTEGER NOT NULL,
  "round" INTEGER NOT NULL,
  "points" REAL NOT NULL DEFAULT 1.5,
  "note" TEXT NOT NULL DEFAULT 'n/a',
  "referee_id" INTEGER,
  "team_name" TEXT NOT NULL,
  PRIMARY KEY ("player_id", "round"),
  CONSTRAINT "scores_player_fkey" FOREIGN KEY ("player_id") REFERENCES "players" ("id") ON DELETE NO ACTION,
  CONSTRAINT "scores_referee_id_fkey" FOREIGN KEY ("referee_id") REFERENCES "players" ("id") ON DELETE SET NULL
);
CREATE INDEX "teams_captain_id_idx" ON "teams" ("captain_id");
CREATE INDEX "players_team_id_idx" ON "players" ("team_id");
CREATE INDEX "players_mentor_id_idx" ON "players" ("mentor_id");
CREATE INDEX "scores_referee_id_idx" ON "scores" ("referee_id");
