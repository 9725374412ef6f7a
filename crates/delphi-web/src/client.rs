//! Who a request comes from: the connection's peer, or, only when that peer is one of the
//! configured trusted proxies, the address the proxy recorded in `X-Forwarded-For`. A
//! client that talks to the server directly cannot choose its address by sending the header.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use actix_governor::{KeyExtractor, SimpleKeyExtractionError};
use actix_web::dev::ServiceRequest;

/// An address or a network (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("{text:?} is not an IP address or network such as 10.0.0.0/8");
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(Self { addr, prefix })
    }
}

/// The proxies whose `X-Forwarded-For` is believed (none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// These networks.
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    /// Reads a comma-separated list (`127.0.0.1, 10.0.0.0/8`); empty means none.
    pub fn parse_list(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(IpNet::from_str)
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address. From the peer, the `X-Forwarded-For` addresses are read right to
    /// left (each hop appends the address it saw) for as long as the hop that wrote them is
    /// trusted; the first address not trusted is the client. Anything unreadable stops the
    /// walk at the last trusted hop, which is then taken as the client.
    pub fn client_of(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|header| header.split(','))
            .map(str::trim)
            .rev();
        for hop in hops {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        return client;
                    }
                }
                Err(_) => return client,
            }
        }
        client
    }

    /// The client's address of a request (`None` without a peer, as in some tests).
    pub fn client_of_request(&self, request: &actix_web::HttpRequest) -> Option<IpAddr> {
        let peer = request.peer_addr()?.ip();
        let headers: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        Some(self.client_of(peer, &headers))
    }
}

/// The rate limiters' key: the client's address (see [`TrustedProxies::client_of`]); an
/// IPv6 client counts by its /56, as one household or office usually gets one.
#[derive(Debug, Clone)]
pub struct ClientKey(pub Arc<TrustedProxies>);

impl KeyExtractor for ClientKey {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, request: &ServiceRequest) -> Result<IpAddr, Self::KeyExtractionError> {
        let ip = self
            .0
            .client_of_request(request.request())
            .ok_or_else(|| SimpleKeyExtractionError::new("the client's address is unknown"))?;
        Ok(match ip {
            IpAddr::V6(v6) => {
                let mut octets = v6.octets();
                octets[7..].fill(0);
                IpAddr::V6(octets.into())
            }
            v4 => v4,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.200.1.1")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.0.0.1")), "IPv4 written as IPv6");
        let one: IpNet = "::1".parse().unwrap();
        assert!(one.contains(ip("::1")) && !one.contains(ip("::2")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0/8", ""] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse_list("127.0.0.1, nope").is_err());
        assert_eq!(
            TrustedProxies::parse_list(" ").unwrap(),
            TrustedProxies::default()
        );
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse_list("127.0.0.1, 10.0.0.0/8").unwrap();
        // Not through a proxy: the header is the client's own claim and is ignored.
        assert_eq!(
            proxies.client_of(ip("198.51.100.7"), &["203.0.113.66"]),
            ip("198.51.100.7")
        );
        // Through the proxy: the address it saw.
        assert_eq!(
            proxies.client_of(ip("127.0.0.1"), &["203.0.113.66"]),
            ip("203.0.113.66")
        );
        // A client that sends its own header before the proxy appends: the rightmost
        // untrusted address is the one the proxy saw, not the forged one on the left.
        assert_eq!(
            proxies.client_of(ip("127.0.0.1"), &["1.2.3.4, 203.0.113.66"]),
            ip("203.0.113.66")
        );
        // Two trusted hops, and headers split over several lines.
        assert_eq!(
            proxies.client_of(ip("127.0.0.1"), &["203.0.113.66", "10.1.2.3"]),
            ip("203.0.113.66")
        );
        // Garbage stops at the last trusted hop; no header leaves the proxy itself.
        assert_eq!(
            proxies.client_of(ip("127.0.0.1"), &["evil, 10.1.2.3"]),
            ip("10.1.2.3")
        );
        assert_eq!(proxies.client_of(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        // Nobody trusted: always the peer.
        assert_eq!(
            TrustedProxies::default().client_of(ip("127.0.0.1"), &["203.0.113.66"]),
            ip("127.0.0.1")
        );
    }
}
