-- Sqlite
CREATE TABLE "users" (
  "id" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  PRIMARY KEY ("id")
);
CREATE TABLE "profile_info" (
  "id" INTEGER NOT NULL,
  "user_id" INTEGER NOT NULL UNIQUE,
  "metadata" TEXT NOT NULL,
  PRIMARY KEY ("id"),
  CONSTRAINT "profile_info_user_id_key_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id")
);
CREATE TABLE "accounts" (
  "id" INTEGER NOT NULL,
  PRIMARY KEY ("id")
);
CREATE TABLE "account_settings" (
  "account_id" INTEGER NOT NULL,
  "theme" TEXT NOT NULL,
  PRIMARY KEY ("account_id"),
  CONSTRAINT "account_settings_account_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE
);
-- Postgres
CREATE TABLE "users" (
  "id" BIGINT NOT NULL,
  "name" TEXT NOT NULL,
  PRIMARY KEY ("id")
);
CREATE TABLE "profile_info" (
  "id" BIGINT NOT NULL,
  "user_id" BIGINT NOT NULL UNIQUE,
  "metadata" TEXT NOT NULL,
  PRIMARY KEY ("id")
);
CREATE TABLE "accounts" (
  "id" BIGINT NOT NULL,
  PRIMARY KEY ("id")
);
CREATE TABLE "account_settings" (
  "account_id" BIGINT NOT NULL,
  "theme" TEXT NOT NULL,
  PRIMARY KEY ("account_id")
);
ALTER TABLE "profile_info" ADD CONSTRAINT "profile_info_user_id_key_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id");
ALTER TABLE "account_settings" ADD CONSTRAINT "account_settings_account_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE;
-- MySql
CREATE TABLE `users` (
  `id` BIGINT NOT NULL,
  `name` LONGTEXT NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `profile_info` (
  `id` BIGINT NOT NULL,
  `user_id` BIGINT NOT NULL UNIQUE,
  `metadata` LONGTEXT NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `accounts` (
  `id` BIGINT NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `account_settings` (
  `account_id` BIGINT NOT NULL,
  `theme` LONGTEXT NOT NULL,
  PRIMARY KEY (`account_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
ALTER TABLE `profile_info` ADD CONSTRAINT `profile_info_user_id_key_fkey` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`);
ALTER TABLE `account_settings` ADD CONSTRAINT `account_settings_account_fkey` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE CASCADE;
-- MySql8
CREATE TABLE `users` (
  `id` BIGINT NOT NULL,
  `name` LONGTEXT NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE TABLE `profile_info` (
  `id` BIGINT NOT NULL,
  `user_id` BIGINT NOT NULL UNIQUE,
  `metadata` LONGTEXT NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE TABLE `accounts` (
  `id` BIGINT NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE TABLE `account_settings` (
  `account_id` BIGINT NOT NULL,
  `theme` LONGTEXT NOT NULL,
  PRIMARY KEY (`account_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
ALTER TABLE `profile_info` ADD CONSTRAINT `profile_info_user_id_key_fkey` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`);
ALTER TABLE `account_settings` ADD CONSTRAINT `account_settings_account_fkey` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE CASCADE;
