//! Which network addresses Commonroom may fetch from. Everything internal is
//! denied by default; an admin list (`fetch.allow`) opens named hosts or ranges.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Ranges never fetched from unless explicitly allowed: loopback, private,
/// link-local, CGNAT, "this network", documentation, benchmarking,
/// multicast, reserved, and IPv6 forms that embed or translate IPv4.
const DENIED_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

const DENIED_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),     // IPv4-mapped
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),          // IPv4-compatible (deprecated)
    (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96),  // NAT64
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),  // local-use NAT64
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),      // discard
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),     // IETF protocol assignments, Teredo
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16),     // 6to4
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),      // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),     // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),     // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),      // multicast
];

/// Whether an address is internal, special or reserved (denied by default).
pub fn is_denied(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => DENIED_V4
            .iter()
            .any(|(net, len)| Ipv4Net::new(*net, *len).is_ok_and(|n| n.contains(&v4))),
        IpAddr::V6(v6) => DENIED_V6
            .iter()
            .any(|(net, len)| Ipv6Net::new(*net, *len).is_ok_and(|n| n.contains(&v6))),
    }
}

/// The admin's exceptions: host names, single addresses or CIDR ranges.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl AllowList {
    /// Entries like `intranet.council.local`, `127.0.0.1`, `::1`, `10.1.0.0/16`.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut list = Self::default();
        for entry in entries
            .iter()
            .flat_map(|e| e.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let bare = entry.trim_start_matches('[').trim_end_matches(']');
            if let Ok(net) = bare.parse::<IpNet>() {
                list.nets.push(net);
            } else if let Ok(ip) = bare.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else if bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
                list.hosts.push(bare.to_lowercase());
            } else {
                return Err(format!(
                    "fetch.allow: {entry:?} is neither a host name, an address nor a CIDR range"
                ));
            }
        }
        Ok(list)
    }

    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_lowercase();
        self.hosts.contains(&host)
    }

    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// May we connect to `ip`, reached by the name `host`?
    pub fn permits(&self, host: &str, ip: IpAddr) -> bool {
        !is_denied(ip) || self.allows_host(host) || self.allows_ip(ip)
    }
}

/// An IPv4-mapped IPv6 address compared as the IPv4 address it carries.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_and_special_addresses_are_denied() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(is_denied(ip(bad)), "{bad}");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for good in [
            "8.8.8.8",
            "151.101.0.81",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450:4009:81f::200e",
        ] {
            assert!(!is_denied(ip(good)), "{good}");
        }
    }

    #[test]
    fn the_allow_list_opens_hosts_and_ranges() {
        let list = AllowList::parse(&["127.0.0.1, ::1".into(), "10.1.0.0/16".into(), "Intranet.Local".into()]).unwrap();
        assert!(list.permits("x", ip("127.0.0.1")));
        assert!(list.permits("x", ip("::ffff:127.0.0.1")));
        assert!(list.permits("x", ip("10.1.200.3")));
        assert!(!list.permits("x", ip("10.2.0.1")));
        assert!(list.permits("intranet.local", ip("192.168.0.5")));
        assert!(AllowList::parse(&["not a host!".into()]).is_err());
    }
}
