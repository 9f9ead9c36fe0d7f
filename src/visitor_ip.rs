//! A visitor's address as the limits and the statistics count it: an IPv4
//! address whole, an IPv6 address by its /64 — one subscriber usually has
//! a whole /64, and counting each of its 2^64 addresses apart would let
//! one visitor walk around every per-address limit.

use std::net::{IpAddr, Ipv6Addr};

pub fn identity(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_and_ipv4_whole() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(identity(a), identity(b));
        assert_ne!(identity(a), identity(c));
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(identity(v4), v4);
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(identity(mapped), v4);
    }
}
