//! `Position`: how far a primary had written, or a replica has replayed, in the
//! engine's own terms.

use std::collections::BTreeMap;

/// A point in a primary's stream of commits: PostgreSQL's WAL position (an LSN,
/// `16/B374D848`), MariaDB's GTID position (`0-1-1042`, one `domain-server-sequence`
/// per replication domain), or MySQL 8's GTID set (`3E11FA47-71CA-11E1-9E33-C80AA9429562:1-57`,
/// intervals of transactions per server UUID).
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
    /// MySQL 8: per server UUID, the intervals of its transactions applied, sorted and
    /// apart. Untested against a server: none can run here.
    GtidSet(BTreeMap<String, Vec<(u64, u64)>>),
}

/// Text that is no [`Position`]: neither `high/low` in hexadecimal, nor a list of
/// `domain-server-sequence`, nor of `uuid:first-last`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionError(String);

impl std::fmt::Display for PositionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is no replication position: want a PostgreSQL LSN (`16/B374D848`), \
             MariaDB GTIDs (`0-1-1042,1-2-7`) or a MySQL GTID set (`uuid:1-57`)",
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
        if text.contains(':') {
            return gtid_set(text).ok_or_else(bad);
        }
        if text.is_empty() {
            // What a server with nothing written says; no position to pass on.
            return Err(bad());
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
            Kind::GtidSet(servers) => {
                for (i, (uuid, intervals)) in servers.iter().enumerate() {
                    write!(f, "{}{uuid}", if i == 0 { "" } else { "," })?;
                    for (first, last) in intervals {
                        if first == last {
                            write!(f, ":{first}")?;
                        } else {
                            write!(f, ":{first}-{last}")?;
                        }
                    }
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
            (Kind::GtidSet(mine), Kind::GtidSet(theirs)) => {
                theirs.iter().all(|(uuid, intervals)| {
                    let have = mine.get(uuid).map_or(&[][..], Vec::as_slice);
                    intervals
                        .iter()
                        .all(|&(first, last)| have.iter().any(|&(a, b)| a <= first && last <= b))
                })
            }
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
            (Kind::GtidSet(a), Kind::GtidSet(b)) => {
                let mut joined = a.clone();
                for (uuid, intervals) in b {
                    let entry = joined.entry(uuid.clone()).or_default();
                    entry.extend(intervals);
                    *entry = merged(std::mem::take(entry));
                }
                Position(Kind::GtidSet(joined))
            }
            // Positions of two engines cannot meet in one `Db`; the newer one wins.
            _ => other.clone(),
        }
    }

    /// Its form: `lsn` (PostgreSQL), `gtid` (MariaDB) or `gtid set` (MySQL 8).
    pub(crate) fn form(&self) -> &'static str {
        match self.0 {
            Kind::Lsn(_) => "lsn",
            Kind::Gtid(_) => "gtid",
            Kind::GtidSet(_) => "gtid set",
        }
    }

    /// A position the server reported, or `None` where it has none (a PostgreSQL
    /// server that is no standby says NULL; a MariaDB server that replays nothing, '').
    pub(crate) fn reported(text: Option<&str>) -> Option<Position> {
        let position: Position = text?.parse().ok()?;
        // Parsing refuses empty text, which a server reports as "nothing yet".
        match &position.0 {
            Kind::Gtid(domains) if domains.is_empty() => None,
            Kind::GtidSet(servers) if servers.is_empty() => None,
            _ => Some(position),
        }
    }
}

/// MySQL's GTID set: `uuid:1-5:7,uuid:3` (the server writes a newline after each
/// comma); `None` where it is not one.
fn gtid_set(text: &str) -> Option<Position> {
    let mut servers: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut pieces = part.split(':');
        let uuid = pieces.next()?.trim().to_ascii_lowercase();
        let valid = uuid.len() == 36 && uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !valid {
            return None;
        }
        let intervals = servers.entry(uuid).or_default();
        let mut any = false;
        for interval in pieces {
            let (first, last) = match interval.split_once('-') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None => {
                    let n = interval.parse().ok()?;
                    (n, n)
                }
            };
            if first == 0 || last < first {
                return None;
            }
            intervals.push((first, last));
            any = true;
        }
        if !any {
            return None;
        }
    }
    for intervals in servers.values_mut() {
        *intervals = merged(std::mem::take(intervals));
    }
    Some(Position(Kind::GtidSet(servers)))
}

/// Intervals sorted, with those that touch or overlap made one.
fn merged(mut intervals: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    intervals.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(intervals.len());
    for (first, last) in intervals {
        match out.last_mut() {
            Some(prev) if first <= prev.1.saturating_add(1) => prev.1 = prev.1.max(last),
            _ => out.push((first, last)),
        }
    }
    out
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
        // A server with nothing written reports '': no position.
        assert!("".parse::<Position>().is_err());
        assert_eq!(Position::reported(Some("")), None);
        assert_eq!(Position::reported(None), None);
    }

    #[test]
    fn mysql_gtid_sets_compare_by_containment() {
        const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
        const B: &str = "4e11fa47-71ca-11e1-9e33-c80aa9429562";
        let set = p(&format!("{A}:1-5:7-9,\n{B}:1-3"));
        assert!(set.covers(&p(&format!("{A}:2-4"))));
        assert!(set.covers(&p(&format!("{A}:7,{B}:3"))));
        // 6 is a gap, and B's 4 not applied.
        assert!(!set.covers(&p(&format!("{A}:6"))));
        assert!(!set.covers(&p(&format!("{B}:1-4"))));
        // The server's own spelling (upper case, one transaction alone) reads back.
        let upper = p(&format!("{}:1-5:6", A.to_uppercase()));
        assert_eq!(upper.to_string(), format!("{A}:1-6"));
        assert_eq!(
            p(&format!("{A}:1-3")).join(&p(&format!("{A}:4-6,{B}:2"))),
            p(&format!("{A}:1-6,{B}:2"))
        );
        assert_eq!(Position::reported(Some("")), None);
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
