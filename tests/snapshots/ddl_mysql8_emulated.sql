CREATE TABLE `teams` (
  `id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `name` VARCHAR(255) NOT NULL UNIQUE,
  `captain_id` BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE TABLE `players` (
  `id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `team_id` BIGINT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `mentor_id` BIGINT,
  `rank` INT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE INDEX `players_name_idx` ON `players` (`name`);
CREATE TABLE `scores` (
  `player_id` BIGINT NOT NULL,
  `round` SMALLINT NOT NULL,
  `points` DOUBLE NOT NULL DEFAULT 1.5,
  `note` LONGTEXT NOT NULL DEFAULT 'n/a',
  `referee_id` BIGINT,
  `team_name` LONGTEXT NOT NULL,
  PRIMARY KEY (`player_id`, `round`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE INDEX `teams_captain_id_idx` ON `teams` (`captain_id`);
CREATE INDEX `players_team_id_idx` ON `players` (`team_id`);
CREATE INDEX `players_mentor_id_idx` ON `players` (`mentor_id`);
CREATE INDEX `scores_referee_id_idx` ON `scores` (`referee_id`);
