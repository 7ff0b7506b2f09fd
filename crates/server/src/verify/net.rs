//! Where a credential check may connect: the addresses a provider's name resolves to,
//! with every non-public address refused unless the operator allows private ones.
//!
//! The server resolves the name once, here, and the HTTP client then connects to exactly
//! the addresses returned (`reqwest`'s `resolve_to_addrs`), so a name cannot resolve to a
//! public address for the check and to an internal one for the connection (DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::{Ipv4Net, Ipv6Net};

/// IPv4 ranges that are not the public internet (IANA special-purpose registry).
const V4_NON_PUBLIC: [(Ipv4Addr, u8); 16] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network", unspecified
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local (cloud metadata services)
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, broadcast
    (Ipv4Addr::new(255, 255, 255, 255), 32),
];

/// IPv6 ranges that are not the public internet.
const V6_NON_PUBLIC: [(Ipv6Addr, u8); 11] = [
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0x0100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments (Teredo…)
    (Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16), // 6to4: an IPv4 address inside
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),  // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),  // multicast
];

/// Whether an address is on the public internet. An IPv4-mapped, IPv4-compatible or NAT64
/// IPv6 address is judged by the IPv4 address inside it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !V4_NON_PUBLIC
            .iter()
            .any(|(net, len)| Ipv4Net::new(*net, *len).is_ok_and(|n| n.contains(&v4))),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public(IpAddr::V4(v4));
            }
            !V6_NON_PUBLIC
                .iter()
                .any(|(net, len)| Ipv6Net::new(*net, *len).is_ok_and(|n| n.contains(&v6)))
        }
    }
}

/// The IPv4 address inside `::ffff:a.b.c.d`, `::a.b.c.d` or `64:ff9b::a.b.c.d`.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    let compatible = s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1);
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (mapped || compatible || nat64).then_some(tail)
}

/// Why a host cannot be connected to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The name does not resolve (no such name, no DNS: a machine without internet).
    #[error("the name does not resolve")]
    NotFound,
    /// Every address is non-public and private addresses are not allowed.
    #[error("the name resolves only to non-public addresses ({0})")]
    NonPublic(IpAddr),
}

/// The addresses to connect to for `host:port`: resolved once, non-public ones dropped
/// unless `allow_private`. An IP literal is judged as it is.
pub async fn resolve(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, ResolveError> {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let all: Vec<SocketAddr> = match literal.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| ResolveError::NotFound)?
            .collect(),
    };
    let first = all.first().ok_or(ResolveError::NotFound)?.ip();
    if allow_private {
        return Ok(all);
    }
    let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
    if public.is_empty() {
        Err(ResolveError::NonPublic(first))
    } else {
        Ok(public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn non_public_addresses_are_recognized() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.7",
            "198.51.100.1",
            "203.0.113.9",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(!is_public(ip(a)), "{a} is not public");
        }
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "151.101.1.69",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(a)), "{a} is public");
        }
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        assert_eq!(
            resolve("127.0.0.1", 80, false).await,
            Err(ResolveError::NonPublic(ip("127.0.0.1")))
        );
        assert_eq!(
            resolve("[::1]", 80, false).await,
            Err(ResolveError::NonPublic(ip("::1")))
        );
        assert_eq!(
            resolve("127.0.0.1", 80, true).await,
            Ok(vec!["127.0.0.1:80".parse().expect("addr")])
        );
        // A name is judged by what it resolves to.
        assert!(matches!(
            resolve("localhost", 80, false).await,
            Err(ResolveError::NonPublic(_))
        ));
        assert_eq!(
            resolve("no-such-name.invalid", 443, true).await,
            Err(ResolveError::NotFound)
        );
    }
}
