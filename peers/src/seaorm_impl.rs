//! SeaORM 2.0: entities in its dense format (`#[sea_orm::model]`) and its Entity Loader,
//! the documented way to load nested relations:
//! `user::Entity::load().with((post::Entity, comment::Entity))`, one query per level,
//! each level's children ordered by id.

use crate::{Backend, Target};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, EntityLoaderTrait};

pub mod user {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        #[sea_orm(has_many)]
        pub posts: HasMany<super::post::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod post {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub author_id: i64,
        pub title: String,
        #[sea_orm(belongs_to, from = "author_id", to = "id")]
        pub author: BelongsTo<super::user::Entity>,
        #[sea_orm(has_many)]
        pub comments: HasMany<super::comment::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod comment {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub post_id: i64,
        pub body: String,
        #[sea_orm(belongs_to, from = "post_id", to = "id")]
        pub post: BelongsTo<super::post::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// SeaORM's own pool: the SQLite file, the PostgreSQL server with the namespace as the
/// search path, or the MySQL namespace's database.
pub async fn connect(target: &Target) -> Result<DatabaseConnection, String> {
    let options = match target.backend {
        Backend::Postgres => {
            let mut o = ConnectOptions::new(target.base.clone());
            o.set_schema_search_path(target.namespace.clone());
            o
        }
        Backend::Sqlite | Backend::MySql => ConnectOptions::new(target.url.clone()),
    };
    Database::connect(options)
        .await
        .map_err(|e| format!("seaorm connecting to {}: {e}", target.shown()))
}

/// Every user with their posts and each post's comments, ordered by id at each level.
pub async fn load(db: &DatabaseConnection) -> Result<Vec<user::ModelEx>, DbErr> {
    user::Entity::load()
        .with((post::Entity, comment::Entity))
        .order_by_id_asc()
        .all(db)
        .await
}
