//! `Position`: how far a primary had written, or a replica has replayed, in the
//! engine's own terms.

use std::collections::BTreeMap;

/// A point in a primary's stream of commits: PostgreSQL's WAL position (an LSN,
/// `16/B374D848`), or MariaDB's GTID position (`0-1-1042`, one `domain-server-sequence`
/// per replication domain).
///
/// [`Db::position`](crate::Db::position) gives the position after the `Db`'s last
/// write; [`Db::after`](crate::Db::after) reads at or past one. It travels as its text
/// (`to_string()` and `parse()`), for example in a cookie between two requests.
///
/// ```
/// use rel::Position;
/// let lsn: Position = "16/B374D848".parse()?;
/// assert!(lsn.covers(&"16/B374D000".parse()?));
/// assert!(!lsn.covers(&"17/0".parse()?));
/// let gtid: Position = "0-1-1042,1-2-7".parse()?;
/// assert!(gtid.covers(&"0-1-1000".parse()?));
/// assert!(!gtid.covers(&"1-2-8".parse()?));
/// assert_eq!(gtid.to_string(), "0-1-1042,1-2-7");
/// # Ok::<(), rel::PositionError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position(Kind);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// PostgreSQL: a byte position in the WAL.
    Lsn(u64),
    /// MariaDB: per replication domain, the server and sequence number of its last
    /// transaction. Sequence numbers grow within a domain, whichever server wrote.
    Gtid(BTreeMap<u32, (u32, u64)>),
}

/// Text that is no [`Position`]: neither `high/low` in hexadecimal nor a list of
/// `domain-server-sequence`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionError(String);

impl std::fmt::Display for PositionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is no replication position: want a PostgreSQL LSN (`16/B374D848`) or \
             MariaDB GTIDs (`0-1-1042,1-2-7`)",
            self.0
        )
    }
}

impl std::error::Error for PositionError {}

impl std::str::FromStr for Position {
    type Err = PositionError;

    fn from_str(text: &str) -> Result<Position, PositionError> {
        let bad = || PositionError(text.chars().take(80).collect());
        let text = text.trim();
        if let Some((high, low)) = text.split_once('/') {
            let high = u32::from_str_radix(high, 16).map_err(|_| bad())?;
            let low = u32::from_str_radix(low, 16).map_err(|_| bad())?;
            return Ok(Position(Kind::Lsn(
                (u64::from(high) << 32) | u64::from(low),
            )));
        }
        let mut domains = BTreeMap::new();
        for gtid in text.split(',').map(str::trim).filter(|g| !g.is_empty()) {
            let mut parts = gtid.split('-');
            let (Some(domain), Some(server), Some(sequence), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad());
            };
            let domain = domain.parse().map_err(|_| bad())?;
            let entry = (
                server.parse().map_err(|_| bad())?,
                sequence.parse().map_err(|_| bad())?,
            );
            if domains.insert(domain, entry).is_some() {
                return Err(bad());
            }
        }
        Ok(Position(Kind::Gtid(domains)))
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::Lsn(lsn) => write!(f, "{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF),
            Kind::Gtid(domains) => {
                for (i, (domain, (server, sequence))) in domains.iter().enumerate() {
                    let comma = if i == 0 { "" } else { "," };
                    write!(f, "{comma}{domain}-{server}-{sequence}")?;
                }
                Ok(())
            }
        }
    }
}

impl Position {
    /// Whether a server at this position has everything up to `other`: a replica that
    /// has replayed to `self` shows every write made before `other` was read. A
    /// position of another engine covers nothing.
    pub fn covers(&self, other: &Position) -> bool {
        match (&self.0, &other.0) {
            (Kind::Lsn(mine), Kind::Lsn(theirs)) => mine >= theirs,
            (Kind::Gtid(mine), Kind::Gtid(theirs)) => theirs
                .iter()
                .all(|(domain, (_, seq))| mine.get(domain).is_some_and(|(_, have)| have >= seq)),
            _ => false,
        }
    }

    /// The later of the two, domain by domain: a position that covers both.
    pub(crate) fn join(&self, other: &Position) -> Position {
        match (&self.0, &other.0) {
            (Kind::Lsn(a), Kind::Lsn(b)) => Position(Kind::Lsn(*a.max(b))),
            (Kind::Gtid(a), Kind::Gtid(b)) => {
                let mut joined = a.clone();
                for (domain, (server, seq)) in b {
                    let entry = joined.entry(*domain).or_insert((*server, *seq));
                    if entry.1 < *seq {
                        *entry = (*server, *seq);
                    }
                }
                Position(Kind::Gtid(joined))
            }
            // Positions of two engines cannot meet in one `Db`; the newer one wins.
            _ => other.clone(),
        }
    }

    /// A position the server reported, or `None` where it has none (a PostgreSQL
    /// server that is no standby says NULL; a MariaDB server that replays nothing, '').
    pub(crate) fn reported(text: Option<&str>) -> Option<Position> {
        let position: Position = text?.parse().ok()?;
        match &position.0 {
            Kind::Gtid(domains) if domains.is_empty() => None,
            _ => Some(position),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Position {
        text.parse().unwrap()
    }

    #[test]
    fn lsns_compare_as_numbers() {
        assert!(p("1/0").covers(&p("0/FFFFFFFF")));
        assert!(!p("0/FFFFFFFF").covers(&p("1/0")));
        assert_eq!(p("A/1F").to_string(), "A/1F");
        assert_eq!(p("0/5").join(&p("0/3")), p("0/5"));
    }

    #[test]
    fn gtids_compare_per_domain() {
        // Another server's GTID in the same domain: the sequence decides.
        assert!(p("0-2-10").covers(&p("0-1-9")));
        // A domain the replica has not seen is not covered.
        assert!(!p("0-1-10").covers(&p("0-1-5,1-1-1")));
        assert_eq!(p("0-1-5,1-1-9").join(&p("0-2-7")), p("0-2-7,1-1-9"));
        // Nothing written in any domain is covered by anything.
        assert!(p("0-1-1").covers(&p("")));
        assert_eq!(Position::reported(Some("")), None);
        assert_eq!(Position::reported(None), None);
    }

    #[test]
    fn bad_text_is_an_error_not_a_panic() {
        for bad in [
            "x/1",
            "1/",
            "0-1",
            "0-1-2-3",
            "a-b-c",
            "0-1-2,0-1-3",
            "1/2/3",
        ] {
            assert!(bad.parse::<Position>().is_err(), "{bad}");
        }
        assert!(!p("0/1").covers(&p("0-1-1")));
    }
}
