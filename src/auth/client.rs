//! The client's address: the socket's peer, or, when that peer is a proxy
//! named in `SAMORDNA_TRUSTED_PROXIES`, the address that proxy reports in
//! `X-Forwarded-For`. A header from anyone else is ignored, so a client
//! cannot choose its own address to dodge throttling.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::state::AppState;

/// One address or a CIDR block, such as `10.0.0.5`, `10.0.0.0/8` or `fd00::/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (address, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network = IpAddr::from_str(address)
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?} has a prefix length outside 0..={max}"))?,
        };
        Ok(Self { network, prefix })
    }
}

impl IpRange {
    /// Whether `ip` lies in this range (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let prefix = u32::from(self.prefix);
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let m = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                net.to_bits() & m == ip.to_bits() & m
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let m = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                net.to_bits() & m == ip.to_bits() & m
            }
            _ => false,
        }
    }

    /// Parses a comma-separated list; empty entries are skipped.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, String> {
        s.split(',')
            .filter(|e| !e.trim().is_empty())
            .map(Self::from_str)
            .collect()
    }
}

/// The client's address from the socket's peer and the headers: when the
/// peer is trusted, `X-Forwarded-For` is read from the right (the hop our
/// proxy added) and the first address that is not a trusted proxy is the
/// client. An entry that is not an address stops the walk.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpRange],
) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    let mut client = peer?;
    if !is_trusted(client) {
        return Some(client);
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in forwarded.iter().rev() {
        let Some(ip) = parse_hop(entry) else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    Some(client)
}

fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    IpAddr::from_str(entry)
        .ok()
        .or_else(|| SocketAddr::from_str(entry).ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The client's address as an extractor (see [`client_address`]); `None`
/// only where no socket address is known (requests not from a socket).
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn ranges_parse_and_match() {
        let list = IpRange::parse_list(" 10.0.0.0/8, 192.0.2.5 ,fd00::/8,,").expect("list");
        assert_eq!(list.len(), 3);
        assert!(list[0].contains(ip("10.255.1.2")));
        assert!(!list[0].contains(ip("11.0.0.1")));
        assert!(list[1].contains(ip("192.0.2.5")));
        assert!(list[1].contains(ip("::ffff:192.0.2.5")));
        assert!(!list[1].contains(ip("192.0.2.6")));
        assert!(list[2].contains(ip("fd12::1")));
        assert!(!list[2].contains(ip("fe80::1")));
        assert!(
            IpRange::from_str("0.0.0.0/0")
                .expect("all")
                .contains(ip("8.8.8.8"))
        );
        for bad in [
            "proxy.kommun.se",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/x",
            "10.0.0/8",
            "",
        ] {
            assert!(IpRange::from_str(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let h = headers(&["198.51.100.7"]);
        assert_eq!(
            client_address(Some(ip("203.0.113.1")), &h, &[]),
            Some(ip("203.0.113.1"))
        );
    }

    #[test]
    fn a_header_from_an_untrusted_peer_is_ignored() {
        let trusted = IpRange::parse_list("10.0.0.1").expect("list");
        let h = headers(&["198.51.100.7"]);
        assert_eq!(
            client_address(Some(ip("203.0.113.1")), &h, &trusted),
            Some(ip("203.0.113.1"))
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_client_is_used() {
        let trusted = IpRange::parse_list("10.0.0.0/24").expect("list");
        let peer = Some(ip("10.0.0.1"));
        assert_eq!(
            client_address(peer, &headers(&["198.51.100.7"]), &trusted),
            Some(ip("198.51.100.7"))
        );
        // A client-written spoof on the left is not believed.
        assert_eq!(
            client_address(peer, &headers(&["1.1.1.1, 198.51.100.7"]), &trusted),
            Some(ip("198.51.100.7"))
        );
        // Two proxies of ours in a row, and the header split over lines.
        assert_eq!(
            client_address(
                peer,
                &headers(&["6.6.6.6, 198.51.100.7", "10.0.0.2"]),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(peer, &headers(&["[2001:db8::5]:4711"]), &trusted),
            Some(ip("2001:db8::5"))
        );
        // Garbage stops the walk at the last hop we trust.
        assert_eq!(
            client_address(peer, &headers(&["198.51.100.7, nonsense"]), &trusted),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(
            client_address(peer, &HeaderMap::new(), &trusted),
            Some(ip("10.0.0.1"))
        );
    }
}
