//! A visitor's address as the logs show it: whole, or with
//! `--private-logs` only its network (a /24 or a /48).

use std::net::IpAddr;

use super::Settings;

pub fn shown(ip: IpAddr, settings: &Settings) -> String {
    if !settings.private_logs {
        return ip.to_string();
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_logs_show_only_the_network() {
        let private = Settings {
            private_logs: true,
            ..Settings::default()
        };
        let ip4: IpAddr = "203.0.113.77".parse().unwrap();
        let ip6: IpAddr = "2001:db8:85a3:8d3:1319:8a2e:370:7348".parse().unwrap();
        assert_eq!(shown(ip4, &private), "203.0.113.0/24");
        assert_eq!(shown(ip6, &private), "2001:db8:85a3::/48");
        assert_eq!(shown(ip4, &Settings::default()), "203.0.113.77");
    }
}
