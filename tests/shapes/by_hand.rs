//! A database someone else wrote, in the spellings such databases have (as the Chinook
//! sample database does): `NVARCHAR(160)` and `VARCHAR(n)` for text, `NUMERIC(10,2)`
//! for a decimal, `DATETIME`, constraint and index names of its own, an index the
//! primary key already covers. `plain` describes it with Rel's own types; `declared`
//! declares the types that change values (`#[column(sql_type)]`), as `pull` does.

use rel::Dialect;

/// The structs, with `$price` and `$released` as the attributes of those two columns.
macro_rules! structs {
    ($(#[$price:meta])* price; $(#[$released:meta])* released;) => {
        use rel::prelude::*;

        #[derive(Table, Debug)]
        #[table(name = "fa_artist")]
        pub struct Artist {
            #[column(primary_key)]
            pub artist_id: i64,
            pub name: Option<String>,
            #[relation(many)]
            pub albums: Many<Album>,
        }

        #[derive(Table, Debug)]
        #[table(name = "fa_album")]
        pub struct Album {
            #[column(primary_key)]
            pub album_id: i64,
            pub title: String,
            pub artist_id: i64,
            $(#[$price])*
            pub price: rust_decimal::Decimal,
            $(#[$released])*
            pub released: Option<chrono::NaiveDateTime>,
            #[relation(one, from = artist_id, to = Artist::artist_id)]
            pub artist: One<Artist>,
        }

        #[derive(Table, Debug)]
        #[table(name = "fa_tag")]
        pub struct Tag {
            #[column(primary_key)]
            pub tag_id: i64,
        }

        #[derive(Table, Debug)]
        #[table(name = "fa_album_tag", primary_key(album_id, tag_id))]
        pub struct AlbumTag {
            // The database has an index of its own on it, which the primary key covers.
            #[column(index)]
            pub album_id: i64,
            pub tag_id: i64,
            #[relation(one, from = album_id, to = Album::album_id)]
            pub album: One<Album>,
            #[relation(one, from = tag_id, to = Tag::tag_id)]
            pub tag: One<Tag>,
        }

        pub fn schema() -> Schema {
            Schema::new(RelationMode::ForeignKeys).table::<AlbumTag>()
        }
    };
}

/// Rel's own types: the price's precision and MySQL's whole-second `DATETIME` are drift.
#[allow(dead_code)]
pub mod plain {
    structs!(price; released;);
}

/// The types that change values declared, on SQLite and PostgreSQL.
#[allow(dead_code)]
pub mod declared {
    structs!(#[column(sql_type = "NUMERIC(10, 2)")] price; released;);
}

/// The types that change values declared, on MySQL and MariaDB (`numeric` is their
/// `decimal`).
#[allow(dead_code)]
pub mod declared_mysql {
    structs!(#[column(sql_type = "numeric(10,2)")] price; #[column(sql_type = "datetime")] released;);
}

/// The tables, as someone else wrote them for `d`, with two albums.
pub fn statements(d: Dialect) -> Vec<String> {
    let (text, date) = match d {
        Dialect::Postgres => ("VARCHAR", "TIMESTAMP"),
        _ => ("NVARCHAR", "DATETIME"),
    };
    vec![
        format!(
            "CREATE TABLE fa_artist (artist_id BIGINT NOT NULL, name {text}(120), \
             CONSTRAINT pk_artist PRIMARY KEY (artist_id))"
        ),
        format!(
            "CREATE TABLE fa_album (album_id BIGINT NOT NULL, title {text}(160) NOT NULL, \
             artist_id BIGINT NOT NULL, price NUMERIC(10,2) NOT NULL, released {date}, \
             CONSTRAINT pk_album PRIMARY KEY (album_id), \
             CONSTRAINT fk_album_artist FOREIGN KEY (artist_id) REFERENCES fa_artist (artist_id))"
        ),
        "CREATE INDEX ifk_album_artist ON fa_album (artist_id)".to_owned(),
        "CREATE TABLE fa_tag (tag_id BIGINT NOT NULL, CONSTRAINT pk_tag PRIMARY KEY (tag_id))"
            .to_owned(),
        "CREATE TABLE fa_album_tag (album_id BIGINT NOT NULL, tag_id BIGINT NOT NULL, \
         CONSTRAINT pk_album_tag PRIMARY KEY (album_id, tag_id), \
         CONSTRAINT fk_at_album FOREIGN KEY (album_id) REFERENCES fa_album (album_id), \
         CONSTRAINT fk_at_tag FOREIGN KEY (tag_id) REFERENCES fa_tag (tag_id))"
            .to_owned(),
        "CREATE INDEX ifk_at_album ON fa_album_tag (album_id)".to_owned(),
        "CREATE INDEX ifk_at_tag ON fa_album_tag (tag_id)".to_owned(),
        "INSERT INTO fa_artist (artist_id, name) VALUES (1, 'AC/DC')".to_owned(),
        "INSERT INTO fa_album (album_id, title, artist_id, price) \
         VALUES (1, 'For Those About To Rock', 1, 0.99)"
            .to_owned(),
        // A double, which NUMERIC affinity stores as a REAL on SQLite (a decimal
        // elsewhere).
        "INSERT INTO fa_album (album_id, title, artist_id, price) \
         VALUES (2, 'High Voltage', 1, 0.30000000000000004)"
            .to_owned(),
    ]
}
