//! The client's IP address: the direct peer, or — only when the peer is a trusted proxy — the
//! nearest address in `X-Forwarded-For` that is not itself a trusted proxy.

use std::net::IpAddr;

/// An IP network such as `10.0.0.0/8` or `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr.parse::<IpAddr>().ok()?, prefix.parse::<u8>().ok()?),
            None => {
                let addr = text.parse::<IpAddr>().ok()?;
                (addr, if addr.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr {
            network: addr,
            prefix,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            _ => ip,
        };
        match (self.network, ip) {
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

impl Cidr {
    /// The network of `ip` with `prefix` bits (an IPv4-mapped address as IPv4), its host bits
    /// cleared.
    pub fn network_of(ip: IpAddr, prefix: u8) -> Cidr {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let (network, prefix) = match ip {
            IpAddr::V4(v4) => {
                let prefix = prefix.min(32);
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                (IpAddr::V4((u32::from(v4) & mask).into()), prefix)
            }
            IpAddr::V6(v6) => {
                let prefix = prefix.min(128);
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                (IpAddr::V6((u128::from(v6) & mask).into()), prefix)
            }
        };
        Cidr { network, prefix }
    }

    /// This network with its host bits cleared, so that one network has one spelling.
    pub fn normalised(self) -> Cidr {
        Cidr::network_of(self.network, self.prefix)
    }
}

/// An address alone (`192.0.2.7`), a network with its prefix (`192.0.2.0/24`).
impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let full = if self.network.is_ipv4() { 32 } else { 128 };
        if self.prefix == full {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// Whom a per-client limit counts: an IPv4 address as it is, an IPv6 address by its /64.
/// A single IPv6 host is routinely handed a whole /64 (SLAAC, privacy addresses, RFC 6177's
/// assignments), so counting single IPv6 addresses would let one client take a fresh address
/// for every request and never meet a limit.
pub fn limit_subject(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & (u128::MAX << 64)).into()),
        },
        v4 => v4,
    }
}

pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[Cidr],
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    // Walk from the right: each hop appended the address it saw; the first untrusted one is the
    // client as far as our own proxies can vouch.
    let mut client = peer;
    if let Some(header) = forwarded_for {
        for hop in header.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) if is_trusted(ip) => client = ip,
                Ok(ip) => return Some(ip),
                Err(_) => break,
            }
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let subject = |s: &str| limit_subject(ip(s)).to_string();
        assert_eq!(subject("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(subject("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::");
        assert_eq!(subject("2001:db8:1:3::1"), "2001:db8:1:3::");
        assert_eq!(subject("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(subject("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn networks_are_spelt_one_way() {
        let net = |s: &str, p: u8| Cidr::network_of(ip(s), p).to_string();
        assert_eq!(net("192.0.2.77", 24), "192.0.2.0/24");
        assert_eq!(net("192.0.2.77", 32), "192.0.2.77");
        assert_eq!(net("::ffff:192.0.2.77", 32), "192.0.2.77");
        assert_eq!(net("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
        let parsed = Cidr::parse("10.1.2.3/8").unwrap().normalised();
        assert_eq!(parsed.to_string(), "10.0.0.0/8");
    }

    #[test]
    fn cidrs() {
        let net = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(net.contains(ip("10.1.2.3")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(Cidr::parse("::1").unwrap().contains(ip("::1")));
        assert!(Cidr::parse("127.0.0.1/32")
            .unwrap()
            .contains(ip("::ffff:127.0.0.1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nonsense").is_none());
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let spoof = Some("1.2.3.4");
        assert_eq!(
            client_ip(Some(ip("5.6.7.8")), spoof, &trusted),
            Some(ip("5.6.7.8"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), Some("1.2.3.4, 9.9.9.9"), &trusted),
            Some(ip("9.9.9.9"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), Some("9.9.9.9, 10.0.0.7"), &trusted),
            Some(ip("9.9.9.9"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), None, &trusted),
            Some(ip("10.0.0.2"))
        );
    }
}
